import json
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityLog
from definitions.models import EventProperty, PropertyDefinition
from posthog_api.testing import error, key_client, make_key, make_organization, make_user, not_found, permission_denied
from projects.services.creation import environment_create, project_create
from tests.organizations.bodies import iso, user_basic_body

EVENT, PERSON, GROUP, SESSION = 1, 2, 3, 4


def definitions_url(team, suffix: str = "") -> str:
    return f"/api/projects/{team.project_id}/property_definitions/{suffix}"


def make_definition(team, name: str, kind: int = EVENT, property_type=None, **fields) -> PropertyDefinition:
    return PropertyDefinition.objects.create(
        team=team,
        project_id=team.project_id,
        name=name,
        type=kind,
        property_type=property_type,
        is_numerical=property_type == "Numeric",
        **fields,
    )


def definition_body(definition: PropertyDefinition, seen=None) -> dict:
    definition.refresh_from_db()
    return {
        "id": str(definition.id),
        "name": definition.name,
        "description": definition.description,
        "tags": definition.tags,
        "is_numerical": definition.is_numerical,
        "updated_at": iso(definition.updated_at),
        "updated_by": user_basic_body(definition.updated_by) if definition.updated_by else None,
        "is_seen_on_filtered_events": seen,
        "property_type": definition.property_type,
        "verified": definition.verified,
        "verified_at": iso(definition.verified_at),
        "verified_by": user_basic_body(definition.verified_by) if definition.verified_by else None,
        "hidden": definition.hidden,
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


# --- list ---


def test_list_answers_event_properties_by_name_with_a_count(client, team):
    amount = make_definition(team, "amount", property_type="Numeric")
    browser = make_definition(team, "$browser", property_type="String")
    make_definition(team, "email", PERSON)
    response = client.get(definitions_url(team))
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [definition_body(browser), definition_body(amount)],
    }


def test_verified_definitions_come_first(client, team):
    make_definition(team, "a")
    make_definition(team, "b", verified=True)
    assert names(client.get(definitions_url(team))) == ["b", "a"]


def test_hidden_event_properties_are_never_listed(client, team):
    for name in ("distinct_id", "$set", "$group_0", "$groups", "$initial_referrer", "kept"):
        make_definition(team, name)
    assert names(client.get(definitions_url(team))) == ["kept"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?type=person", ["$initial_browser", "email", "latest_plan"]),
        ("?type=session", ["$session_duration"]),
        ("?type=group&group_type_index=0", ["industry"]),
        ("?type=group&group_type_index=1", ["size"]),
        ("?search=PLAN", ["plan_name"]),
        ("?search=plan%20na", ["plan_name"]),
        ("?type=person&search=latest", ["email", "latest_plan"]),
        ("?properties=amount,plan_name", ["amount", "plan_name"]),
        ("?is_numerical=true", ["amount"]),
        ("?is_feature_flag=true", ["$feature/beta"]),
        ("?is_feature_flag=false", ["amount", "plan_name", "secret", "timestamp"]),
        (
            "?excluded_properties=" + quote(json.dumps(["amount", "secret"])),
            ["$feature/beta", "plan_name", "timestamp"],
        ),
        ("?exclude_hidden=true", ["$feature/beta", "amount", "plan_name", "timestamp"]),
        ("?exclude_core_properties=true", ["amount", "plan_name", "secret", "timestamp"]),
        ("?verified=true", ["plan_name"]),
        ("?limit=2&offset=1", ["$feature/beta", "amount"]),
    ],
)
def test_list_filters(client, team, query, expected):
    make_definition(team, "amount", property_type="Numeric")
    make_definition(team, "timestamp", property_type="Numeric")
    make_definition(team, "plan_name", verified=True)
    make_definition(team, "$feature/beta")
    make_definition(team, "secret", hidden=True)
    make_definition(team, "email", PERSON)
    make_definition(team, "latest_plan", PERSON)
    make_definition(team, "$initial_browser", PERSON)
    make_definition(team, "$session_duration", SESSION)
    make_definition(team, "industry", GROUP, group_type_index=0)
    make_definition(team, "size", GROUP, group_type_index=1)
    result = names(client.get(definitions_url(team, query)))
    if query.startswith("?verified") or query.startswith("?limit"):
        assert result == expected
    else:
        assert sorted(result) == sorted(expected)


def test_event_names_fill_is_seen_on_filtered_events_and_order_by_it(client, team):
    seen = make_definition(team, "zeta")
    unseen = make_definition(team, "alpha")
    make_definition(team, "other")
    EventProperty.objects.create(team=team, project_id=team.project_id, event="$pageview", property="zeta")
    EventProperty.objects.create(team=team, project_id=team.project_id, event="$other", property="other")
    query = "?event_names=" + quote(json.dumps(["$pageview"]))
    body = client.get(definitions_url(team, query)).json()
    assert body["results"][:2] == [definition_body(seen, seen=True), definition_body(unseen, seen=False)]
    assert [row["name"] for row in body["results"]] == ["zeta", "alpha", "other"]
    only = client.get(definitions_url(team, query + "&filter_by_event_names=true")).json()
    assert [row["name"] for row in only["results"]] == ["zeta"]


