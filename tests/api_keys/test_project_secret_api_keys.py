import hashlib
import threading

import pytest
from django.db import connection

from api_keys.models import ProjectSecretAPIKey
from api_keys.services import project_secret_api_key_create
from organizations.models import OrganizationMembership
from posthog_api.testing import (
    add_member,
    error,
    key_client,
    make_key,
    make_organization,
    make_user,
    not_found,
    permission_denied,
)
from projects.services import environment_create
from tests.organizations.bodies import iso, user_basic_body

INSUFFICIENT = "You don't have sufficient permissions in the project."
ALLOWED = "endpoint:read, feature_flag:read, account:read, loop:write, experiment:read"
LIMIT = error(
    "validation_error",
    "invalid_input",
    "A team can have at most 10 secret API keys. Remove an existing key before creating a new one.",
)


def keys_url(team, key=None, root: str = "projects") -> str:
    base = f"/api/{root}/{team.id}/project_secret_api_keys/"
    return f"{base}{key.id}/" if key is not None else base


def duplicate_label(label: str) -> dict:
    return error(
        "validation_error",
        "invalid_input",
        f"A secret API key with the label '{label}' already exists for this project.",
    )


def key_body(key: ProjectSecretAPIKey, value: str | None = None) -> dict:
    key.refresh_from_db()
    return {
        "id": key.id,
        "label": key.label,
        "value": value,
        "mask_value": key.mask_value,
        "created_at": iso(key.created_at),
        "created_by": user_basic_body(key.created_by) if key.created_by else None,
        "last_used_at": iso(key.last_used_at),
        "last_rolled_at": iso(key.last_rolled_at),
        "scopes": key.scopes,
    }


def make_secret_key(team, label: str = "Server", scopes=("feature_flag:read",), created_by=None):
    key, value = project_secret_api_key_create(team=team, label=label, scopes=list(scopes), created_by=created_by)
    return key


def client_of(organization, level):
    person = make_user()
    add_member(organization, person, level=level)
    return key_client(make_key(person))


def stored_secret(value: str) -> str:
    return f"sha256${hashlib.sha256(value.encode()).hexdigest()}"


# --- Every operation ---


def test_create_returns_the_raw_value_once_and_stores_only_its_hash(client, user, team):
    response = client.post(keys_url(team), {"label": "Server", "scopes": ["feature_flag:read", "endpoint:read"]})

    assert response.status_code == 201
    key = ProjectSecretAPIKey.objects.get()
    value = response.json()["value"]
    assert value.startswith("phs_") and len(value) >= 40
    assert response.json() == key_body(key, value=value)
    assert response.json()["created_by"] == user_basic_body(user)
    assert (key.team_id, key.label, key.scopes) == (team.id, "Server", ["feature_flag:read", "endpoint:read"])
    assert key.secure_value == stored_secret(value)
    assert key.mask_value == f"{value[:4]}...{value[-4:]}"
    stored = ProjectSecretAPIKey.objects.filter(pk=key.pk).values().get()
    assert not any(value in str(field) for field in stored.values())

    assert client.get(keys_url(team, key)).json()["value"] is None
    assert client.get(keys_url(team)).json()["results"][0]["value"] is None


def test_list_returns_the_projects_keys_newest_first_paginated(client, user, team, other_organization):
    older, newer = make_secret_key(team, "Older", created_by=user), make_secret_key(team, "Newer")
    make_secret_key(other_organization.teams.get(), "Theirs")

    response = client.get(keys_url(team))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [key_body(newer), key_body(older)],
    }
    paged = client.get(keys_url(team), {"limit": 1, "offset": 1}).json()
    assert paged == {
        "count": 2,
        "next": None,
        "previous": f"http://testserver{keys_url(team)}?limit=1",
        "results": [key_body(older)],
    }


def test_retrieve_returns_the_key_without_its_value(client, user, team):
    key = make_secret_key(team, created_by=user)

    response = client.get(keys_url(team, key))

    assert response.status_code == 200
    assert response.json() == key_body(key)


def test_put_replaces_label_and_scopes(client, team):
    key = make_secret_key(team)
    secure_value = key.secure_value

    response = client.put(keys_url(team, key), {"label": "Renamed", "scopes": ["experiment:read", "loop:write"]})

    assert response.status_code == 200
    key.refresh_from_db()
    assert (key.label, key.scopes, key.secure_value) == ("Renamed", ["experiment:read", "loop:write"], secure_value)
    assert response.json() == key_body(key)


