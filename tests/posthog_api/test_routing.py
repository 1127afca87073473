import uuid

import pytest
from rest_framework.test import APIClient

from posthog_api import urls as project_urls
from posthog_api.testing import add_member, key_client, make_key, make_user, not_found, permission_denied
from projects.services import project_create
from tests.posthog_api.urls_for_tests import test_routers

pytestmark = pytest.mark.urls("tests.posthog_api.urls_for_tests")

NO_PROJECT_ACCESS = "You don't have access to the project."


def router_patterns() -> list[str]:
    return [url.pattern.regex.pattern for url in [*project_urls.routers.urls, *test_routers.urls]]


@pytest.mark.parametrize("pattern", router_patterns())
def test_every_route_takes_an_optional_trailing_slash(pattern):
    assert pattern.endswith("/?$")


ROUTES = [
    "/api/users/@me/",
    "/api/organizations/",
    "/api/organizations/{org}/",
    "/api/organizations/@current/",
    "/api/organizations/{org}/members/",
    "/api/organizations/{org}/test_things/",
    "/api/organizations/{org}/test_things/{team}/",
    "/api/projects/{project}/test_things/",
    "/api/projects/{project}/test_things/{team}/",
    "/api/environments/{team}/test_things/",
    "/api/environments/{team}/test_things/{team}/",
    "/api/personal_api_keys/",
]


@pytest.mark.parametrize("route", ROUTES)
def test_routes_answer_the_same_with_and_without_trailing_slash(anonymous, user, organization, team, route):
    anonymous.force_login(user)
    url = route.format(org=organization.id, team=team.id, project=team.project_id)
    with_slash, without_slash = anonymous.get(url), anonymous.get(url.rstrip("/"))
    assert with_slash.status_code == 200
    assert without_slash.status_code == 200
    assert without_slash.json() == with_slash.json()


