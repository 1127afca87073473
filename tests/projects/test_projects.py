from decimal import Decimal

import pytest

from activity.models import ActivityLog
from posthog_api.testing import add_member, error, make_organization, not_found, permission_denied
from projects.models import Project, Team
from projects.services import project_create
from tests.projects.bodies import compact_body, default_filters, project_body


def url(organization, project_id=None, suffix="") -> str:
    base = f"/api/organizations/{organization.id}/projects/"
    return f"{base}{project_id}/{suffix}" if project_id is not None else base


def activities(**filters) -> list[tuple]:
    rows = ActivityLog.objects.filter(**filters).order_by("created_at")
    return [(row.scope, row.activity, row.item_id, row.team_id, row.detail["changes"]) for row in rows]


def test_list_returns_the_compact_shape_ordered_by_id(client, organization, team):
    second, _ = project_create(organization=organization, name="Second")

    response = client.get(url(organization))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [compact_body(team), compact_body(Team.objects.get(pk=second.pk), name="Second")],
    }


def test_list_searches_names_case_insensitively(client, organization):
    project_create(organization=organization, name="Analytics Dashboard")
    project_create(organization=organization, name="User Analytics")
    project_create(organization=organization, name="Marketing")

    response = client.get(url(organization), {"search": "analytics"})

    assert [row["name"] for row in response.json()["results"]] == ["Analytics Dashboard", "User Analytics"]


def test_list_paginates_with_limit_and_offset(client, organization, team):
    project_create(organization=organization, name="Second")

    response = client.get(url(organization), {"limit": 1})

    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [team.id]
    assert body["next"] == f"http://testserver{url(organization)}?limit=1&offset=1"


def test_list_runs_a_constant_number_of_queries(client, organization, django_assert_num_queries):
    for index in range(3):
        project_create(organization=organization, name=f"Project {index}")
    client.get(url(organization))  # warm the key's last_used_at

    with django_assert_num_queries(4):  # the organization comes with the caller's membership
        response = client.get(url(organization))

    assert response.json()["count"] == 4


def test_list_of_another_organization_is_refused(client, other_organization):
    response = client.get(url(other_organization))

    assert response.status_code == 403
    assert response.json() == permission_denied()


def test_create_returns_the_new_project_with_defaults_and_switches_the_caller(client, user, organization):
    response = client.post(url(organization), {"name": "Web app", "timezone": "Europe/Lisbon"})

    assert response.status_code == 201
    project = Project.objects.get(pk=response.json()["id"])
    team = Team.objects.get(pk=project.pk)
    assert response.json() == project_body(team, user_id=user.id, timezone="Europe/Lisbon")
    assert (team.organization, team.name, project.name) == (organization, "Web app", "Web app")
    user.refresh_from_db()
    assert (user.current_team_id, user.current_organization_id) == (team.id, organization.id)
    assert activities(item_id=str(project.pk)) == [
        ("Project", "created", str(project.pk), project.pk, None),
        ("Team", "created", str(project.pk), project.pk, None),
    ]


def test_create_without_a_name_picks_the_next_free_default_name(client, organization):
    Project.objects.filter(organization=organization).update(name="  default PROJECT ")

    response = client.post(url(organization), {})

    assert response.status_code == 201
    assert response.json()["name"] == "Default project 2"


def test_create_drops_analytics_configs_and_refuses_a_primary_dashboard(client, organization):
    response = client.post(url(organization), {"revenue_analytics_config": {"base_currency": "EUR"}})
    assert response.status_code == 201
    assert response.json()["revenue_analytics_config"]["base_currency"] == "USD"

    response = client.post(url(organization), {"primary_dashboard": 1})
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "Primary dashboard cannot be set on project creation.", "primary_dashboard"
    )


def test_create_with_a_taken_name_is_a_conflict(client, organization, team):
    response = client.post(url(organization), {"name": " default project "})

    assert response.status_code == 409
    assert response.json() == error(
        "invalid_request",
        "conflict",
        'There is already a project called "default project" in this organization. Choose a different name.',
    )
    assert Project.objects.filter(organization=organization).count() == 1


def test_retrieve_returns_the_detail_shape(client, user, team, organization):
    response = client.get(url(organization, team.id))

    assert response.status_code == 200
    assert response.json() == project_body(team, user_id=user.id)


def test_retrieve_of_a_project_in_another_organization_is_not_found(client, organization, other_organization):
    other_team = other_organization.teams.get()

    assert client.get(url(organization, other_team.id)).json() == not_found()
    response = client.get(url(other_organization, other_team.id))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")


def test_retrieve_of_an_unknown_project_is_not_found(client, organization):
    response = client.get(url(organization, 999999))

    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


