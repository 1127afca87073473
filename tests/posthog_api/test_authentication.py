import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api_keys.models import PersonalAPIKey
from posthog_api.authentication import hash_key_value
from posthog_api.testing import error, key_client, make_key, not_authenticated

ME = "/api/users/@me/"


def invalid_key(source: str) -> dict:
    return error(
        "authentication_error", "authentication_failed", f"Personal API key found in request {source} is invalid."
    )


def stored_key(value: str) -> PersonalAPIKey:
    return PersonalAPIKey.objects.get(secure_value=hash_key_value(value))


def test_key_in_authorization_header_authenticates_as_its_owner(client, user):
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_key_in_authorization_header_may_have_surrounding_spaces(key, user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"  Bearer  {key}  ")
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_key_in_body_authenticates(anonymous, key, user, body_format):
    response = anonymous.patch(ME, {"personal_api_key": key, "first_name": "Grace"}, format=body_format)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    user.refresh_from_db()
    assert user.first_name == "Grace"


def test_key_in_query_string_authenticates(anonymous, key, user):
    response = anonymous.get(ME, {"personal_api_key": key})
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_invalid_key_in_header_is_401_naming_the_header(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key")
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.json() == invalid_key("Authorization header")


def test_invalid_key_in_body_is_401_naming_the_body(anonymous, db):
    response = anonymous.patch(ME, {"personal_api_key": "phx_not_a_real_key"}, format="json")
    assert response.status_code == 401
    assert response.json() == invalid_key("body")


def test_invalid_key_in_query_string_is_401_naming_the_query_string(anonymous, db):
    response = anonymous.get(ME, {"personal_api_key": "phx_not_a_real_key"})
    assert response.status_code == 401
    assert response.json() == invalid_key("query string")


def test_only_the_header_key_is_tried_when_there_are_several(key, anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key")
    response = anonymous.get(ME, {"personal_api_key": key})
    assert response.status_code == 401
    assert response.json() == invalid_key("Authorization header")

    valid_header = key_client(key)
    assert valid_header.get(ME, {"personal_api_key": "phx_not_a_real_key"}).status_code == 200


def test_body_key_wins_over_query_string_key(anonymous, key):
    response = anonymous.patch(f"{ME}?personal_api_key={key}", {"personal_api_key": "phx_bad"}, format="json")
    assert response.status_code == 401
    assert response.json() == invalid_key("body")


def test_any_other_bearer_token_is_tried_as_a_personal_key(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer phs_some_secret_looking_value")
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.json() == invalid_key("Authorization header")


def test_key_of_inactive_user_is_401(key, client, user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json() == invalid_key("Authorization header")


def test_oauth_bearer_token_is_skipped_by_the_personal_key_authenticator(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer pha_an_oauth_access_token")
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.json() == not_authenticated()


def test_oauth_bearer_token_leaves_the_query_string_key_to_be_used(anonymous, key, user):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer pha_an_oauth_access_token")
    response = anonymous.get(ME, {"personal_api_key": key})
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_lowercase_bearer_is_not_read_as_a_key(anonymous, key):
    anonymous.credentials(HTTP_AUTHORIZATION=f"bearer {key}")
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.json() == not_authenticated()


def test_last_used_at_is_written_on_first_use(client, key):
    assert stored_key(key).last_used_at is None
    before = timezone.now()
    assert client.get(ME).status_code == 200
    last_used_at = stored_key(key).last_used_at
    assert last_used_at is not None
    assert before <= last_used_at <= timezone.now()


def test_last_used_at_is_not_rewritten_within_an_hour(client, key):
    recently = timezone.now() - timedelta(minutes=59)
    PersonalAPIKey.objects.filter(secure_value=hash_key_value(key)).update(last_used_at=recently)
    assert client.get(ME).status_code == 200
    assert stored_key(key).last_used_at == recently


def test_last_used_at_is_rewritten_after_an_hour(client, key):
    long_ago = timezone.now() - timedelta(minutes=61)
    PersonalAPIKey.objects.filter(secure_value=hash_key_value(key)).update(last_used_at=long_ago)
    before = timezone.now()
    assert client.get(ME).status_code == 200
    assert stored_key(key).last_used_at >= before


def test_second_request_within_the_hour_writes_nothing(client, key):
    assert client.get(ME).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ME).status_code == 200
    assert not [query for query in captured.captured_queries if query["sql"].startswith("UPDATE")]


def test_session_authenticates(anonymous, user):
    anonymous.force_login(user)
    response = anonymous.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_unauthenticated_request_is_401_with_the_envelope_and_no_challenge_header(anonymous, db):
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }
    assert "WWW-Authenticate" not in response.headers


def test_key_is_stored_only_as_its_unsalted_sha256(user):
    value = make_key(user, scopes=["feature_flag:read"])
    row = PersonalAPIKey.objects.get(user=user)
    assert row.secure_value == f"sha256${hashlib.sha256(value.encode()).hexdigest()}"
    assert row.mask_value == f"{value[:4]}...{value[-4:]}"
    stored = PersonalAPIKey.objects.filter(pk=row.pk).values().get()
    assert not [field for field, column in stored.items() if isinstance(column, str) and value in column]
