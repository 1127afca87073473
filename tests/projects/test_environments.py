from django.test import override_settings

from activity.models import ActivityLog
from posthog_api.testing import error, key_client, make_key, not_found, permission_denied
from projects.models import ProductIntent, Team
from projects.services import environment_create
from tests.organizations.bodies import team_basic_body
from tests.projects.bodies import environment_body

LIMIT_MESSAGE = (
    "You have reached the maximum limit of allowed environments for your current plan. "
    "Upgrade your plan to be able to create and manage more environments."
)


def url(team, environment_id=None, suffix="") -> str:
    base = f"/api/projects/{team.project_id}/environments/"
    return f"{base}{environment_id}/{suffix}" if environment_id is not None else base


def test_list_returns_the_projects_environments(client, user, team, other_organization, django_assert_num_queries):
    staging = environment_create(project=team.project, user=user, name="Staging")
    client.get(url(team))

    with django_assert_num_queries(4):  # the environment comes with the caller's membership
        response = client.get(url(team))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [team_basic_body(team), team_basic_body(staging)],
    }


def test_create_adds_an_environment_to_the_project(client, user, organization, team):
    response = client.post(url(team), {"name": "Staging", "timezone": "Europe/Lisbon"})

    assert response.status_code == 201
    staging = Team.objects.get(pk=response.json()["id"])
    assert response.json() == environment_body(staging, user_id=user.id, name="Staging", timezone="Europe/Lisbon")
    assert (staging.project_id, staging.organization_id) == (team.project_id, organization.id)
    assert organization.projects.count() == 1
    user.refresh_from_db()
    assert user.current_team_id == staging.id
    logged = ActivityLog.objects.get()
    assert (logged.scope, logged.activity, logged.item_id, logged.team_id) == (
        "Team",
        "created",
        str(staging.id),
        staging.id,
    )


def test_member_cannot_create_an_environment(member_client, team):
    response = member_client.post(url(team), {"name": "Staging"})

    assert response.status_code == 403
    assert response.json() == permission_denied("Your organization access level is insufficient.")


@override_settings(MAX_ENVIRONMENTS_PER_PROJECT=2)
def test_environments_per_project_are_capped(client, team):
    assert client.post(url(team), {"name": "Staging"}).status_code == 201

    response = client.post(url(team), {"name": "Third"})

    assert response.status_code == 403
    assert response.json() == permission_denied(LIMIT_MESSAGE)


def test_retrieve_update_and_delete_an_environment(client, user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")

    assert client.get(url(team, staging.id)).json() == environment_body(staging, user_id=user.id)
    patched = client.patch(url(team, staging.id), {"session_recording_trigger_match_type_config": "all"})
    assert patched.json() == environment_body(
        staging, user_id=user.id, session_recording_trigger_match_type_config="all"
    )
    put = client.put(url(team, staging.id), {"name": "QA"})
    assert put.json() == environment_body(
        staging, user_id=user.id, name="QA", session_recording_trigger_match_type_config="all"
    )

    assert client.delete(url(team, staging.id)).status_code == 204
    assert not Team.objects.filter(pk=staging.pk).exists()
    entries = ActivityLog.objects.filter(item_id=str(staging.id)).order_by("created_at")
    assert [(entry.activity, entry.team_id) for entry in entries] == [
        ("created", staging.id),
        ("updated", staging.id),
        ("updated", staging.id),
        ("deleted", staging.id),
    ]


def test_environment_match_type_is_all_or_any(client, team):
    response = client.patch(url(team, team.id), {"session_recording_trigger_match_type_config": "some"})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_choice",
        '"some" is not a valid choice.',
        "session_recording_trigger_match_type_config",
    )


def test_the_primary_environment_cannot_be_deleted_alone(client, team):
    response = client.delete(url(team, team.id))

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "The project's primary environment cannot be deleted on its own. Delete the project instead.",
    )


