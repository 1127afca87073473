import hashlib
import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from api_keys.models import PersonalAPIKey
from api_keys.services import personal_api_key_create
from posthog_api.testing import error, key_client, make_key, make_user, not_found, permission_denied
from tests.organizations.bodies import iso
from users.models import User

KEYS = "/api/personal_api_keys/"
KEY_ONLY = "This action does not support Personal API Key access"
LIMIT = "You can only have 10 personal API keys. Remove an existing key before creating a new one."


def key_body(key: PersonalAPIKey, value: str | None = None) -> dict:
    key.refresh_from_db()
    return {
        "id": key.id,
        "label": key.label,
        "value": value,
        "mask_value": key.mask_value,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "user_id": key.user_id,
        "scopes": key.scopes if key.scopes is not None else ["*"],
        "scoped_teams": key.scoped_teams,
        "scoped_organizations": key.scoped_organizations,
        "last_rolled_at": iso(key.last_rolled_at),
    }


def key_of(value: str) -> PersonalAPIKey:
    return PersonalAPIKey.objects.get(secure_value=f"sha256${hashlib.sha256(value.encode()).hexdigest()}")


@pytest.fixture
def session(user, organization) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_list_is_a_bare_array_of_own_keys_newest_first(session, user, other_user):
    first, second = key_of(make_key(user)), key_of(make_key(user))
    make_key(other_user)

    response = session.get(KEYS)

    assert response.status_code == 200
    assert response.json() == [key_body(second), key_body(first)]


def test_key_without_stored_scopes_is_shown_with_the_wildcard(session, user):
    key = key_of(make_key(user))
    PersonalAPIKey.objects.filter(pk=key.pk).update(scopes=None)

    response = session.get(f"{KEYS}{key.id}/")

    assert response.json()["scopes"] == ["*"]


def test_create_returns_the_value_once_and_stores_only_its_hash(session, user, organization, team):
    response = session.post(
        KEYS,
        {
            "label": "CI",
            "scopes": ["user:read", "feature_flag:write"],
            "scoped_teams": [team.id],
            "scoped_organizations": [str(organization.id)],
        },
    )

    assert response.status_code == 201
    value = response.json()["value"]
    assert value.startswith("phx_") and len(value) >= 48
    key = PersonalAPIKey.objects.get(pk=response.json()["id"])
    assert response.json() == key_body(key, value=value)
    assert key.secure_value == f"sha256${hashlib.sha256(value.encode()).hexdigest()}"
    assert key.mask_value == f"{value[:4]}...{value[-4:]}"
    assert (key.user_id, key.label, key.scopes) == (user.id, "CI", ["user:read", "feature_flag:write"])
    assert (key.scoped_teams, key.scoped_organizations) == ([team.id], [str(organization.id)])
    assert value not in str(PersonalAPIKey.objects.filter(pk=key.pk).values().get())
    assert session.get(f"{KEYS}{key.id}/").json()["value"] is None
    assert [row["value"] for row in session.get(KEYS).json()] == [None]
    assert key_client(value).get("/api/users/@me/").status_code == 200


def test_create_without_label_or_with_a_blank_one_is_400(session):
    missing = session.post(KEYS, {"scopes": ["*"]})
    blank = session.post(KEYS, {"label": "", "scopes": ["*"]})
    too_long = session.post(KEYS, {"label": "x" * 41, "scopes": ["*"]})

    assert missing.json() == error("validation_error", "required", "This field is required.", "label")
    assert blank.json() == {
        "type": "validation_error",
        "code": "blank",
        "detail": "This field may not be blank.",
        "attr": "label",
    }
    assert too_long.json() == error(
        "validation_error", "max_length", "Ensure this field has no more than 40 characters.", "label"
    )
    assert PersonalAPIKey.objects.count() == 0


def test_create_without_scopes_is_400(session):
    response = session.post(KEYS, {"label": "No scopes"})

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "required",
        "detail": "This field is required.",
        "attr": "scopes",
    }
    assert PersonalAPIKey.objects.count() == 0