def test_patch_changes_only_what_is_sent_and_ignores_read_only_fields(client, team):
    key = make_secret_key(team)

    response = client.patch(keys_url(team, key), {"label": "Renamed", "value": "phs_mine", "mask_value": "x"})

    assert response.status_code == 200
    key.refresh_from_db()
    assert (key.label, key.scopes, key.mask_value) == ("Renamed", ["feature_flag:read"], key.mask_value)
    assert response.json() == key_body(key)
    assert response.json()["value"] is None


def test_delete_removes_the_key(client, team):
    key = make_secret_key(team)

    response = client.delete(keys_url(team, key))

    assert response.status_code == 204
    assert not ProjectSecretAPIKey.objects.exists()
    assert client.get(keys_url(team, key)).json() == not_found()


def test_roll_returns_a_new_value_once_and_the_old_one_stops_working(client, team):
    key = make_secret_key(team)
    old_secure, old_mask = key.secure_value, key.mask_value

    response = client.post(f"{keys_url(team, key)}roll/")

    assert response.status_code == 200
    key.refresh_from_db()
    value = response.json()["value"]
    assert value.startswith("phs_")
    assert key.secure_value == stored_secret(value) != old_secure
    assert key.mask_value == f"{value[:4]}...{value[-4:]}" != old_mask
    assert key.last_rolled_at is not None
    assert response.json() == key_body(key, value=value)
    assert client.get(keys_url(team, key)).json()["value"] is None


def test_both_url_roots_name_the_same_environment(client, user, organization, team):
    key = make_secret_key(team)
    second = environment_create(project=team.project, user=user, name="Staging")
    staging_key = make_secret_key(second, "Staging key")

    assert client.get(keys_url(team, root="environments")).json()["results"] == [key_body(key)]
    assert client.get(keys_url(team, root="projects")).json()["results"] == [key_body(key)]
    assert client.get(keys_url(second, root="environments")).json()["results"] == [key_body(staging_key)]
    assert client.get(keys_url(second, root="projects")).json()["results"] == [key_body(staging_key)]

    response = client.post(keys_url(second, root="environments"), {"label": "Made", "scopes": ["endpoint:read"]})
    assert response.status_code == 201
    assert ProjectSecretAPIKey.objects.get(label="Made").team_id == second.id
    assert client.patch(keys_url(second, staging_key, root="environments"), {"label": "X"}).status_code == 200
    assert client.post(f"{keys_url(second, staging_key, root='environments')}roll/").status_code == 200
    assert client.delete(keys_url(second, staging_key, root="environments")).status_code == 204
    assert client.get(keys_url(team, staging_key, root="environments")).status_code == 404


def test_trailing_slash_is_optional(client, team):
    key = make_secret_key(team)

    assert client.get(keys_url(team).rstrip("/")).status_code == 200
    assert client.get(keys_url(team, key).rstrip("/")).status_code == 200


# --- Validation ---


def test_at_most_ten_keys_per_project(client, team, other_organization):
    for i in range(10):
        make_secret_key(team, f"Key {i}")
    other_team = other_organization.teams.get()
    make_secret_key(other_team, "Theirs")

    response = client.post(keys_url(team), {"label": "Eleventh", "scopes": ["endpoint:read"]})

    assert response.status_code == 400
    assert response.json() == LIMIT
    assert ProjectSecretAPIKey.objects.filter(team=team).count() == 10
    ProjectSecretAPIKey.objects.filter(team=team).first().delete()
    assert client.post(keys_url(team), {"label": "Eleventh", "scopes": ["endpoint:read"]}).status_code == 201


def test_labels_are_unique_per_project(client, user, team):
    make_secret_key(team, "Server")
    other = make_organization(user, name="Second").teams.get()

    response = client.post(keys_url(team), {"label": "Server", "scopes": ["endpoint:read"]})

    assert response.status_code == 400
    assert response.json() == duplicate_label("Server")
    assert ProjectSecretAPIKey.objects.filter(team=team).count() == 1
    assert client.post(keys_url(other), {"label": "Server", "scopes": ["endpoint:read"]}).status_code == 201


