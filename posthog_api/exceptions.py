"""One exception handler: every error leaves as `{"type", "code", "detail", "attr"}` (PostHog's drf-exceptions-hog)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger("posthog_api.errors")

TYPE_BY_EXCEPTION = (
    (
        (exceptions.AuthenticationFailed, exceptions.NotAuthenticated, exceptions.PermissionDenied),
        "authentication_error",
    ),
    (
        (
            exceptions.NotFound,
            exceptions.MethodNotAllowed,
            exceptions.NotAcceptable,
            exceptions.ParseError,
            exceptions.UnsupportedMediaType,
        ),
        "invalid_request",
    ),
    ((exceptions.Throttled,), "throttled_error"),
    ((exceptions.ValidationError,), "validation_error"),
)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is larger than this server accepts."
    default_code = "request_too_large"
    error_type = "invalid_request"


SERVER_ERROR_BODY = {"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": None}


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "code": code, "detail": detail, "attr": attr}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc) or None)
    elif isinstance(exc, DataError):
        exc = _unstorable_value(exc)
    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled exception", exc_info=exc)
        return Response(SERVER_ERROR_BODY, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    attr, detail = _first_error(exc.detail)
    code = getattr(detail, "code", None) or exc.default_code
    if code == "invalid":
        code = "invalid_input"
    body = error_body(_error_type(exc), code, str(detail), attr)
    if hasattr(exc, "extra"):
        body["extra"] = exc.extra
    return Response(body, status=exc.status_code)


def _unstorable_value(exc: DataError) -> exceptions.ValidationError:
    """A value PostgreSQL refused (SQLSTATE class 22: a NUL character, an invalid JSON escape, a number out of
    range, ...) came from the request: a 400, as a field-level check would have given had one existed."""
    logger.warning("The database refused a value of the request: %s", exc)
    diagnostic = getattr(exc.__cause__, "diag", None)
    reason = (getattr(diagnostic, "message_primary", None) or str(exc)).splitlines()[0].rstrip(".")
    return exceptions.ValidationError(f"A value could not be stored: {reason}.", code="invalid_input")


def _error_type(exc: exceptions.APIException) -> str:
    # drf-exceptions-hog's names: an instance's `exception_type`, else its class's `default_type`.
    explicit = (
        getattr(exc, "exception_type", None) or getattr(exc, "default_type", None) or getattr(exc, "error_type", None)
    )
    if explicit:
        return explicit
    for classes, error_type in TYPE_BY_EXCEPTION:
        if isinstance(exc, classes):
            return error_type
    return "server_error"


def _first_error(detail, path: tuple[str, ...] = ()):
    """The first leaf error and its field path joined with `__` (None for non-field errors)."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        return _first_error(value, (*path, str(key)))
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict) and item:
                return _first_error(item, (*path, str(index)))
            if isinstance(item, list) and item:
                return _first_error(item, (*path, str(index)))
            if not isinstance(item, dict | list):
                return _attr(path), item
    return _attr(path), detail


def _attr(path: tuple[str, ...]) -> str | None:
    """Only a top-level non-field error has no attr; nested ones keep the key (`nested__non_field_errors`)."""
    attr = "__".join(path)
    return None if attr in ("", "non_field_errors", "__all__") else attr
