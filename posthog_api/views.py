"""Operational endpoints and the catch-all 404 for unknown API routes."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from posthog_api.exceptions import error_body


def health(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def ready(request) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


# Exempt so that a POST to an unknown route gets the JSON 404, not Django's HTML CSRF failure page.
@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    body = error_body("invalid_request", "not_found", "Endpoint not found.")
    return JsonResponse(body, status=404, json_dumps_params={"separators": (",", ":")})