def test_renaming_onto_another_keys_label_is_refused_but_keeping_its_own_is_not(client, team):
    make_secret_key(team, "Server")
    key = make_secret_key(team, "Worker")

    response = client.patch(keys_url(team, key), {"label": "Server"})

    assert response.status_code == 400
    assert response.json() == duplicate_label("Server")
    key.refresh_from_db()
    assert key.label == "Worker"
    response = client.put(keys_url(team, key), {"label": "Worker", "scopes": ["endpoint:read"]})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"scopes": ["endpoint:read"]}, error("validation_error", "required", "This field is required.", "label")),
        (
            {"label": "", "scopes": ["endpoint:read"]},
            error("validation_error", "blank", "This field may not be blank.", "label"),
        ),
        (
            {"label": "x" * 41, "scopes": ["endpoint:read"]},
            error("validation_error", "max_length", "Ensure this field has no more than 40 characters.", "label"),
        ),
        ({"label": "Server"}, error("validation_error", "required", "This field is required.", "scopes")),
        (
            {"label": "Server", "scopes": []},
            error("validation_error", "empty", "This list may not be empty.", "scopes"),
        ),
        (
            {"label": "Server", "scopes": ["*"]},
            error(
                "validation_error",
                "invalid_input",
                "Wildcard scope '*' is not allowed for project API keys. Please specify explicit scopes.",
                "scopes",
            ),
        ),
        (
            {"label": "Server", "scopes": ["endpoint:read", "insight:read"]},
            error(
                "validation_error",
                "invalid_input",
                f"Scope 'insight:read' is not available for project secret API keys. Allowed scopes: {ALLOWED}",
                "scopes",
            ),
        ),
        (
            {"label": "Server", "scopes": ["feature_flag:write"]},
            error(
                "validation_error",
                "invalid_input",
                f"Scope 'feature_flag:write' is not available for project secret API keys. Allowed scopes: {ALLOWED}",
                "scopes",
            ),
        ),
        (
            {"label": "Server", "scopes": ["feature_flag"]},
            error("validation_error", "invalid_input", "Invalid scope: feature_flag", "scopes"),
        ),
        (
            {"label": "Server", "scopes": ["feature_flag:delete"]},
            error("validation_error", "invalid_input", "Invalid scope: feature_flag:delete", "scopes"),
        ),
    ],
)
def test_create_validates_label_and_scopes(client, team, body, expected):
    response = client.post(keys_url(team), body)

    assert response.status_code == 400
    assert response.json() == expected
    assert not ProjectSecretAPIKey.objects.exists()


def test_a_forty_character_label_is_accepted(client, team):
    response = client.post(keys_url(team), {"label": "x" * 40, "scopes": ["endpoint:read"]})

    assert response.status_code == 201


def test_updates_validate_scopes_too(client, team):
    key = make_secret_key(team)

    response = client.patch(keys_url(team, key), {"scopes": ["*"]})

    assert response.status_code == 400
    assert response.json()["attr"] == "scopes"
    key.refresh_from_db()
    assert key.scopes == ["feature_flag:read"]


# --- Who may read and write ---


def test_a_member_reads_keys_but_cannot_write_them(organization, team):
    key = make_secret_key(team)
    member_client = client_of(organization, OrganizationMembership.Level.MEMBER)

    assert member_client.get(keys_url(team)).json()["results"] == [key_body(key)]
    assert member_client.get(keys_url(team, key)).json() == key_body(key)
    for response in (
        member_client.post(keys_url(team), {"label": "Mine", "scopes": ["endpoint:read"]}),
        member_client.put(keys_url(team, key), {"label": "Mine", "scopes": ["endpoint:read"]}),
        member_client.patch(keys_url(team, key), {"label": "Mine"}),
        member_client.delete(keys_url(team, key)),
        member_client.post(f"{keys_url(team, key)}roll/"),
    ):
        assert response.status_code == 403
        assert response.json() == permission_denied(INSUFFICIENT)
    assert ProjectSecretAPIKey.objects.get().label == "Server"
    assert ProjectSecretAPIKey.objects.get().secure_value == key.secure_value