@pytest.mark.parametrize(
    "scope",
    ["invalid", "feature_flag:admin", "made_up:read", "internal_run:read", "signal_scout_internal:write", "*:*"],
)
def test_create_refuses_unknown_and_internal_scopes(session, scope):
    response = session.post(KEYS, {"label": "Bad", "scopes": ["insight:read", scope]})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", f"Invalid scope: {scope}", "scopes")
    assert PersonalAPIKey.objects.count() == 0


def test_create_refuses_teams_the_user_is_not_in(session, team, other_organization):
    for team_ids in ([other_organization.teams.get().id], [team.id, 999999]):
        response = session.post(KEYS, {"label": "Scoped", "scopes": ["*"], "scoped_teams": team_ids})

        assert response.status_code == 400
        assert response.json() == error(
            "validation_error",
            "invalid_input",
            "You must be a member of all teams that you are scoping the key to.",
            "scoped_teams",
        )
    assert PersonalAPIKey.objects.count() == 0


def test_create_refuses_organizations_the_user_is_not_in(session, organization, other_organization):
    foreign = session.post(
        KEYS,
        {
            "label": "Scoped",
            "scopes": ["*"],
            "scoped_organizations": [str(organization.id), str(other_organization.id)],
        },
    )
    malformed = session.post(KEYS, {"label": "Scoped", "scopes": ["*"], "scoped_organizations": ["not-a-uuid"]})

    assert foreign.json() == error(
        "validation_error",
        "invalid_input",
        "You must be a member of all organizations that you are scoping the key to.",
        "scoped_organizations",
    )
    assert malformed.json() == error(
        "validation_error", "invalid_input", "Invalid organization UUID", "scoped_organizations"
    )
    assert PersonalAPIKey.objects.count() == 0


def test_create_refuses_an_eleventh_key(session, user):
    for _ in range(10):
        make_key(user)

    response = session.post(KEYS, {"label": "Eleventh", "scopes": ["*"]})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", LIMIT)
    assert PersonalAPIKey.objects.filter(user=user).count() == 10


def test_the_limit_counts_only_the_users_own_keys(session, user, other_user):
    for _ in range(10):
        make_key(other_user)

    response = session.post(KEYS, {"label": "Mine", "scopes": ["*"]})

    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_against_a_concurrent_create():
    user = make_user()
    for _ in range(9):
        make_key(user)
    outcome = {}

    def create_concurrently():
        try:
            personal_api_key_create(user=user, label="racer", scopes=["*"])
            outcome["result"] = "created"
        except ValidationError as refused:
            outcome["result"] = str(refused.detail[0])
        finally:
            connection.close()

    with transaction.atomic():
        personal_api_key_create(user=user, label="tenth", scopes=["*"])
        racer = threading.Thread(target=create_concurrently)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "a concurrent create must wait for the user row"
    racer.join(timeout=10)

    assert outcome == {"result": LIMIT}
    assert PersonalAPIKey.objects.filter(user=user).count() == 10


def test_update_changes_label_and_scopes(session, user, team):
    key = key_of(make_key(user))

    patched = session.patch(f"{KEYS}{key.id}/", {"label": "Renamed", "scopes": ["insight:read"]})
    put = session.put(f"{KEYS}{key.id}/", {"label": "Put", "scopes": ["*"], "scoped_teams": [team.id]})

    assert patched.status_code == 200
    assert put.status_code == 200
    assert put.json() == key_body(key)
    assert (key.label, key.scopes, key.scoped_teams) == ("Put", ["*"], [team.id])


def test_update_validates_like_create(session, user):
    key = key_of(make_key(user))

    bad_scope = session.patch(f"{KEYS}{key.id}/", {"scopes": ["invalid"]})
    put_without_scopes = session.put(f"{KEYS}{key.id}/", {"label": "x"})

    assert bad_scope.json() == error("validation_error", "invalid_input", "Invalid scope: invalid", "scopes")
    assert put_without_scopes.json() == error("validation_error", "required", "This field is required.", "scopes")
    key.refresh_from_db()
    assert key.scopes == ["*"]


