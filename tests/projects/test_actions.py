import pytest
from django.core.cache import cache
from django.utils import timezone

from activity.models import ActivityLog
from activity.services import activity_log_record
from organizations.models import OrganizationMembership
from posthog_api.models import mask_key_value
from posthog_api.testing import add_member, error, make_organization
from projects.models import EventIngestionRestriction, ProductIntent, Team
from tests.organizations.bodies import iso
from tests.projects.bodies import environment_body, project_body


def url(organization, team, suffix="") -> str:
    return f"/api/organizations/{organization.id}/projects/{team.id}/{suffix}"


def updates(team) -> list:
    rows = ActivityLog.objects.filter(team_id=team.id, activity="updated").order_by("created_at")
    return [row.detail["changes"] for row in rows]


# --- activity ---


def entry(row: ActivityLog, user) -> dict:
    return {
        "id": str(row.id),
        "user": {"first_name": user.first_name, "email": user.email},
        "activity": row.activity,
        "scope": row.scope,
        "item_id": row.item_id,
        "detail": {
            "changes": row.detail["changes"],
            "trigger": None,
            "name": row.detail["name"],
            "short_id": None,
            "type": None,
        },
        "created_at": iso(row.created_at),
    }


def test_activity_lists_the_projects_team_entries_newest_first(session_client, user, organization, team):
    session_client.patch(url(organization, team), {"timezone": "Europe/Lisbon"})
    session_client.patch(url(organization, team), {"name": "Renamed"})

    response = session_client.get(url(organization, team, "activity/"))

    rows = list(ActivityLog.objects.filter(scope="Team").order_by("-created_at"))
    assert response.status_code == 200
    assert response.json() == {
        "results": [entry(row, user) for row in rows],
        "next": None,
        "previous": None,
        "total_count": 2,
    }
    assert response.json()["results"][1]["detail"] == {
        "changes": [
            {"type": "Team", "action": "changed", "field": "timezone", "before": "UTC", "after": "Europe/Lisbon"}
        ],
        "trigger": None,
        "name": "Default project",
        "short_id": None,
        "type": None,
    }


def test_activity_pages_with_page_and_limit(session_client, organization, team):
    for index in range(3):
        activity_log_record(scope="Team", activity="updated", item_id=team.id, team_id=team.id, changes=[{"i": index}])
    base = f"http://testserver{url(organization, team, 'activity/')}"

    first = session_client.get(url(organization, team, "activity/"), {"limit": 2}).json()
    second = session_client.get(url(organization, team, "activity/"), {"limit": 2, "page": 2}).json()
    past_end = session_client.get(url(organization, team, "activity/"), {"limit": 2, "page": 9}).json()

    assert (first["total_count"], len(first["results"]), first["previous"]) == (3, 2, None)
    assert first["next"] == f"{base}?limit=2&page=2"
    assert (len(second["results"]), second["next"], second["previous"]) == (1, None, f"{base}?limit=2&page=1")
    assert second["results"][0]["user"] == {"first_name": "System", "email": None, "is_system": True}
    assert past_end["results"] == []


@pytest.mark.parametrize(("param", "value"), [("limit", "abc"), ("page", "0")])
def test_activity_refuses_bad_paging(session_client, organization, team, param, value):
    response = session_client.get(url(organization, team, "activity/"), {param: value})

    assert response.status_code == 400
    assert response.json()["attr"] == param


# --- product intents ---


def test_add_product_intent_returns_the_environment_shape(session_client, user, organization, team):
    response = session_client.patch(
        url(organization, team, "add_product_intent/"),
        {"product_type": "session_replay", "intent_context": "onboarding product selected - primary"},
    )
    session_client.patch(url(organization, team, "add_product_intent/"), {"product_type": "session_replay"})

    intent = ProductIntent.objects.get(team=team)
    assert response.status_code == 201
    assert response.json() == environment_body(
        team,
        user_id=user.id,
        product_intents=[
            {
                "product_type": "session_replay",
                "created_at": iso(intent.created_at),
                "onboarding_completed_at": None,
                "updated_at": response.json()["product_intents"][0]["updated_at"],
            }
        ],
    )
    assert intent.contexts == {"onboarding product selected - primary": 1, "null": 1}