def test_patch_writes_settings_and_logs_each_change(client, user, organization, team):
    response = client.patch(
        url(organization, team.id),
        {"timezone": "Europe/Lisbon", "session_recording_sample_rate": "0.4", "app_urls": ["https://a", None]},
    )

    assert response.status_code == 200
    assert response.json() == project_body(
        team,
        user_id=user.id,
        timezone="Europe/Lisbon",
        session_recording_sample_rate="0.40",
        app_urls=["https://a"],
    )
    team.refresh_from_db()
    assert (team.timezone, team.session_recording_sample_rate) == ("Europe/Lisbon", Decimal("0.40"))
    assert activities(scope="Team", activity="updated") == [
        (
            "Team",
            "updated",
            str(team.id),
            team.id,
            [
                {"type": "Team", "action": "changed", "field": "timezone", "before": "UTC", "after": "Europe/Lisbon"},
                {"type": "Team", "action": "created", "field": "app_urls", "before": None, "after": ["https://a"]},
                {
                    "type": "Team",
                    "action": "created",
                    "field": "session_recording_sample_rate",
                    "before": None,
                    "after": "0.4",
                },
            ],
        )
    ]


def test_patch_renames_project_and_environment_and_logs_both(client, organization, team):
    response = client.patch(url(organization, team.id), {"name": "Renamed", "product_description": "Our app"})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["product_description"]) == ("Renamed", "Our app")
    team.refresh_from_db()
    assert (team.name, team.project.name, team.project.product_description) == ("Renamed", "Renamed", "Our app")
    rename = {"type": "Team", "action": "changed", "field": "name", "before": "Default project", "after": "Renamed"}
    project_changes = [
        {"type": "Project", "action": "changed", "field": "name", "before": "Default project", "after": "Renamed"},
        {"type": "Project", "action": "created", "field": "product_description", "before": None, "after": "Our app"},
    ]
    assert activities(activity="updated") == [
        ("Team", "updated", str(team.id), team.id, [rename]),
        ("Project", "updated", str(team.id), team.id, project_changes),
    ]


def test_patch_with_nothing_changed_logs_nothing(client, organization, team):
    response = client.patch(url(organization, team.id), {"timezone": "UTC"})

    assert response.status_code == 200
    assert ActivityLog.objects.count() == 0


