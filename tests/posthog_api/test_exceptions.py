import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import override_settings
from rest_framework import exceptions
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from posthog_api.exceptions import exception_handler
from posthog_api.testing import error, key_client, make_key, not_authenticated, not_found, permission_denied

pytestmark = pytest.mark.urls("tests.posthog_api.urls_for_tests")

VALIDATE = "/api/test_errors/validate/"


def validation(code: str, detail: str, attr: str | None) -> dict:
    return error("validation_error", code, detail, attr)


# --- 400 validation errors ---


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, validation("required", "This field is required.", "name")),
        ({"name": ""}, validation("blank", "This field may not be blank.", "name")),
        ({"name": "toolong"}, validation("max_length", "Ensure this field has no more than 5 characters.", "name")),
        ({"name": "ok", "count": "x"}, validation("invalid_input", "A valid integer is required.", "count")),
        (
            {"name": "ok", "nested": {"value": "x"}},
            validation("invalid_input", "A valid integer is required.", "nested__value"),
        ),
        ({"name": "ok", "nested": {}}, validation("required", "This field is required.", "nested__value")),
        (
            {"name": "ok", "items": [{"value": 1}, {"value": "x"}]},
            validation("invalid_input", "A valid integer is required.", "items__1__value"),
        ),
        ({"name": "clash"}, validation("invalid_input", "Name and count disagree.", None)),
        (
            {"name": "ok", "nested": {"value": 13}},
            validation("invalid_input", "Unlucky value.", "nested__non_field_errors"),
        ),
        (
            ["not", "an", "object"],
            validation("invalid_input", "Invalid data. Expected a dictionary, but got list.", None),
        ),
    ],
)
def test_validation_error_envelope(client, body, expected):
    response = client.post(VALIDATE, body, format="json")
    assert response.status_code == 400
    assert response.json() == expected


def test_only_the_first_validation_error_is_reported(client):
    response = client.post(VALIDATE, {"name": "toolong", "count": "x", "nested": {"value": "x"}}, format="json")
    assert response.status_code == 400
    assert response.json() == validation("max_length", "Ensure this field has no more than 5 characters.", "name")


def test_valid_body_passes(client):
    response = client.post(VALIDATE, {"name": "ok", "count": 2}, format="json")
    assert response.status_code == 200
    assert response.json() == {"name": "ok", "count": 2}