def test_add_product_intent_refuses_an_unknown_product(session_client, organization, team):
    response = session_client.patch(url(organization, team, "add_product_intent/"), {"product_type": "nope"})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_choice", '"nope" is not a valid choice.', "product_type"
    )
    assert not ProductIntent.objects.exists()


def test_complete_product_onboarding_sets_the_completion_time(session_client, organization, team):
    before = timezone.now()

    response = session_client.patch(
        url(organization, team, "complete_product_onboarding/"), {"product_type": "feature_flags"}
    )

    assert response.status_code == 200
    intent = ProductIntent.objects.get(team=team, product_type="feature_flags")
    assert intent.onboarding_completed_at >= before
    assert response.json()["product_intents"][0]["onboarding_completed_at"] == iso(intent.onboarding_completed_at)


def test_complete_product_onboarding_answers_bare_errors(session_client, organization, team):
    missing = session_client.patch(url(organization, team, "complete_product_onboarding/"), {})
    unknown = session_client.patch(url(organization, team, "complete_product_onboarding/"), {"product_type": "x"})

    assert (missing.status_code, missing.json()) == (400, {"error": "product_type is required"})
    assert unknown.status_code == 400
    assert unknown.json()["error"].startswith("invalid product_type, expected one of ['actions', 'alerts'")


# --- tokens ---


def test_reset_token_replaces_the_project_token_and_logs_it_unmasked(client, user, organization, team):
    old = team.api_token

    response = client.patch(url(organization, team, "reset_token/"))

    team.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == project_body(team, user_id=user.id)
    assert team.api_token != old and team.api_token.startswith("phc_") and len(team.api_token) == 48
    assert updates(team) == [
        [{"type": "Team", "action": "changed", "field": "api_token", "before": old, "after": team.api_token}]
    ]


def test_rotate_secret_token_creates_then_rotates_and_keeps_a_backup(client, organization, team):
    first = client.patch(url(organization, team, "rotate_secret_token/")).json()
    second = client.patch(url(organization, team, "rotate_secret_token/")).json()

    assert first["secret_api_token"].startswith("phs_") and first["secret_api_token_backup"] is None
    assert second["secret_api_token_backup"] == first["secret_api_token"]
    old, new = first["secret_api_token"], second["secret_api_token"]
    assert updates(team) == [
        [
            {
                "type": "Team",
                "action": "created",
                "field": "secret_api_token",
                "before": None,
                "after": {"secret_api_token": mask_key_value(old)},
            }
        ],
        [
            {
                "type": "Team",
                "action": "changed",
                "field": "secret_api_token",
                "before": {"secret_api_token": mask_key_value(old), "secret_api_token_backup": None},
                "after": {"secret_api_token": mask_key_value(new), "secret_api_token_backup": mask_key_value(old)},
            }
        ],
    ]


def test_delete_secret_token_backup_clears_it_or_does_nothing(client, organization, team):
    client.patch(url(organization, team, "rotate_secret_token/"))
    client.patch(url(organization, team, "rotate_secret_token/"))
    backup = Team.objects.get(pk=team.pk).secret_api_token_backup

    response = client.patch(url(organization, team, "delete_secret_token_backup/"))
    again = client.patch(url(organization, team, "delete_secret_token_backup/"))

    assert response.status_code == again.status_code == 200
    assert response.json()["secret_api_token_backup"] is None
    assert response.json()["secret_api_token"] is not None
    assert updates(team)[-1] == [
        {
            "type": "Team",
            "action": "deleted",
            "field": "secret_api_token_backup",
            "before": mask_key_value(backup),
            "after": None,
        }
    ]
    assert len(updates(team)) == 3


