import pytest

from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, error, key_client, make_key, make_user, not_found, permission_denied
from projects.services import environment_create
from sharing.models import Insight
from tests.sharing.builders import TRENDS, activity_entries, detail, insight_body, make_insight


def insights_url(team, insight=None, root: str = "projects") -> str:
    parent = team.project_id if root == "projects" else team.id
    base = f"/api/{root}/{parent}/insights/"
    return f"{base}{insight.id}/" if insight is not None else base


@pytest.fixture
def insight(team, user):
    return make_insight(team, user)


@pytest.mark.parametrize("root", ["projects", "environments"])
def test_create_returns_the_insight_and_logs_it(client, user, team, other_organization, root):
    response = client.post(
        insights_url(team, root=root),
        {"name": "Signups", "query": TRENDS, "description": "Daily", "tags": ["growth"], "team": other_organization.id},
        format="json",
    )

    assert response.status_code == 201, response.json()
    insight = Insight.objects.get()
    assert insight.team_id == team.id
    assert len(insight.short_id) == 8 and insight.short_id.isalnum()
    assert response.json() == insight_body(insight)
    assert activity_entries() == [
        {
            "activity": "created",
            "item_id": str(insight.id),
            "user_id": user.id,
            "is_system": False,
            "team_id": team.id,
            "organization_id": None,
            "detail": detail(insight),
        }
    ]


def test_an_insight_without_a_name_is_not_logged(client, team):
    response = client.post(insights_url(team), {"query": TRENDS}, format="json")

    assert response.status_code == 201
    assert response.json()["name"] is None
    assert activity_entries() == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"query": [1]}, ("not_a_dict", 'Expected a dictionary of items but got type "list".', "query")),
        ({"name": "x" * 401}, ("max_length", "Ensure this field has no more than 400 characters.", "name")),
        ({"dashboards": [5]}, ("invalid_input", "Dashboard 5 does not exist in this project.", "dashboards")),
        ({"tags": "growth"}, ("not_a_list", 'Expected a list of items but got type "str".', "tags")),
    ],
)
def test_invalid_input_is_a_400_and_writes_nothing(client, team, body, expected):
    response = client.post(insights_url(team), body, format="json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", *expected)
    assert not Insight.objects.exists()


NULL_CHARACTERS = ("null_characters_not_allowed", "Null characters are not allowed.", "query")
NOT_FINITE = ("invalid_input", "Numbers must be finite.", "query")
TOO_DEEP = ("invalid_input", "The value is nested too deeply.", "query")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"name": "q", "query": {"kind": "a\\u0000b"}}', NULL_CHARACTERS),
        ('{"name": "q", "query": {"a\\u0000": 1}}', NULL_CHARACTERS),
        ('{"name": "q", "query": {"source": {"series": [{"math": 1e999}]}}}', NOT_FINITE),
        ('{"name": "q", "query": {"a": ' + "[" * 200 + "]" * 200 + "}}", TOO_DEEP),
    ],
)
def test_a_query_postgres_cannot_store_is_a_400_and_writes_nothing(client, team, insight, body, expected):
    created = client.post(insights_url(team), body, content_type="application/json")
    updated = client.patch(insights_url(team, insight), body, content_type="application/json")

    assert (created.status_code, created.json()) == (400, error("validation_error", *expected))
    assert (updated.status_code, updated.json()) == (400, error("validation_error", *expected))
    assert list(Insight.objects.values_list("id", "name")) == [(insight.id, insight.name)]
    assert len(activity_entries()) == 1  # the fixture's creation only


@pytest.mark.parametrize("body", ["5", '"deleted"', "[1]"])
def test_a_body_that_is_not_an_object_is_a_400(client, team, insight, body):
    response = client.patch(insights_url(team, insight), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_list_shows_the_projects_live_insights_newest_first(client, user, team, other_organization, other_user):
    first = make_insight(team, user, name="First")
    second = make_insight(team, user, name="Second")
    make_insight(team, user, name="Gone", deleted=True)
    make_insight(other_organization.teams.get(), other_user)

    response = client.get(insights_url(team))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [insight_body(second), insight_body(first)],
    }


def test_list_filters_by_short_id_and_creator(client, user, team, organization):
    mine = make_insight(team, user)
    colleague = make_user()
    add_member(organization, colleague)
    theirs = make_insight(team, colleague)

    by_short_id = client.get(insights_url(team), {"short_id": theirs.short_id}).json()["results"]
    by_creator = client.get(insights_url(team), {"created_by": user.id}).json()["results"]

    assert [row["id"] for row in by_short_id] == [theirs.id]
    assert [row["id"] for row in by_creator] == [mine.id]


def test_a_non_numeric_creator_filter_is_a_400(client, team):
    response = client.get(insights_url(team), {"created_by": "me"})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Enter a whole number.", "created_by")


def test_list_query_count_does_not_grow_with_rows(client, user, team, django_assert_max_num_queries):
    for _ in range(5):
        make_insight(team, user)
    with django_assert_max_num_queries(6):
        assert len(client.get(insights_url(team)).json()["results"]) == 5