def test_delete_removes_the_key_and_it_stops_working(session, user):
    value = make_key(user)
    key = key_of(value)

    response = session.delete(f"{KEYS}{key.id}/")

    assert response.status_code == 204
    assert not PersonalAPIKey.objects.filter(pk=key.pk).exists()
    used = key_client(value).get("/api/users/@me/")
    assert used.status_code == 401
    assert used.json() == error(
        "authentication_error",
        "authentication_failed",
        "Personal API key found in request Authorization header is invalid.",
    )


def test_roll_returns_a_new_value_and_the_old_one_stops_working(session, user):
    old_value = make_key(user)
    key = key_of(old_value)
    old_mask = key.mask_value

    response = session.post(f"{KEYS}{key.id}/roll/")

    assert response.status_code == 200
    new_value = response.json()["value"]
    assert new_value.startswith("phx_") and new_value != old_value
    assert response.json() == key_body(key, value=new_value)
    assert key.last_rolled_at is not None
    assert key.mask_value == f"{new_value[:4]}...{new_value[-4:]}" != old_mask
    assert key_client(old_value).get("/api/users/@me/").status_code == 401
    assert key_client(new_value).get("/api/users/@me/").status_code == 200
    assert session.get(f"{KEYS}{key.id}/").json()["value"] is None


def test_a_key_retrieves_itself_through_current_or_its_id(user):
    value = make_key(user, scopes=["feature_flag:read"])
    key = key_of(value)
    client = key_client(value)

    current = client.get(f"{KEYS}@current/")
    by_id = client.get(f"{KEYS}{key.id}/")

    assert current.status_code == by_id.status_code == 200
    assert current.json() == by_id.json() == key_body(key)


def test_current_without_a_key_is_404(session):
    response = session.get(f"{KEYS}@current/")

    assert response.status_code == 404
    assert response.json() == not_found()


def test_a_key_cannot_do_anything_else(user):
    value = make_key(user)
    own = key_of(value)
    sibling = key_of(make_key(user))
    client = key_client(value)

    responses = [
        client.get(KEYS),
        client.post(KEYS, {"label": "Nope", "scopes": ["*"]}),
        client.get(f"{KEYS}{sibling.id}/"),
        client.patch(f"{KEYS}{own.id}/", {"label": "Nope"}),
        client.put(f"{KEYS}@current/", {"label": "Nope", "scopes": ["*"]}),
        client.delete(f"{KEYS}{own.id}/"),
        client.post(f"{KEYS}{own.id}/roll/"),
    ]

    assert [r.status_code for r in responses] == [403] * 7
    assert all(r.json() == permission_denied(KEY_ONLY) for r in responses)
    assert PersonalAPIKey.objects.filter(user=user).count() == 2
    own.refresh_from_db()
    assert own.label != "Nope" and own.last_rolled_at is None


@pytest.mark.parametrize("method", ["get", "patch", "delete", "roll"])
def test_another_users_key_is_404(session, other_user, method):
    theirs = key_of(make_key(other_user))
    path = f"{KEYS}{theirs.id}/"

    response = {
        "get": lambda: session.get(path),
        "patch": lambda: session.patch(path, {"label": "Mine"}),
        "delete": lambda: session.delete(path),
        "roll": lambda: session.post(f"{path}roll/"),
    }[method]()

    assert response.status_code == 404
    assert response.json() == not_found()
    theirs.refresh_from_db()
    assert (theirs.label != "Mine", theirs.last_rolled_at) == (True, None)


def test_another_users_key_is_404_for_a_key_too(user, other_user):
    theirs = key_of(make_key(other_user))

    response = key_client(make_key(user)).get(f"{KEYS}{theirs.id}/")

    assert response.status_code == 404


def test_anonymous_requests_are_401(anonymous, db):
    response = anonymous.get(KEYS)

    assert response.status_code == 401


def test_keys_of_a_user_without_organizations_work_too(db):
    loner = make_user()
    client = APIClient()
    client.force_login(loner)

    response = client.post(KEYS, {"label": "Solo", "scopes": ["user:read"]})

    assert response.status_code == 201
    assert key_client(response.json()["value"]).get("/api/users/@me/").status_code == 200
    assert User.objects.get(pk=loner.pk).personal_api_keys.count() == 1