def test_malformed_json_is_a_parse_error(client):
    response = client.post(VALIDATE, "{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == error(
        "invalid_request",
        "parse_error",
        "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    )


def test_malformed_json_is_a_parse_error_for_sessions_too(anonymous, user):
    anonymous.force_login(user)
    response = anonymous.post(VALIDATE, "{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_unsupported_media_type_is_415(client):
    response = client.post(VALIDATE, "name=ok", content_type="text/plain")
    assert response.status_code == 415
    assert response.json() == error(
        "invalid_request", "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
    )


# --- 401 / 403 / 404 / 405 ---


def test_unauthenticated_is_401(anonymous, db):
    response = anonymous.post(VALIDATE, {"name": "ok"}, format="json")
    assert response.status_code == 401
    assert response.json() == not_authenticated()
    assert "WWW-Authenticate" not in response.headers


def test_django_permission_denied_becomes_the_generic_403_without_its_message(client):
    response = client.get("/api/test_errors/django_denied/")
    assert response.status_code == 403
    assert response.json() == permission_denied()


def test_django_http404_becomes_not_found_without_its_message(client):
    response = client.get("/api/test_errors/django_not_found/")
    assert response.status_code == 404
    assert response.json() == not_found()


@pytest.mark.parametrize("path", ["/api/nope/", "/api/nope", "/api", "/api/organizations/x/y/z/w/", "/api/users/@me/x"])
def test_unknown_api_route_is_404_endpoint_not_found(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 404
    assert response.json() == not_found("Endpoint not found.")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_route_is_404_for_writes_even_when_csrf_is_enforced(key, method):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = getattr(client, method)("/api/nope/", {"a": 1}, format="json")
    assert response.status_code == 404
    assert response.json() == not_found("Endpoint not found.")


def test_method_not_allowed_is_405(anonymous, user, team):
    anonymous.force_login(user)
    response = anonymous.put(f"/api/projects/{team.project_id}/test_things/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == error("invalid_request", "method_not_allowed", 'Method "PUT" not allowed.')


def test_method_not_allowed_is_405_for_keys_once_the_scope_check_passes(client, team):
    response = client.patch(f"/api/projects/{team.project_id}/test_things/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == error("invalid_request", "method_not_allowed", 'Method "PATCH" not allowed.')


# --- 429 ---


@pytest.fixture
def low_rate(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "burst", "2/minute")


def throttled(seconds: int) -> dict:
    return error("throttled_error", "throttled", f"Request was throttled. Expected available in {seconds} seconds.")


def test_key_over_the_rate_is_429_without_retry_after(user, low_rate):
    client = key_client(make_key(user))
    with override_settings(RATE_LIMIT_ENABLED=True):
        assert [client.get("/api/users/@me/").status_code for _ in range(2)] == [200, 200]
        response = client.get("/api/users/@me/")
    assert response.status_code == 429
    assert response.json() in (throttled(60), throttled(59))
    assert "Retry-After" not in response.headers


def test_rate_is_counted_per_key(user, low_rate):
    first, second = key_client(make_key(user)), key_client(make_key(user))
    with override_settings(RATE_LIMIT_ENABLED=True):
        assert [first.get("/api/users/@me/").status_code for _ in range(3)] == [200, 200, 429]
        assert second.get("/api/users/@me/").status_code == 200


def test_sessions_are_not_throttled(anonymous, user, low_rate):
    anonymous.force_login(user)
    with override_settings(RATE_LIMIT_ENABLED=True):
        assert [anonymous.get("/api/users/@me/").status_code for _ in range(4)] == [200] * 4


def test_rate_limits_are_off_unless_enabled(client, low_rate):
    with override_settings(RATE_LIMIT_ENABLED=False):
        assert [client.get("/api/users/@me/").status_code for _ in range(4)] == [200] * 4


# --- 500 ---


def test_unhandled_exception_is_a_bare_500(client):
    client.raise_request_exception = False
    response = client.get("/api/test_errors/explode/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }
    assert b"hunter2" not in response.content
    assert b"RuntimeError" not in response.content


# --- The handler on its own ---


class PaymentRequired(exceptions.APIException):
    status_code = 402
    default_detail = "This feature is part of the premium PostHog offering."
    default_code = "payment_required"
    default_type = "server_error_premium"


def test_exception_class_may_name_its_type():
    response = exception_handler(PaymentRequired(), {})
    assert response.status_code == 402
    assert response.data == error(
        "server_error_premium", "payment_required", "This feature is part of the premium PostHog offering."
    )


def test_exception_instance_may_name_its_type():
    exc = exceptions.PermissionDenied("Nope.")
    exc.exception_type = "custom_type"
    assert exception_handler(exc, {}).data == error("custom_type", "permission_denied", "Nope.")


def test_extra_is_added_only_when_the_exception_has_one():
    exc = exceptions.ValidationError({"scopes": ["Bad scope."]}, code="invalid")
    exc.extra = {"allowed": ["feature_flag:read"]}
    assert exception_handler(exc, {}).data == {
        **validation("invalid_input", "Bad scope.", "scopes"),
        "extra": {"allowed": ["feature_flag:read"]},
    }
    assert "extra" not in exception_handler(exceptions.NotFound(), {}).data


@pytest.mark.parametrize(
    ("detail", "attr"),
    [
        (["Top-level message."], None),
        ({"non_field_errors": ["Top-level message."]}, None),
        ({"__all__": ["Top-level message."]}, None),
        ({"matrix": [["Top-level message."]]}, "matrix__0"),
        ({"matrix": [[], ["Top-level message."]]}, "matrix__1"),
        ({"items": [{}, {"name": ["Top-level message."]}]}, "items__1__name"),
        ({"scopes": {2: ["Top-level message."]}}, "scopes__2"),
        ({"form": {"non_field_errors": ["Top-level message."]}}, "form__non_field_errors"),
    ],
)
def test_attr_is_the_field_path_joined_with_double_underscores(detail, attr):
    response = exception_handler(exceptions.ValidationError(detail), {})
    assert response.data == validation("invalid_input", "Top-level message.", attr)


def test_django_exceptions_are_mapped_to_drf_ones():
    assert exception_handler(Http404("secret"), {}).data == not_found()
    assert exception_handler(DjangoPermissionDenied("secret"), {}).data == permission_denied()