def test_generate_conversations_public_token_keeps_other_settings(session_client, organization, team):
    Team.objects.filter(pk=team.pk).update(conversations_settings={"widget_color": "red"})

    response = session_client.post(url(organization, team, "generate_conversations_public_token/"))

    settings = response.json()["conversations_settings"]
    assert response.status_code == 200
    assert settings["widget_color"] == "red" and settings["widget_public_token"].startswith("phc_")
    assert updates(team)[0][0]["field"] == "conversations_settings.widget_public_token"
    assert updates(team)[0][0]["action"] == "created"


# --- small read-only actions ---


def test_event_ingestion_restrictions_lists_the_rows_of_the_teams_token(client, organization, team):
    EventIngestionRestriction.objects.create(token=team.api_token, restriction_type="drop_event_from_ingestion")
    EventIngestionRestriction.objects.create(
        token=team.api_token, restriction_type="skip_person_processing", distinct_ids=["a"]
    )
    EventIngestionRestriction.objects.create(token="phc_other", restriction_type="skip_person_processing")

    response = client.get(url(organization, team, "event_ingestion_restrictions/"))

    assert response.json() == [
        {"restriction_type": "drop_event_from_ingestion", "distinct_ids": None},
        {"restriction_type": "skip_person_processing", "distinct_ids": ["a"]},
    ]


def test_is_generating_demo_data_reads_the_flag(session_client, organization, team):
    assert session_client.get(url(organization, team, "is_generating_demo_data/")).json() == {
        "is_generating_demo_data": False
    }
    cache.set(f"is_generating_demo_data_{team.pk}", True)
    try:
        response = session_client.get(url(organization, team, "is_generating_demo_data/"))
    finally:
        cache.delete(f"is_generating_demo_data_{team.pk}")
    assert response.json() == {"is_generating_demo_data": True}


# --- configs ---


def test_experiments_config_reads_and_updates(session_client, organization, team):
    defaults = {
        "experiment_recalculation_time": None,
        "default_experiment_confidence_level": None,
        "default_experiment_stats_method": "bayesian",
        "experiment_precomputation_enabled": False,
        "default_only_count_matured_users": False,
        "default_cuped_enabled": False,
        "default_cuped_lookback_days": None,
        "default_minimum_detectable_effect": None,
    }
    assert session_client.get(url(organization, team, "experiments_config/")).json() == defaults

    response = session_client.patch(
        url(organization, team, "experiments_config/"),
        {"default_experiment_stats_method": "frequentist", "default_experiment_confidence_level": "0.95"},
    )

    assert response.json() == {
        **defaults,
        "default_experiment_stats_method": "frequentist",
        "default_experiment_confidence_level": "0.95",
    }
    bad = session_client.patch(url(organization, team, "experiments_config/"), {"default_cuped_lookback_days": 31})
    assert bad.json() == error(
        "validation_error",
        "max_value",
        "Ensure this value is less than or equal to 30.",
        "default_cuped_lookback_days",
    )


def test_default_release_conditions_read_and_replace(session_client, organization, team):
    assert session_client.get(url(organization, team, "default_release_conditions/")).json() == {
        "enabled": False,
        "default_groups": [],
    }

    response = session_client.put(
        url(organization, team, "default_release_conditions/"),
        {"enabled": True, "default_groups": [{"properties": [], "rollout_percentage": 50}]},
        format="json",
    )

    assert response.json() == {
        "enabled": True,
        "default_groups": [{"properties": [], "rollout_percentage": 50, "variant": None}],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"default_groups": {}}, "default_groups must be a list"),
        ({"default_groups": [1]}, "Group at index 0 must be an object"),
        ({"default_groups": [{}]}, "Group at index 0 must have a 'properties' list"),
        (
            {"default_groups": [{"properties": [], "rollout_percentage": 101}]},
            "Group at index 0 has invalid rollout_percentage (must be 0-100 or null)",
        ),
        ({"enabled": "yes"}, "enabled must be a boolean"),
    ],
)
def test_default_release_conditions_refuse_bad_bodies(session_client, organization, team, body, message):
    response = session_client.put(url(organization, team, "default_release_conditions/"), body, format="json")

    assert (response.status_code, response.json()) == (400, {"error": message})