def test_retrieve_shows_a_member_editor_access(organization, team, insight):
    member = make_user()
    add_member(organization, member)

    response = key_client(make_key(member)).get(insights_url(team, insight))

    assert response.status_code == 200
    assert response.json() == insight_body(insight, access="editor")


def test_patch_updates_and_logs_the_changed_fields(client, user, team, insight):
    response = client.patch(insights_url(team, insight), {"name": "Monthly", "favorited": True}, format="json")

    assert response.status_code == 200
    assert response.json() == insight_body(insight)
    assert insight.name == "Monthly" and insight.favorited
    assert activity_entries()[-1] == {
        "activity": "updated",
        "item_id": str(insight.id),
        "user_id": user.id,
        "is_system": False,
        "team_id": team.id,
        "organization_id": None,
        "detail": detail(
            insight,
            changes=[
                {"type": "Insight", "action": "changed", "field": "name", "before": "Weekly users", "after": "Monthly"},
                {"type": "Insight", "action": "changed", "field": "favorited", "before": False, "after": True},
            ],
        ),
    }


def test_patch_that_changes_nothing_logs_nothing(client, team, insight):
    response = client.patch(insights_url(team, insight), {"name": insight.name}, format="json")

    assert response.status_code == 200
    assert [entry["activity"] for entry in activity_entries()] == ["created"]


def test_delete_is_not_allowed_and_soft_delete_hides_the_insight(client, team, insight):
    refused = client.delete(insights_url(team, insight))
    assert refused.status_code == 405
    assert refused.json() == error("invalid_request", "method_not_allowed", 'Method "DELETE" not allowed.')
    assert Insight.objects.filter(pk=insight.pk, deleted=False).exists()

    deleted = client.patch(insights_url(team, insight), {"deleted": True}, format="json")

    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert client.get(insights_url(team, insight)).json() == not_found()
    assert client.patch(insights_url(team, insight), {"name": "Back?"}, format="json").status_code == 404
    assert client.get(insights_url(team)).json()["count"] == 0
    assert activity_entries()[-1]["detail"]["changes"] == [
        {"type": "Insight", "action": "changed", "field": "deleted", "before": False, "after": True}
    ]


def test_a_deleted_insight_can_be_restored(client, team, insight):
    client.patch(insights_url(team, insight), {"deleted": True}, format="json")

    response = client.patch(insights_url(team, insight), {"deleted": False}, format="json")

    assert response.status_code == 200
    assert client.get(insights_url(team, insight)).status_code == 200


def test_environment_root_sees_only_that_environments_insights(client, user, organization, team):
    second = environment_create(project=team.project, user=user, name="Staging")
    make_insight(team, user, name="Production")
    staging = make_insight(second, user, name="Staging insight")

    project_names = [row["name"] for row in client.get(insights_url(team)).json()["results"]]
    environment = client.get(insights_url(second, root="environments")).json()["results"]

    assert sorted(project_names) == ["Production", "Staging insight"]
    assert [row["id"] for row in environment] == [staging.id]


# --- Scopes and tenancy ---


@pytest.mark.parametrize(
    ("scopes", "method", "status"),
    [
        (["insight:read"], "get", 200),
        (["insight:read"], "patch", 403),
        (["insight:write"], "patch", 200),
        (["sharing_configuration:write"], "get", 403),
    ],
)
def test_key_scopes(user, team, insight, scopes, method, status):
    response = getattr(key_client(make_key(user, scopes)), method)(insights_url(team, insight), {}, format="json")

    assert response.status_code == status
    if status == 403:
        needed = "insight:read" if method == "get" else "insight:write"
        assert response.json() == permission_denied(f"API key missing required scope '{needed}'")


def test_another_organization_cannot_reach_the_project_or_its_insights(team, insight, other_user, other_organization):
    stranger = key_client(make_key(other_user))
    own_team = other_organization.teams.get()

    assert stranger.get(insights_url(team)).json() == permission_denied("You don't have access to the project.")
    assert stranger.get(insights_url(team, insight)).status_code == 403
    assert stranger.get(f"/api/projects/{own_team.project_id}/insights/{insight.id}/").json() == not_found()
    response = stranger.patch(f"/api/projects/{own_team.project_id}/insights/{insight.id}/", {"name": "x"})
    assert response.status_code == 404
    insight.refresh_from_db()
    assert insight.name == "Weekly users"


def test_a_plain_member_can_create_and_edit(organization, team, insight):
    member = make_user()
    add_member(organization, member, OrganizationMembership.Level.MEMBER)
    member_client = key_client(make_key(member))

    assert member_client.post(insights_url(team), {"name": "Mine"}, format="json").status_code == 201
    assert member_client.patch(insights_url(team, insight), {"name": "Edited"}, format="json").status_code == 200


def test_listing_costs_the_same_queries_for_2_or_20_insights(client, team, user, django_assert_num_queries):
    for _ in range(2):
        make_insight(team, user)
    client.get(insights_url(team))  # the key's last_used_at is written once an hour
    with django_assert_num_queries(4):
        assert client.get(insights_url(team)).json()["count"] == 2
    for _ in range(18):
        make_insight(team, user)
    with django_assert_num_queries(4):
        assert client.get(insights_url(team)).json()["count"] == 20