def test_an_admin_writes_keys(organization, team):
    admin_client = client_of(organization, OrganizationMembership.Level.ADMIN)

    response = admin_client.post(keys_url(team), {"label": "Admin's", "scopes": ["endpoint:read"]})

    assert response.status_code == 201
    key = ProjectSecretAPIKey.objects.get()
    assert admin_client.post(f"{keys_url(team, key)}roll/").status_code == 200
    assert admin_client.delete(keys_url(team, key)).status_code == 204


def test_a_non_member_is_refused_and_sees_no_keys(team, other_user):
    key = make_secret_key(team)
    stranger_client = key_client(make_key(other_user))
    for response in (
        stranger_client.get(keys_url(team)),
        stranger_client.get(keys_url(team, key)),
        stranger_client.post(keys_url(team), {"label": "Mine", "scopes": ["endpoint:read"]}),
        stranger_client.delete(keys_url(team, key)),
        stranger_client.post(f"{keys_url(team, key)}roll/"),
    ):
        assert response.status_code == 403
        assert response.json() == permission_denied("You don't have access to the project.")
    assert ProjectSecretAPIKey.objects.filter(pk=key.pk).exists()


def test_a_key_of_another_project_is_not_found_through_this_one(client, user, team):
    other_team = make_organization(user, name="Second").teams.get()
    foreign = make_secret_key(other_team, "Theirs")

    for response in (
        client.get(keys_url(team, foreign)),
        client.patch(keys_url(team, foreign), {"label": "Mine"}),
        client.delete(keys_url(team, foreign)),
        client.post(f"{keys_url(team, foreign)}roll/"),
    ):
        assert response.status_code == 404
        assert response.json() == not_found()
    assert ProjectSecretAPIKey.objects.get(pk=foreign.pk).secure_value == foreign.secure_value


def test_an_unknown_project_is_not_found(client):
    response = client.get("/api/projects/999999/project_secret_api_keys/")

    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


def test_personal_key_scopes_apply(user, team):
    key = make_secret_key(team)
    read_client = key_client(make_key(user, scopes=["project:read"]))
    missing_write = permission_denied("API key missing required scope 'project:write'")

    assert read_client.get(keys_url(team)).status_code == 200
    assert read_client.get(keys_url(team, key)).status_code == 200
    for response in (
        read_client.post(keys_url(team), {"label": "Mine", "scopes": ["endpoint:read"]}),
        read_client.patch(keys_url(team, key), {"label": "Mine"}),
        read_client.delete(keys_url(team, key)),
        read_client.post(f"{keys_url(team, key)}roll/"),
    ):
        assert response.status_code == 403
        assert response.json() == missing_write
    response = key_client(make_key(user, scopes=["feature_flag:read"])).get(keys_url(team))
    assert response.json() == permission_denied("API key missing required scope 'project:read'")
    write_client = key_client(make_key(user, scopes=["project:write"]))
    assert write_client.post(f"{keys_url(team, key)}roll/").status_code == 200


def test_listing_keys_takes_a_fixed_number_of_queries(client, user, team, django_assert_num_queries):
    make_secret_key(team, "First", created_by=user)
    client.get(keys_url(team))

    with django_assert_num_queries(4):  # the environment comes with the caller's membership
        assert client.get(keys_url(team)).json()["count"] == 1
    for i in range(5):
        make_secret_key(team, f"More {i}", created_by=make_user())
    with django_assert_num_queries(4):
        assert client.get(keys_url(team)).json()["count"] == 6


# --- Concurrency: real parallel requests, each in its own connection ---


def _post_concurrently(value: str, url: str, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def post(body: dict) -> None:
        try:
            barrier.wait()
            statuses.append(key_client(value).post(url, body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_respect_the_limit_and_label_uniqueness_with_400s():
    owner = make_user()
    team = make_organization(owner).teams.get()
    value = make_key(owner)
    for i in range(8):
        make_secret_key(team, f"Key {i}")

    same_label = [{"label": "Same", "scopes": ["endpoint:read"]}] * 3
    assert _post_concurrently(value, keys_url(team), same_label) == [201, 400, 400]
    assert ProjectSecretAPIKey.objects.filter(team=team, label="Same").count() == 1

    over_limit = [{"label": f"Racer {i}", "scopes": ["endpoint:read"]} for i in range(4)]
    assert _post_concurrently(value, keys_url(team), over_limit) == [201, 400, 400, 400]
    assert ProjectSecretAPIKey.objects.filter(team=team).count() == 10