def test_patch_merges_json_configs_onto_what_is_stored(client, organization, team):
    Team.objects.filter(pk=team.pk).update(
        session_replay_config={"record_canvas": True, "ai_config": {"opt_in": True, "preferred_events": ["a"]}},
        survey_config={"appearance": {"color": "red"}, "enabled": True},
        modifiers={"debug": True},
    )

    response = client.patch(
        url(organization, team.id),
        {
            "session_replay_config": {"ai_config": {"opt_in": False}},
            "survey_config": {"appearance": {"size": 2}},
            "modifiers": {"inCohortVia": "subquery"},
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["session_replay_config"] == {
        "record_canvas": True,
        "ai_config": {"opt_in": False, "preferred_events": ["a"]},
    }
    assert body["survey_config"] == {"appearance": {"size": 2}, "enabled": True}
    assert body["modifiers"] == {"debug": True, "inCohortVia": "subquery"}
    survey_entry = ActivityLog.objects.get(scope="Survey")
    assert (survey_entry.item_id, survey_entry.detail["name"]) == ("#", "global survey appearance")


def test_patch_null_clears_a_merged_config(client, organization, team):
    Team.objects.filter(pk=team.pk).update(modifiers={"debug": True})

    response = client.patch(url(organization, team.id), {"modifiers": None})

    assert response.json()["modifiers"] is None


def test_patch_drops_nulls_from_url_lists(client, organization, team):
    response = client.patch(
        url(organization, team.id), {"app_urls": [None, None], "recording_domains": ["https://a", None, "https://b"]}
    )

    assert (response.json()["app_urls"], response.json()["recording_domains"]) == ([], ["https://a", "https://b"])


def test_patch_analytics_configs_update_only_what_is_sent(client, organization, team):
    response = client.patch(
        url(organization, team.id),
        {
            "revenue_analytics_config": {"events": [{"eventName": "purchase", "revenueProperty": "amount"}]},
            "marketing_analytics_config": {"attribution_window_days": 30},
        },
    )

    body = response.json()
    assert body["revenue_analytics_config"] == {
        "base_currency": "USD",
        "events": [{"eventName": "purchase", "revenueProperty": "amount"}],
        "goals": [],
        "filter_test_accounts": False,
    }
    assert body["marketing_analytics_config"]["attribution_window_days"] == 30
    assert body["marketing_analytics_config"]["attribution_mode"] == "last_touch"
    assert body["managed_viewsets"] == {"revenue_analytics": True}


def test_patch_writes_only_the_changed_columns(client, organization, team):
    Team.objects.filter(pk=team.pk).update(timezone="Asia/Tokyo")  # written by someone else meanwhile

    client.patch(url(organization, team.id), {"anonymize_ips": True})

    team.refresh_from_db()
    assert (team.anonymize_ips, team.timezone) == (True, "Asia/Tokyo")


def test_conversations_enabled_mints_and_drops_the_widget_token(client, organization, team):
    response = client.patch(url(organization, team.id), {"conversations_enabled": True})
    token = response.json()["conversations_settings"]["widget_public_token"]
    assert len(token) == 43

    response = client.patch(url(organization, team.id), {"conversations_enabled": False})
    assert response.json()["conversations_settings"] == {"widget_public_token": None}


def test_put_updates_like_patch(client, user, organization, team):
    response = client.put(url(organization, team.id), {"name": "Put name", "week_start_day": 1})

    assert response.status_code == 200
    assert response.json() == project_body(team, user_id=user.id, name="Put name", week_start_day=1)


def test_rename_to_a_taken_name_is_a_conflict_but_the_same_name_is_accepted(client, organization, team):
    project_create(organization=organization, name="Taken")

    response = client.patch(url(organization, team.id), {"name": "TAKEN"})
    assert response.status_code == 409

    assert client.patch(url(organization, team.id), {"name": "Default project"}).status_code == 200


def test_delete_removes_the_project_its_environments_and_their_data(client, user, organization, team):
    second = Team.objects.create(organization=organization, project=team.project, name="Staging")
    user.current_team = second
    user.save()

    response = client.delete(url(organization, team.id))

    assert response.status_code == 204
    assert not Project.objects.filter(pk=team.pk).exists()
    assert not Team.objects.filter(pk__in=[team.pk, second.pk]).exists()
    user.refresh_from_db()
    assert user.current_team_id is None
    assert activities(activity="deleted") == [
        ("Team", "deleted", str(team.id), team.id, None),
        ("Team", "deleted", str(second.id), second.id, None),
        ("Project", "deleted", str(team.id), team.id, None),
    ]
    assert client.get(url(organization, team.id)).status_code == 404
    assert client.delete(url(organization, team.id)).status_code == 404


def test_delete_of_a_project_pending_deletion_is_refused(client, organization, team):
    Project.objects.filter(pk=team.pk).update(is_pending_deletion=True)

    response = client.get(url(organization, team.id))
    assert response.json()["is_pending_deletion"] is True

    response = client.delete(url(organization, team.id))
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "This project is already being deleted.")
    assert Project.objects.filter(pk=team.pk).exists()


def test_current_project_is_reachable_on_the_root_route(client, user, team):
    response = client.get("/api/projects/@current/")

    assert response.status_code == 200
    assert response.json() == project_body(team, user_id=user.id)


def test_root_list_shows_projects_of_every_organization_of_the_caller(client, user, team, other_user):
    elsewhere = make_organization(other_user, name="Elsewhere")
    add_member(elsewhere, user)

    response = client.get("/api/projects/")

    assert [row["id"] for row in response.json()["results"]] == [team.id, elsewhere.teams.get().id]


@pytest.mark.parametrize("path", ["/api/projects/{id}/", "/api/projects/{id}"])
def test_root_detail_works_with_and_without_the_trailing_slash(client, team, path):
    assert client.get(path.format(id=team.id)).status_code == 200


def test_delete_also_removes_rows_without_a_cascading_constraint(client, organization, team):
    import uuid

    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    person_model = apps.get_model("persons", "Person")
    event_model = apps.get_model("ingestion", "Event")
    person_model.objects.create(team=team)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT ingestion_ensure_event_partition(%s)", [now])
    event_model.objects.create(
        uuid=uuid.uuid4(), team=team, event="$pageview", distinct_id="d", timestamp=now, created_at=now
    )

    assert client.delete(url(organization, team.id)).status_code == 204

    assert not person_model.objects.filter(team_id=team.id).exists()
    assert not event_model.objects.filter(team_id=team.id).exists()


def test_current_organization_lists_its_projects(client, team):
    response = client.get("/api/organizations/@current/projects/")

    assert [row["id"] for row in response.json()["results"]] == [team.id]


def test_retrieve_runs_a_constant_number_of_queries(client, organization, team, django_assert_num_queries):
    client.get(url(organization, team.id))

    with django_assert_num_queries(6):  # the organization comes with the caller's membership
        response = client.get(url(organization, team.id))

    assert response.status_code == 200


def test_bootstrap_makes_its_project_the_way_the_api_does(db):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("bootstrap", "--json", "--email", "boot@acme.io", stdout=out)

    team = Team.objects.get(pk=json.loads(out.getvalue())["project_id"])
    assert team.pk == team.project_id
    assert team.api_token.startswith("phc_") and len(team.api_token) == 48
    assert (team.timezone, team.data_attributes, team.session_recording_retention_period) == (
        "UTC",
        ["data-attr"],
        "5y",
    )
    assert team.test_account_filters == default_filters("acme.io")
    assert team.extra_settings == {"recorder_script": "posthog-recorder"}


def test_root_create_uses_the_callers_current_organization(client, user, organization):
    response = client.post("/api/projects/", {"name": "From root"})

    assert response.status_code == 201
    assert Project.objects.get(pk=response.json()["id"]).organization == organization