def test_member_cannot_delete_or_rename_an_environment(member_client, user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")

    assert member_client.delete(url(team, staging.id)).json() == permission_denied(
        "You don't have sufficient permissions in the project."
    )
    assert member_client.patch(url(team, staging.id), {"name": "X"}).json() == permission_denied(
        "Only project admins can modify these settings: name"
    )
    assert member_client.patch(url(team, staging.id), {"surveys_opt_in": True}).status_code == 200


def test_environment_patch_scope_depends_on_the_fields(user, team):
    client = key_client(make_key(user, scopes=["project:read"]))

    assert client.patch(url(team, team.id), {"completed_snippet_onboarding": True}).status_code == 200
    assert client.patch(url(team, team.id), {"anonymize_ips": True}).json() == permission_denied(
        "API key missing required scope 'project:write'"
    )


def test_environments_of_another_organization_are_out_of_reach(client, other_organization):
    other_team = other_organization.teams.get()

    response = client.get(url(other_team))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")
    assert client.get(f"/api/environments/{other_team.id}/").status_code == 403
    assert client.get("/api/projects/999999/environments/").json() == not_found("Project not found.")


def test_an_environment_of_another_project_is_not_found_here(client, user, organization, team):
    from projects.services import project_create

    other_project, _ = project_create(organization=organization, name="Other")
    staging = environment_create(project=other_project, user=user, name="Staging")

    assert client.get(url(team, staging.id)).json() == not_found()


def test_team_scoped_key_needs_the_projects_primary_environment(user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")
    allowed = key_client(make_key(user, scoped_teams=[team.id]))
    refused = key_client(make_key(user, scoped_teams=[staging.id]))

    assert allowed.get(url(team, staging.id)).status_code == 200
    assert refused.get(url(team, staging.id)).json() == permission_denied(
        f"API key does not have access to the requested project: ID {team.id}."
    )


def test_root_environment_routes(client, user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")

    assert client.get("/api/environments/@current/").json()["id"] == staging.id
    assert client.get(f"/api/environments/{team.id}").json()["id"] == team.id
    response = client.post("/api/environments/", {"name": "Nope"})
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "Environments must be created under a specific project. Send the POST request to "
        "/api/projects/<project_id>/environments/ instead.",
    )


def test_environment_actions_act_on_the_environment(client, user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")
    old = staging.api_token

    reset = client.patch(url(team, staging.id, "reset_token/"))
    intent = client.patch(url(team, staging.id, "add_product_intent/"), {"product_type": "surveys"})
    restrictions = client.get(url(team, staging.id, "event_ingestion_restrictions/"))

    staging.refresh_from_db()
    assert reset.json() == environment_body(staging, user_id=user.id, name="Staging")
    assert staging.api_token != old and Team.objects.get(pk=team.pk).api_token != staging.api_token
    assert intent.status_code == 201
    assert ProductIntent.objects.get().team_id == staging.id
    assert restrictions.json() == []


def test_environment_activity_lists_its_own_entries(session_client, user, team):
    staging = environment_create(project=team.project, user=user, name="Staging")
    session_client.patch(url(team, staging.id), {"anonymize_ips": True})

    response = session_client.get(url(team, staging.id, "activity/"))

    assert [(row["activity"], row["item_id"]) for row in response.json()["results"]] == [
        ("updated", str(staging.id)),
        ("created", str(staging.id)),
    ]
    assert session_client.get(url(team, team.id, "activity/")).json()["total_count"] == 0


def test_default_evaluation_tags_use_the_older_names(session_client, team):
    path = url(team, team.id, "default_evaluation_tags/")

    created = session_client.post(path, {"tag_name": "  PRODUCTION "})
    listing = session_client.get(path)
    empty = session_client.post(path, {"tag_name": " "})
    missing = session_client.delete(path + "?tag_name=nope")
    removed = session_client.delete(path + "?tag_name=production")

    assert created.json() == {"id": created.json()["id"], "name": "production", "created": True}
    assert listing.json() == {
        "default_evaluation_tags": [{"id": created.json()["id"], "name": "production"}],
        "enabled": False,
    }
    assert (empty.status_code, empty.json()) == (400, {"error": "tag_name is required"})
    assert (missing.status_code, missing.json()) == (404, {"error": "Tag not found"})
    assert (removed.status_code, removed.json()) == (200, {"success": True})


def test_environment_actions_without_scope_refuse_keys(client, team):
    response = client.get(url(team, team.id, "default_evaluation_tags/"))

    assert response.json() == permission_denied("This action does not support personal API key access")