@pytest.mark.parametrize(
    ("query", "attr", "detail"),
    [
        ("?type=group", None, "`group_type_index` must be set for `group` type"),
        ("?type=person&group_type_index=0", None, "`group_type_index` can only set for `group` type"),
        ("?type=group&group_type_index=5", None, "Invalid value for `group_type_index`"),
        ("?type=person&event_names=" + quote('["a"]'), None, "`event_names` can only be set for `event` type"),
        ("?type=cohort", "type", "Select a valid choice. cohort is not one of the available choices."),
        ("?event_names=notjson", "event_names", "`event_names` must be a JSON-encoded list of strings."),
        (
            "?excluded_properties=" + quote('{"a": 1}'),
            "excluded_properties",
            "`excluded_properties` must be a JSON-encoded list of strings.",
        ),
    ],
)
def test_bad_list_parameters_answer_400(client, team, query, attr, detail):
    response = client.get(definitions_url(team, query))
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["detail"]) == (attr, detail)


def test_listing_costs_the_same_queries_for_2_or_30_definitions(client, user, team, django_assert_num_queries):
    for index in range(2):
        make_definition(team, f"a{index}", updated_by=user, verified_by=user)
    client.get(definitions_url(team))
    with django_assert_num_queries(4):  # the environment comes with the caller's membership
        client.get(definitions_url(team))
    for index in range(28):
        make_definition(team, f"b{index}", updated_by=user)
    with django_assert_num_queries(4):
        assert client.get(definitions_url(team)).json()["count"] == 30


def test_definitions_of_every_environment_of_the_project_are_listed(client, user, team):
    other_environment = environment_create(project=team.project, user=user, name="Staging")
    make_definition(other_environment, "from_staging")
    make_definition(team, "from_production")
    assert sorted(names(client.get(definitions_url(team)))) == ["from_production", "from_staging"]


def test_definitions_of_another_project_stay_hidden(client, user, organization, team):
    _, other_team = project_create(organization=organization, created_by=user, name="Other")
    theirs = make_definition(other_team, "theirs")
    assert names(client.get(definitions_url(team))) == []
    assert client.get(definitions_url(team, f"{theirs.id}/")).json() == not_found()
    assert client.delete(definitions_url(team, f"{theirs.id}/")).status_code == 404
    assert PropertyDefinition.objects.filter(pk=theirs.pk).exists()


def test_another_organizations_key_sees_nothing(team):
    make_definition(team, "mine")
    outsider = make_user()
    make_organization(outsider)
    response = key_client(make_key(outsider)).get(definitions_url(team))
    assert response.json() == permission_denied("You don't have access to the project.")


# --- retrieve / update / delete ---


def test_retrieve(client, team):
    definition = make_definition(team, "amount", property_type="Numeric", description="Order total", tags=["money"])
    response = client.get(definitions_url(team, f"{definition.id}/"))
    assert response.status_code == 200
    assert response.json() == definition_body(definition)


@pytest.mark.parametrize("kind", [PERSON, GROUP, SESSION])
def test_detail_routes_reach_every_definition_type_not_only_events(client, team, kind):
    """The list's `type` filter (default `event`) must not turn person/group/session detail routes into 404s."""
    group_type_index = 0 if kind == GROUP else None
    definition = make_definition(team, "plan", kind=kind, property_type="String", group_type_index=group_type_index)
    assert client.get(definitions_url(team, f"{definition.id}/")).json() == definition_body(definition)
    response = client.patch(definitions_url(team, f"{definition.id}/"), {"property_type": "Numeric"})
    assert (response.status_code, response.json()["property_type"]) == (200, "Numeric")
    assert client.delete(definitions_url(team, f"{definition.id}/")).status_code == 204
    assert not PropertyDefinition.objects.filter(pk=definition.pk).exists()


def test_retrieve_an_unknown_or_malformed_id_is_404(client, team):
    assert client.get(definitions_url(team, "00000000-0000-0000-0000-000000000000/")).json() == not_found()
    assert client.get(definitions_url(team, "nope/")).json() == not_found()


def test_patch_changes_the_type_and_keeps_is_numerical_in_step(client, user, team):
    definition = make_definition(team, "amount", property_type="String")
    response = client.patch(
        definitions_url(team, f"{definition.id}/"), {"property_type": "Numeric", "is_numerical": False, "name": "x"}
    )
    assert response.status_code == 200
    definition.refresh_from_db()
    assert (definition.name, definition.property_type, definition.is_numerical) == ("amount", "Numeric", True)
    assert definition.updated_by == user
    assert response.json() == definition_body(definition)
    entry = ActivityLog.objects.get(scope="PropertyDefinition")
    assert (entry.activity, entry.item_id, entry.detail["name"]) == ("changed", str(definition.id), "amount")
    assert entry.detail["changes"] == [
        {"type": "PropertyDefinition", "action": "changed", "field": "is_numerical", "before": False, "after": True},
        {
            "type": "PropertyDefinition",
            "action": "changed",
            "field": "property_type",
            "before": "String",
            "after": "Numeric",
        },
    ]


