"""Capture endpoints for PostHog's SDKs (plain Django views: project-token auth, no personal keys, CORS open).

See persons-groups-ingestion.md §1 and the recorded SDK traffic in sdk-wire-format*.md.
"""

import datetime as dt
import json
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ingestion import decoding
from ingestion.capture import (
    INVALID_TOKEN,
    MAX_EVENT_BYTES,
    MISSING_TOKEN,
    CaptureError,
    could_be_project_token,
    normalize_event,
    query_sent_at,
    resolve_token,
    split_request,
)
from ingestion.queue import enqueue, serialize_payloads, team_id_for_token
from posthog_api.parsing import int_or_none

SUPPORTED_COMPRESSION = ["gzip", "gzip-js"]
ALLOWED_METHODS = "GET, POST, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "X-Requested-With, Content-Type, Authorization"


def _with_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    else:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", DEFAULT_ALLOWED_HEADERS
    )
    response["Access-Control-Max-Age"] = "86400"
    return _with_cors(request, response)


def _json(request: HttpRequest, body: dict, status: int = 200) -> HttpResponse:
    return _with_cors(request, JsonResponse(body, status=status))


def _error(request: HttpRequest, error: CaptureError) -> HttpResponse:
    body = {"type": error.error_type, "code": error.code, "detail": error.detail, "attr": None}
    return _json(request, body, error.status)


def _too_large(request: HttpRequest) -> HttpResponse:
    detail = f"Request body is larger than the {decoding.MAX_BODY_BYTES // (1024 * 1024)} MB capture limit."
    return _error(request, CaptureError(413, "invalid_request", "payload_too_large", detail))


def _read_body(request: HttpRequest) -> bytes:
    length = int_or_none(request.META.get("CONTENT_LENGTH"))  # unreadable: none, as Django reads it
    if length and length > decoding.MAX_BODY_BYTES:
        raise decoding.BodyTooLarge()
    if not length and request.META.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        body = request.META["wsgi.input"].read(decoding.MAX_BODY_BYTES + 1)
    else:
        body = request.read(decoding.MAX_BODY_BYTES + 1)
    if len(body) > decoding.MAX_BODY_BYTES:
        raise decoding.BodyTooLarge()
    return body


def _decode(request: HttpRequest) -> tuple[object, dict]:
    """The decoded JSON body and the form fields of a capture-style request."""
    body = _read_body(request) if request.method == "POST" else b""
    payload, form = decoding.locate_payload(
        method=request.method, content_type=request.content_type or "", body=body, query=request.GET
    )
    compression = request.GET.get("compression") or form.get("compression") or request.headers.get("Content-Encoding")
    try:
        return decoding.decode_payload(payload, compression or ""), form
    except decoding.DecodeError as exc:
        raise CaptureError(400, "validation_error", exc.code, exc.detail) from None


def _ingest(request: HttpRequest, *, forced_event: str | None = None, bearer: bool = False) -> dict:
    """Decode, validate and queue one request; returns the queued payloads. Raises CaptureError / BodyTooLarge."""
    data, form = _decode(request)
    capture = split_request(data, forced_event=forced_event)
    if bearer:
        authorization = request.headers.get("Authorization", "")
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not token:
            raise MISSING_TOKEN
        first_choice, fallback = token, None
    else:
        first_choice = None
        if request.method == "GET":
            first_choice = request.GET.get("token") or request.GET.get("api_key")
        first_choice = first_choice or form.get("api_key") or form.get("token")
        fallback = request.GET.get("token") or request.GET.get("api_key")
    token = resolve_token(capture, first_choice=first_choice, fallback=fallback)
    sent_at = capture.sent_at if isinstance(capture.sent_at, str) else None
    sent_at = sent_at or query_sent_at(request.GET.get("_")) or form.get("sent_at")
    now = dt.datetime.now(dt.UTC).isoformat()
    payloads = [normalize_event(event, now=now, sent_at=sent_at) for event in capture.events]
    serialized = serialize_payloads(payloads)
    if any(len(text) > MAX_EVENT_BYTES for text in serialized):
        raise CaptureError(400, "validation_error", "invalid_payload", "maximum event size exceeded")
    if not payloads:
        if team_id_for_token(token) is None:
            raise INVALID_TOKEN
    elif enqueue(token=token, serialized=serialized) == 0:
        raise INVALID_TOKEN
    return {"payloads": payloads}