def test_detail_write_works_without_trailing_slash(client, team):
    response = client.patch(
        f"/api/projects/{team.project_id}/test_things/{team.id}", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    team.refresh_from_db()
    assert team.name == "Renamed"


# --- @current ---


def tenant_body(team, level: int = 15) -> dict:
    return {
        "organization": str(team.organization_id),
        "project": team.project_id,
        "team": team.id,
        "membership_level": level,
    }


@pytest.mark.parametrize("parent", ["projects", "environments"])
def test_current_project_and_environment_are_the_users_current_team(client, team, parent):
    response = client.get(f"/api/{parent}/@current/test_things/tenant/")
    assert response.status_code == 200
    assert response.json() == tenant_body(team)


def test_current_organization_is_the_users_current_organization(client, organization):
    response = client.get("/api/organizations/@current/test_things/tenant/")
    assert response.status_code == 200
    assert response.json() == {"organization": str(organization.id), "team": None, "membership_level": 15}


def test_current_follows_the_user_not_the_url_of_other_requests(user, organization, team, other_organization):
    add_member(other_organization, user)
    other_team = other_organization.teams.get()
    user.current_organization, user.current_team = other_organization, other_team
    user.save(update_fields=["current_organization", "current_team"])
    client = key_client(make_key(user))
    assert client.get("/api/projects/@current/test_things/tenant/").json() == tenant_body(other_team, level=1)
    assert client.get(f"/api/projects/{team.project_id}/test_things/tenant/").json() == tenant_body(team)


def test_current_falls_back_to_the_first_membership_and_saves_it(user, organization, team):
    user.current_organization, user.current_team = None, None
    user.save(update_fields=["current_organization", "current_team"])
    client = key_client(make_key(user))
    assert client.get("/api/organizations/@current/test_things/tenant/").json()["organization"] == str(organization.id)
    assert client.get("/api/projects/@current/test_things/tenant/").json() == tenant_body(team)
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (organization.id, team.id)


def test_current_without_any_organization_is_404(db):
    client = key_client(make_key(make_user()))
    response = client.get("/api/organizations/@current/test_things/")
    assert response.status_code == 404
    assert response.json() == not_found("Organization not found.")
    for parent in ("projects", "environments"):
        response = client.get(f"/api/{parent}/@current/test_things/")
        assert response.status_code == 404
        assert response.json() == not_found("Project not found.")


# --- Unknown or malformed parents ---


@pytest.mark.parametrize("value", ["not-a-uuid", "123", str(uuid.uuid4())])
def test_unknown_or_malformed_organization_is_404(client, value):
    response = client.get(f"/api/organizations/{value}/test_things/")
    assert response.status_code == 404
    assert response.json() == not_found("Organization not found.")


@pytest.mark.parametrize("parent", ["projects", "environments"])
@pytest.mark.parametrize("value", ["abc", "1e3", "999999999"])
def test_unknown_or_non_integer_project_is_404(client, parent, value):
    response = client.get(f"/api/{parent}/{value}/test_things/")
    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


def test_an_environment_id_is_not_a_project_id(client, organization, team):
    environment = team.project.teams.create(organization=organization, name="Staging")
    response = client.get(f"/api/projects/{environment.id}/test_things/")
    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")
    response = client.get(f"/api/environments/{environment.id}/test_things/")
    assert response.status_code == 200
    assert [thing["id"] for thing in response.json()["results"]] == [environment.id]


# --- Membership ---


@pytest.mark.parametrize("parent", ["projects", "environments"])
def test_member_of_another_organization_cannot_reach_a_project(client, other_organization, parent):
    other_team = other_organization.teams.get()
    for url in (
        f"/api/{parent}/{other_team.id}/test_things/",
        f"/api/{parent}/{other_team.id}/test_things/{other_team.id}/",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == permission_denied(NO_PROJECT_ACCESS)


def test_member_of_another_organization_cannot_reach_its_organization_routes(client, other_organization):
    for url in (
        f"/api/organizations/{other_organization.id}/test_things/",
        f"/api/organizations/{other_organization.id}/members/",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == permission_denied()


def test_membership_is_required_for_sessions_too(other_user, team, organization):
    session = APIClient()
    session.force_login(other_user)
    response = session.get(f"/api/projects/{team.project_id}/test_things/")
    assert response.status_code == 403
    assert response.json() == permission_denied(NO_PROJECT_ACCESS)
    response = session.get(f"/api/organizations/{organization.id}/test_things/")
    assert response.status_code == 403
    assert response.json() == permission_denied()


def test_membership_level_comes_from_the_organization_in_the_url(user, other_organization):
    add_member(other_organization, user)
    response = key_client(make_key(user)).get(f"/api/organizations/{other_organization.id}/test_things/tenant/")
    assert response.status_code == 200
    assert response.json() == {"organization": str(other_organization.id), "team": None, "membership_level": 1}


# --- Objects of another tenant ---


@pytest.fixture
def foreign_team(user, organization, other_organization):
    """A team the caller can see elsewhere: another project of their organization, and another organization's."""
    add_member(other_organization, user)
    _, second_team = project_create(organization=organization, name="Second")
    return second_team


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_object_of_another_project_is_404_from_this_project(client, team, foreign_team, method):
    response = getattr(client, method)(
        f"/api/projects/{team.project_id}/test_things/{foreign_team.id}/", {"name": "Hijacked"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == not_found()
    foreign_team.refresh_from_db()
    assert foreign_team.name == "Second"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_object_of_another_organization_is_404_from_this_organization(
    client, user, organization, other_organization, method
):
    add_member(other_organization, user)
    other_team = other_organization.teams.get()
    response = getattr(client, method)(
        f"/api/organizations/{organization.id}/test_things/{other_team.id}/", {"name": "Hijacked"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == not_found()
    other_team.refresh_from_db()
    assert other_team.name == "Default project"


def test_object_of_another_environment_is_404_from_this_environment(client, team, foreign_team):
    response = client.get(f"/api/environments/{team.id}/test_things/{foreign_team.id}/")
    assert response.status_code == 404
    assert response.json() == not_found()


def test_malformed_object_id_is_404(client, team):
    response = client.get(f"/api/projects/{team.project_id}/test_things/not-a-number/")
    assert response.status_code == 404
    assert response.json() == not_found()