def test_put_edits_the_taxonomy_fields(client, user, team):
    definition = make_definition(team, "plan")
    body = {
        "name": "plan",
        "description": "Billing plan",
        "tags": ["billing"],
        "property_type": "String",
        "verified": True,
    }
    response = client.put(definitions_url(team, f"{definition.id}/"), body)
    assert response.status_code == 200
    definition.refresh_from_db()
    assert (definition.description, definition.tags, definition.verified, definition.verified_by) == (
        "Billing plan",
        ["billing"],
        True,
        user,
    )
    assert definition.verified_at is not None
    assert response.json() == definition_body(definition)


def test_hiding_a_verified_definition_unverifies_it_and_the_reverse(client, team):
    definition = make_definition(team, "plan", verified=True)
    client.patch(definitions_url(team, f"{definition.id}/"), {"hidden": True})
    definition.refresh_from_db()
    assert (definition.hidden, definition.verified, definition.verified_at) == (True, False, None)
    client.patch(definitions_url(team, f"{definition.id}/"), {"verified": True})
    definition.refresh_from_db()
    assert (definition.hidden, definition.verified) == (False, True)


def test_hidden_and_verified_together_is_400(client, team):
    definition = make_definition(team, "plan")
    response = client.patch(definitions_url(team, f"{definition.id}/"), {"hidden": True, "verified": True})
    assert response.json() == error(
        "validation_error", "invalid_input", "A property cannot be both hidden and verified"
    )
    definition.refresh_from_db()
    assert (definition.hidden, definition.verified) == (False, False)


def test_an_unknown_property_type_is_400(client, team):
    definition = make_definition(team, "plan", property_type="String")
    response = client.patch(definitions_url(team, f"{definition.id}/"), {"property_type": "Text"})
    assert response.json() == error(
        "validation_error", "invalid_choice", '"Text" is not a valid choice.', "property_type"
    )
    definition.refresh_from_db()
    assert definition.property_type == "String"


def test_delete(client, team):
    definition = make_definition(team, "plan")
    response = client.delete(definitions_url(team, f"{definition.id}/"))
    assert response.status_code == 204
    assert not PropertyDefinition.objects.exists()
    entry = ActivityLog.objects.get(scope="PropertyDefinition")
    assert (entry.activity, entry.item_id, entry.detail["name"]) == ("deleted", str(definition.id), "plan")


def test_creating_definitions_is_not_an_operation(client, user, team):
    response = client.post(definitions_url(team), {"name": "new"})
    assert response.json() == permission_denied("This action does not support personal API key access")
    session = APIClient()
    session.force_login(user)
    assert session.post(definitions_url(team), {"name": "new"}).status_code == 405
    assert not PropertyDefinition.objects.exists()


# --- seen_together ---


def test_seen_together_answers_per_event(client, team):
    EventProperty.objects.create(team=team, project_id=team.project_id, event="$pageview", property="plan")
    response = client.get(
        definitions_url(team, "seen_together/?event_names=$pageview&event_names=signup&property_name=plan")
    )
    assert response.status_code == 200
    assert response.json() == {"$pageview": True, "signup": False}


@pytest.mark.parametrize(
    ("query", "attr"), [("?property_name=plan", "event_names"), ("?event_names=a", "property_name")]
)
def test_seen_together_needs_both_parameters(client, team, query, attr):
    response = client.get(definitions_url(team, f"seen_together/{query}"))
    assert response.json() == error("validation_error", "invalid_input", "This query parameter is required.", attr)


# --- scopes ---


@pytest.mark.parametrize(
    ("method", "suffix", "scope"),
    [
        ("get", "", "property_definition:read"),
        ("get", "{id}/", "property_definition:read"),
        ("get", "seen_together/?event_names=a&property_name=b", "property_definition:read"),
        ("patch", "{id}/", "property_definition:write"),
        ("put", "{id}/", "property_definition:write"),
        ("delete", "{id}/", "property_definition:write"),
    ],
)
def test_each_operation_needs_its_scope(user, team, method, suffix, scope):
    definition = make_definition(team, "plan")
    held = "person:read" if scope.endswith("read") else "property_definition:read"
    wrong = key_client(make_key(user, scopes=[held]))
    response = getattr(wrong, method)(
        definitions_url(team, suffix.format(id=definition.id)), {"description": "x", "name": "plan"}
    )
    assert response.status_code == 403
    assert response.json() == permission_denied(f"API key missing required scope '{scope}'")
    definition.refresh_from_db()
    assert definition.description == ""
