import pytest
from django.test import override_settings

from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, key_client, make_key, make_organization, not_found, permission_denied
from projects.models import Project, Team
from projects.services import project_create

SUFFICIENT = "You don't have sufficient permissions in the project."
TOKENS_UNSUPPORTED = "This action does not support personal API key access"


def url(organization, project_id=None, suffix="") -> str:
    base = f"/api/organizations/{organization.id}/projects/"
    return f"{base}{project_id}/{suffix}" if project_id is not None else base


def test_member_reads_and_changes_member_safe_settings(member_client, organization, team):
    assert member_client.get(url(organization, team.id)).json()["effective_membership_level"] == 1

    response = member_client.patch(
        url(organization, team.id), {"session_recording_opt_in": True, "completed_snippet_onboarding": True}
    )

    assert response.status_code == 200
    assert (response.json()["session_recording_opt_in"], response.json()["user_access_level"]) == (True, "member")


def test_member_cannot_change_admin_settings_and_nothing_is_written(member_client, organization, team):
    response = member_client.patch(
        url(organization, team.id), {"session_recording_opt_in": True, "timezone": "Asia/Tokyo", "name": "X"}
    )

    assert response.status_code == 403
    assert response.json() == permission_denied("Only project admins can modify these settings: name, timezone")
    team.refresh_from_db()
    assert (team.session_recording_opt_in, team.timezone) == (False, "UTC")


def test_admin_changes_admin_settings(admin_client, organization, team):
    response = admin_client.patch(url(organization, team.id), {"timezone": "Asia/Tokyo", "name": "Renamed"})

    assert response.status_code == 200
    assert (response.json()["effective_membership_level"], response.json()["user_access_level"]) == (8, "admin")


def test_member_cannot_delete_a_project(member_client, organization, team):
    response = member_client.delete(url(organization, team.id))

    assert response.status_code == 403
    assert response.json() == permission_denied(SUFFICIENT)
    assert Project.objects.filter(pk=team.pk).exists()


def test_admin_deletes_a_project(admin_client, organization, team):
    assert admin_client.delete(url(organization, team.id)).status_code == 204


def test_member_cannot_create_a_project(member_client, organization):
    response = member_client.post(url(organization), {"name": "Mine"})

    assert response.status_code == 403
    assert response.json() == permission_denied("You need to be an organization admin or above to create new projects.")


def test_member_creates_a_demo_project_but_sets_no_admin_settings(member_client, organization):
    response = member_client.post(url(organization), {"name": "Demo", "is_demo": True, "timezone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert response.json() == permission_denied(
        "Only organization admins can set these settings on project creation: timezone"
    )

    response = member_client.post(url(organization), {"name": "Demo", "is_demo": True})
    assert response.status_code == 201
    assert (response.json()["is_demo"], response.json()["effective_membership_level"]) == (True, 1)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "reset_token/", {}),
        ("patch", "rotate_secret_token/", {}),
        ("patch", "delete_secret_token_backup/", {}),
        ("post", "generate_conversations_public_token/", {}),
        ("patch", "experiments_config/", {"default_cuped_enabled": True}),
        ("put", "default_release_conditions/", {"enabled": True}),
        ("post", "default_evaluation_contexts/", {"context_name": "web"}),
    ],
)
def test_member_cannot_call_admin_actions(user, member, organization, team, method, suffix, body):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(member)

    response = getattr(client, method)(url(organization, team.id, suffix), body, format="json")

    assert response.status_code == 403
    assert response.json() == permission_denied(SUFFICIENT)


def test_outsider_gets_no_project_of_another_organization(client, organization, other_organization):
    other_team = other_organization.teams.get()

    assert client.patch(url(other_organization, other_team.id), {"name": "x"}).status_code == 403
    assert client.delete(url(organization, other_team.id)).json() == not_found()
    assert client.get(f"/api/projects/{other_team.id}/").json() == permission_denied(
        "You don't have access to the project."
    )
    assert Project.objects.get(pk=other_team.pk).name == "Default project"


def test_an_environment_id_is_not_a_project_id(client, organization, team):
    environment = Team.objects.create(organization=organization, project=team.project, name="Staging")

    response = client.get(url(organization, environment.id))

    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