@csrf_exempt
def capture(request: HttpRequest, forced_event: str | None = None) -> HttpResponse:
    """`/batch/`, `/capture/`, `/e/`, `/i/v0/e/`, `/track/` (and `/engage/`): answers `{"status": 1}`."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method not in ("GET", "POST"):
        return _error(request, CaptureError(405, "invalid_request", "method_not_allowed", "Method not allowed."))
    try:
        _ingest(request, forced_event=forced_event)
    except CaptureError as exc:
        return _error(request, exc)
    except decoding.BodyTooLarge:
        return _too_large(request)
    return _json(request, {"status": 1})


@csrf_exempt
def engage(request: HttpRequest) -> HttpResponse:
    """Old posthog-js identify: a single object is an `$identify` event."""
    return capture(request, forced_event="$identify")


@csrf_exempt
def capture_v1(request: HttpRequest) -> HttpResponse:
    """`POST /i/v1/analytics/events` (posthog-python capture_mode="v1"): Bearer project token, per-event results."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _error(request, CaptureError(405, "invalid_request", "method_not_allowed", "Method not allowed."))
    try:
        result = _ingest(request, bearer=True)
    except CaptureError as exc:
        return _error(request, exc)
    except decoding.BodyTooLarge:
        return _too_large(request)
    return _json(request, {"results": {payload["uuid"]: {"result": "ok"} for payload in result["payloads"]}})


def _flags_token(request: HttpRequest) -> str:
    data, form = _decode(request) if request.method == "POST" else ({}, {})
    data = data if isinstance(data, dict) else {}
    token = data.get("token") or data.get("api_key") or data.get("$token") or form.get("api_key") or form.get("token")
    token = token or request.GET.get("token") or request.GET.get("api_key")
    if not isinstance(token, str) or not token:
        raise MISSING_TOKEN
    if not could_be_project_token(token) or team_id_for_token(token) is None:
        raise INVALID_TOKEN
    return token


def _no_flags(request: HttpRequest, extra: dict) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request)
    try:
        _flags_token(request)
    except CaptureError as exc:
        return _error(request, exc)
    except decoding.BodyTooLarge:
        return _too_large(request)
    body = {
        "featureFlags": {},
        "featureFlagPayloads": {},
        "errorsWhileComputingFlags": False,
        "supportedCompression": SUPPORTED_COMPRESSION,
        **extra,
    }
    return _json(request, body)


@csrf_exempt
def flags(request: HttpRequest) -> HttpResponse:
    """`/flags/` (`?v=2`): no feature flags are defined here, so every evaluation is empty."""
    return _no_flags(request, {"flags": {}, "requestId": str(uuid.uuid4())})


def _remote_config(token: str) -> dict:
    return {
        "token": token,
        "supportedCompression": SUPPORTED_COMPRESSION,
        "hasFeatureFlags": False,
        "captureDeadClicks": False,
        "capturePerformance": False,
        "autocapture_opt_out": False,
        "autocaptureExceptions": False,
        "elementsChainAsString": True,
        "sessionRecording": False,
        "heatmaps": False,
        "surveys": False,
        "defaultIdentifiedOnly": True,
        "siteApps": [],
    }


@csrf_exempt
def decide(request: HttpRequest) -> HttpResponse:
    """`/decide/` for older SDKs: the remote config plus empty flags."""
    extra = {
        **_remote_config(""),
        "config": {"enable_collect_everything": True},
        "toolbarParams": {},
        "isAuthenticated": False,
    }
    extra.pop("token")
    version = int_or_none(request.GET.get("v"))
    if version is not None and version >= 4:
        extra.update({"flags": {}, "requestId": str(uuid.uuid4())})
    return _no_flags(request, extra)


def remote_config(request: HttpRequest, token: str, js: str | None = None) -> HttpResponse:
    """`GET /array/{token}/config` (and `config.js`): the project's remote config for posthog-js."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if not could_be_project_token(token) or team_id_for_token(token) is None:
        return _error(request, CaptureError(404, "invalid_request", "not_found", "Not found."))
    config = _remote_config(token)
    if not js:
        return _json(request, config)
    script = (
        "(function() { window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {}; "
        f"window._POSTHOG_REMOTE_CONFIG[{json.dumps(token)}] = {{config: {json.dumps(config)}, siteApps: []}}; }})();"
    )
    return _with_cors(request, HttpResponse(script, content_type="application/javascript"))
