import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api_keys.models import ProjectSecretAPIKey
from api_keys.services import api_key_roll, project_secret_api_key_create
from posthog_api.testing import error, key_client, make_organization, make_user, not_found, permission_denied
from tests.posthog_api.routes import registered_routes, tenant_values

PSAK_URLS = "tests.api_keys.psak_urls"
NOT_SUPPORTED = permission_denied("This action does not support project secret API key access")
INVALID_KEY = error(
    "authentication_error",
    "authentication_failed",
    "Personal API key found in request Authorization header is invalid.",
)


def friendly_url(project_id) -> str:
    return f"/api/projects/{project_id}/secret_key_friendly/"


def make_secret_key(team, scopes=("feature_flag:read",)) -> tuple[ProjectSecretAPIKey, str]:
    return project_secret_api_key_create(team=team, label="Server", scopes=list(scopes), created_by=None)


@pytest.fixture
def secret(team):
    return make_secret_key(team)


@pytest.fixture
def secret_client(secret):
    return key_client(secret[1])


def environments_body(team) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [{"id": team.id, "name": team.name}]}


# --- On a view that allows project secret API keys ---


@pytest.mark.urls(PSAK_URLS)
def test_a_secret_key_reads_its_own_project_on_an_allowing_action(secret_client, team):
    response = secret_client.get(friendly_url(team.project_id))

    assert response.status_code == 200
    assert response.json() == environments_body(team)


@pytest.mark.urls(PSAK_URLS)
def test_current_names_the_keys_own_project(secret_client, team):
    response = secret_client.get(friendly_url("@current"))

    assert response.status_code == 200
    assert response.json() == environments_body(team)


@pytest.mark.urls(PSAK_URLS)
def test_a_secret_key_is_refused_on_another_project(secret_client, user, other_organization):
    for other_team in (other_organization.teams.get(), make_organization(user, name="Same owner").teams.get()):
        response = secret_client.get(friendly_url(other_team.project_id))

        assert response.status_code == 403
        assert response.json() == permission_denied(
            f"API key does not have access to the requested project: ID {other_team.id}."
        )


@pytest.mark.urls(PSAK_URLS)
def test_an_unknown_project_is_not_found(secret_client):
    response = secret_client.get(friendly_url(999999))

    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


@pytest.mark.urls(PSAK_URLS)
def test_actions_the_view_does_not_list_are_refused(secret_client, team):
    response = secret_client.get(f"{friendly_url(team.project_id)}{team.id}/")

    assert response.status_code == 403
    assert response.json() == NOT_SUPPORTED


@pytest.mark.urls(PSAK_URLS)
def test_a_secret_key_without_the_views_scope_is_refused(team):
    _, value = make_secret_key(team, scopes=["endpoint:read", "experiment:read"])

    response = key_client(value).get(friendly_url(team.project_id))

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'feature_flag:read'")


@pytest.mark.urls(PSAK_URLS)
def test_personal_keys_and_sessions_still_work_on_the_allowing_view(client, user, team):
    assert client.get(friendly_url(team.project_id)).json() == environments_body(team)
    assert client.get(f"{friendly_url(team.project_id)}{team.id}/").status_code == 200


@pytest.mark.urls(PSAK_URLS)
def test_last_used_at_is_written_at_most_hourly(secret, secret_client, team, django_assert_num_queries):
    key, _ = secret
    assert key.last_used_at is None

    assert secret_client.get(friendly_url(team.project_id)).status_code == 200
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None and timezone.now() - first_use < timedelta(seconds=10)

    with django_assert_num_queries(4):  # key, environment, count, rows: no write
        assert secret_client.get(friendly_url(team.project_id)).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at == first_use

    ProjectSecretAPIKey.objects.filter(pk=key.pk).update(last_used_at=first_use - timedelta(minutes=61))
    assert secret_client.get(friendly_url(team.project_id)).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at > first_use


@pytest.mark.urls(PSAK_URLS)
def test_an_unknown_secret_key_falls_through_to_personal_key_authentication(team):
    response = key_client("phs_NotARealKeyAtAll123").get(friendly_url(team.project_id))

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.urls(PSAK_URLS)
def test_a_rolled_or_deleted_secret_key_stops_working(secret, team):
    key, old_value = secret
    _, new_value = api_key_roll(key=key)

    assert key_client(old_value).get(friendly_url(team.project_id)).json() == INVALID_KEY
    assert key_client(new_value).get(friendly_url(team.project_id)).status_code == 200

    key.delete()
    response = key_client(new_value).get(friendly_url(team.project_id))
    assert response.status_code == 401
    assert response.json() == INVALID_KEY


# --- On every real view ---


def test_a_secret_key_is_refused_by_every_registered_route(secret_client, team):
    routes = registered_routes()
    assert {"organization_roles-list", "project_project_secret_api_keys-roll", "users-detail"} <= {
        route.name for route in routes
    }
    answers = {}
    for route in routes:
        path = route.path(**tenant_values(team))
        for method, action in route.actions.items():
            response = secret_client.generic(method.upper(), path, json.dumps({}), content_type="application/json")
            answers[f"{method.upper()} {path} ({action})"] = (response.status_code, response.json())

    refused = (403, NOT_SUPPORTED)
    assert {request: answer for request, answer in answers.items() if answer != refused} == {}
    assert len(answers) >= 30


def test_a_secret_key_cannot_manage_secret_keys_even_of_its_own_project(secret, secret_client, team):
    key, _ = secret

    for response in (
        secret_client.get(f"/api/projects/{team.id}/project_secret_api_keys/"),
        secret_client.post(f"/api/environments/{team.id}/project_secret_api_keys/{key.id}/roll/"),
        secret_client.delete(f"/api/environments/{team.id}/project_secret_api_keys/{key.id}/"),
    ):
        assert response.status_code == 403
        assert response.json() == NOT_SUPPORTED
    assert ProjectSecretAPIKey.objects.get().secure_value == key.secure_value


def test_a_secret_key_is_not_a_personal_key_anywhere_else(secret, team):
    _, value = secret
    user = make_user()
    make_organization(user)

    response = key_client(value).get("/api/users/@me/")

    assert response.status_code == 403
    assert response.json() == NOT_SUPPORTED