def test_read_key_reads_and_patches_member_safe_settings_only(user, organization, team):
    client = key_client(make_key(user, scopes=["project:read"]))

    assert client.get(url(organization)).status_code == 200
    assert client.patch(url(organization, team.id), {"surveys_opt_in": True}).status_code == 200
    for body in ({"timezone": "Europe/Lisbon"}, {"name": "X"}):
        response = client.patch(url(organization, team.id), body)
        assert response.status_code == 403
        assert response.json() == permission_denied("API key missing required scope 'project:write'")
    assert client.post(url(organization), {}).json() == permission_denied(
        "API key missing required scope 'project:write'"
    )
    assert client.delete(url(organization, team.id)).status_code == 403


def test_key_without_project_scope_is_refused(user, organization, team):
    client = key_client(make_key(user, scopes=["organization:read"]))

    response = client.get(url(organization, team.id))

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'project:read'")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "activity/"),
        ("post", "change_organization/"),
        ("get", "default_evaluation_contexts/"),
        ("get", "default_release_conditions/"),
        ("get", "experiments_config/"),
        ("post", "generate_conversations_public_token/"),
        ("get", "is_generating_demo_data/"),
    ],
)
def test_actions_without_a_declared_scope_refuse_personal_api_keys(client, organization, team, method, suffix):
    response = getattr(client, method)(url(organization, team.id, suffix))

    assert response.status_code == 403
    assert response.json() == permission_denied(TOKENS_UNSUPPORTED)


def test_token_actions_accept_keys_with_project_write(user, organization, team):
    read_client = key_client(make_key(user, scopes=["project:read"]))
    write_client = key_client(make_key(user, scopes=["project:write"]))

    response = read_client.patch(url(organization, team.id, "reset_token/"))
    assert response.json() == permission_denied("API key missing required scope 'project:write'")
    assert write_client.patch(url(organization, team.id, "reset_token/")).status_code == 200
    assert write_client.patch(url(organization, team.id, "rotate_secret_token/")).status_code == 200


def test_team_scoped_key_reaches_its_project_but_not_lists(user, organization, team):
    second, _ = project_create(organization=organization, name="Second")
    client = key_client(make_key(user, scoped_teams=[team.id]))

    assert client.get(url(organization, team.id)).status_code == 200
    assert client.get(f"/api/projects/{team.id}/").status_code == 200
    assert client.get(url(organization)).json() == permission_denied(
        "API keys with scoped projects are only supported on project-based endpoints."
    )
    assert client.get(url(organization, second.id)).json() == permission_denied(
        f"API key does not have access to the requested project: ID {second.id}."
    )


def test_organization_scoped_key_sees_only_its_organizations(user, organization, team, other_user):
    elsewhere = make_organization(other_user, name="Elsewhere")
    add_member(elsewhere, user)
    client = key_client(make_key(user, scoped_organizations=[str(organization.id)]))

    assert [row["id"] for row in client.get("/api/projects/").json()["results"]] == [team.id]
    assert client.get(url(elsewhere)).json() == permission_denied(
        f"API key does not have access to the requested organization: ID {elsewhere.id}."
    )


@override_settings(MAX_PROJECTS_PER_ORGANIZATION=2)
def test_projects_per_organization_are_capped_and_put_counts_as_a_create(client, organization, team):
    assert client.post(url(organization), {"name": "Second"}).status_code == 201

    response = client.post(url(organization), {"name": "Third"})
    assert response.status_code == 403
    assert response.json() == permission_denied(
        "You have reached the maximum limit of 2 projects per organization. "
        "Contact support if you'd like access to more projects."
    )
    assert client.put(url(organization, team.id), {"name": "Renamed"}).status_code == 403
    assert client.patch(url(organization, team.id), {"name": "Renamed"}).status_code == 200


def test_an_organization_has_one_demo_project(client, organization):
    assert client.post(url(organization), {"is_demo": True}).status_code == 201

    response = client.post(url(organization), {"is_demo": True})

    assert response.status_code == 403
    assert response.json() == permission_denied(
        "You have reached the maximum limit of allowed projects for your current plan. "
        "Upgrade your plan to be able to create and manage more projects."
    )


def test_anonymous_requests_are_refused(anonymous, organization, team):
    assert anonymous.get(url(organization)).status_code == 401
    assert anonymous.get(url(organization, team.id)).status_code == 401
    assert anonymous.get("/api/projects/@current/").status_code == 401


def test_organization_admin_of_another_organization_is_not_admin_here(organization, team, other_user):
    add_member(organization, other_user, level=OrganizationMembership.Level.MEMBER)
    client = key_client(make_key(other_user))

    response = client.delete(url(organization, team.id))

    assert response.status_code == 403
