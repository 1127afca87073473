import logging
import re
import time
import uuid

logger = logging.getLogger("posthog_api.requests")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestLogMiddleware:
    """One log line per request, and a request id echoed as `X-Request-Id` (a caller's own id is kept if sane).
    A view whose path holds a credential sets `request.log_path` to the path to log instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-Id"] = request.request_id
        logger.info(
            "%s %s %s %.1fms key=%s request_id=%s",
            request.method,
            getattr(request, "log_path", None) or request.path,
            response.status_code,
            duration_ms,
            getattr(request, "api_key_mask", None) or "-",
            request.request_id,
        )
        return response