def test_default_evaluation_contexts_add_list_and_remove(session_client, organization, team):
    created = session_client.post(url(organization, team, "default_evaluation_contexts/"), {"context_name": " Web "})
    repeated = session_client.post(url(organization, team, "default_evaluation_contexts/"), {"context_name": "web"})
    listing = session_client.get(url(organization, team, "default_evaluation_contexts/")).json()

    context_id = created.json()["id"]
    assert created.json() == {"id": context_id, "name": "web", "created": True, "hidden_from_suggestions": False}
    assert repeated.json()["created"] is False
    assert listing == {
        "default_evaluation_contexts": [{"id": context_id, "name": "web"}],
        "available_contexts": ["web"],
        "hidden_contexts": [],
        "enabled": False,
    }
    removed = session_client.delete(url(organization, team, "default_evaluation_contexts/") + "?context_name=web")
    assert (removed.status_code, removed.json()) == (200, {"success": True})
    assert (
        session_client.get(url(organization, team, "default_evaluation_contexts/")).json()[
            "default_evaluation_contexts"
        ]
        == []
    )


def test_default_evaluation_contexts_errors_are_bare(session_client, organization, team):
    path = url(organization, team, "default_evaluation_contexts/")
    for index in range(10):
        session_client.post(path, {"context_name": f"c{index}"})

    assert session_client.post(path, {"context_name": "   "}).json() == {"error": "context_name is required"}
    assert session_client.post(path, {"context_name": 5}, format="json").json() == {
        "error": "context_name must be a string"
    }
    too_many = session_client.post(path, {"context_name": "eleventh"})
    assert (too_many.status_code, too_many.json()) == (
        400,
        {"error": "Maximum of 10 default evaluation contexts allowed"},
    )
    missing = session_client.delete(path + "?context_name=nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Evaluation context not found"})


# --- change_organization ---


def test_change_organization_moves_the_project_and_its_users(session_client, user, organization, team, other_user):
    target = make_organization(user, name="Target")
    stayer, leaver = user, other_user
    add_member(organization, leaver)
    for person in (stayer, leaver):
        person.current_team = team
        person.current_organization = organization
        person.save()
    environment = Team.objects.create(organization=organization, project=team.project, name="Staging")

    response = session_client.post(url(organization, team, "change_organization/"), {"organization_id": str(target.id)})

    assert response.status_code == 200
    assert response.json()["organization"] == str(target.id)
    assert set(Team.objects.filter(pk__in=[team.pk, environment.pk]).values_list("organization_id", flat=True)) == {
        target.id
    }
    stayer.refresh_from_db()
    leaver.refresh_from_db()
    assert (stayer.current_team_id, stayer.current_organization_id) == (team.id, target.id)
    assert (leaver.current_team_id, leaver.current_organization_id) == (None, None)
    move = ActivityLog.objects.get(scope="Project", activity="updated")
    assert move.detail["name"] == "moved to another organization"
    assert move.detail["changes"] == [
        {
            "type": "Project",
            "action": "changed",
            "field": "organization_id",
            "before": str(organization.id),
            "after": str(target.id),
        }
    ]


def test_change_organization_needs_admin_in_both_organizations(session_client, user, organization, team, other_user):
    foreign = make_organization(other_user, name="Foreign")
    path = url(organization, team, "change_organization/")

    not_member = session_client.post(path, {"organization_id": str(foreign.id)})
    add_member(foreign, user, level=OrganizationMembership.Level.MEMBER)
    not_admin = session_client.post(path, {"organization_id": str(foreign.id)})
    same = session_client.post(path, {"organization_id": str(organization.id)})
    malformed = session_client.post(path, {"organization_id": "nope"})

    assert not_member.json() == error(
        "validation_error", "invalid_input", "You must be a member of the target organization to move a project."
    )
    assert not_admin.json() == error(
        "validation_error",
        "invalid_input",
        "You must be an admin of both the source and target organizations to move a project.",
    )
    assert same.json() == error("validation_error", "invalid_input", "Project is already in the target organization.")
    assert malformed.json() == error("validation_error", "invalid_input", "Must be a valid UUID.", "organization_id")
    assert Team.objects.get(pk=team.pk).organization_id == organization.id
