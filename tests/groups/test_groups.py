import datetime as dt

import pytest

from activity.models import ActivityLog
from definitions.models import PropertyDefinition
from groups.models import Group
from groups.pagination import decode_cursor, encode_cursor
from ingestion.models import Event
from posthog_api.testing import error, key_client, make_key, make_organization, make_user, not_found, permission_denied
from projects.services.creation import project_create
from tests.persons.builders import BASE_TIME, iso, make_event, make_group, make_group_type, make_person

GROUP_TYPE_INDEX_REQUIRED = (
    "You must pass ?group_type_index= in this URL. To get a list of valid group types, call "
    "/api/:project_id/groups_types/."
)
QUERY_REQUIRED = "This query parameter is required."


def groups_url(team, action: str = "", query: str = "", root: str = "environments") -> str:
    suffix = f"{action}/" if action else ""
    return f"/api/{root}/{team.id}/groups/{suffix}{query}"


def group_body(group: Group) -> dict:
    group.refresh_from_db()
    return {
        "group_type_index": group.group_type_index,
        "group_key": group.group_key,
        "group_properties": group.group_properties,
        "created_at": iso(group.created_at),
    }


@pytest.fixture
def company(team):
    return make_group_type(team, "company", 0)


# --- list ---


def test_list_answers_groups_of_one_type_newest_first(client, team, company):
    make_group_type(team, "team", 1)
    older = make_group(team, 0, "acme", {"name": "Acme"})
    newer = make_group(team, 0, "globex", {"name": "Globex"})
    make_group(team, 1, "team-a")
    response = client.get(groups_url(team, query="?group_type_index=0"))
    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": [group_body(newer), group_body(older)]}


def test_the_projects_route_reads_the_same_environment(client, team, company):
    group = make_group(team, 0, "acme")
    assert client.get(groups_url(team, query="?group_type_index=0", root="projects")).json()["results"] == [
        group_body(group)
    ]


def test_list_pages_forward_with_an_opaque_cursor(client, team, company):
    same_time = BASE_TIME + dt.timedelta(days=30)
    groups = [make_group(team, 0, f"g{index:03}", created_at=same_time) for index in range(100)]
    groups.append(make_group(team, 0, "newest", created_at=same_time + dt.timedelta(seconds=1)))
    first = client.get(groups_url(team, query="?group_type_index=0&search=")).json()
    assert len(first["results"]) == 100
    assert first["results"][0]["group_key"] == "newest"
    assert first["results"][1]["group_key"] == "g099"
    assert first["previous"] is None
    cursor = encode_cursor(same_time, "g001")
    assert (
        first["next"]
        == f"http://testserver/api/environments/{team.id}/groups/?cursor={cursor}&group_type_index=0&search="
    )
    second = client.get(first["next"]).json()
    assert second == {"next": None, "previous": None, "results": [group_body(groups[0])]}


def test_an_undecodable_cursor_restarts_at_page_one(client, team, company):
    group = make_group(team, 0, "acme")
    assert decode_cursor("%%%") is None
    body = client.get(groups_url(team, query="?group_type_index=0&cursor=bm90LWpzb24")).json()
    assert body["results"] == [group_body(group)]


def test_search_matches_property_text_or_the_exact_key(client, team, company):
    by_property = make_group(team, 0, "g-1", {"industry": "Rocket Science"})
    by_key = make_group(team, 0, "rocket")
    make_group(team, 0, "rocketeer")
    keys = [
        row["group_key"]
        for row in client.get(groups_url(team, query="?group_type_index=0&search=ROCKET")).json()["results"]
    ]
    assert keys == [by_key.group_key, by_property.group_key]


def test_group_key_filter_is_a_substring_match(client, team, company):
    make_group(team, 0, "acme-eu")
    make_group(team, 0, "globex")
    body = client.get(groups_url(team, query="?group_type_index=0&group_key=ACME")).json()
    assert [row["group_key"] for row in body["results"]] == ["acme-eu"]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", GROUP_TYPE_INDEX_REQUIRED),
        ("?group_type_index=", GROUP_TYPE_INDEX_REQUIRED),
        ("?group_type_index=x", "A valid integer is required."),
    ],
)
def test_list_needs_an_integer_group_type_index(client, team, query, detail):
    response = client.get(groups_url(team, query=query))
    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert response.json()["attr"] == "group_type_index"


def test_listing_costs_the_same_queries_for_2_or_40_groups(client, team, company, django_assert_num_queries):
    for index in range(2):
        make_group(team, 0, f"a{index}")
    client.get(groups_url(team, query="?group_type_index=0"))
    with django_assert_num_queries(3):  # the environment comes with the caller's membership
        client.get(groups_url(team, query="?group_type_index=0"))
    for index in range(38):
        make_group(team, 0, f"b{index}")
    with django_assert_num_queries(3):
        assert len(client.get(groups_url(team, query="?group_type_index=0")).json()["results"]) == 40


# --- create ---


def test_create_stores_the_group_and_its_property_definitions(client, user, team, company):
    body = {"group_type_index": 0, "group_key": "acme", "group_properties": {"seats": 10, "paid": "TRUE", "name": "A"}}
    response = client.post(groups_url(team), body)
    assert response.status_code == 201
    group = Group.objects.get(team=team, group_key="acme")
    assert response.json() == group_body(group)
    assert group.group_properties == {"seats": 10, "paid": "TRUE", "name": "A"}
    definitions = PropertyDefinition.objects.filter(team=team, type=3, group_type_index=0)
    assert {(d.name, d.property_type, d.is_numerical) for d in definitions} == {
        ("seats", "Numeric", True),
        ("paid", "Boolean", False),
        ("name", "String", False),
    }
    entry = ActivityLog.objects.get(scope="Group")
    assert (entry.activity, entry.user, entry.item_id) == ("create_group", user, str(group.pk))


def test_create_without_properties(client, team, company):
    response = client.post(groups_url(team), {"group_type_index": 0, "group_key": "bare", "group_properties": None})
    assert response.status_code == 201
    assert response.json()["group_properties"] == {}


def test_create_a_duplicate_key_is_400(client, team, company):
    make_group(team, 0, "acme", {"a": 1})
    response = client.post(groups_url(team), {"group_type_index": 0, "group_key": "acme", "group_properties": {"b": 2}})
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "A group with this key already exists", "detail"
    )
    assert Group.objects.get(team=team).group_properties == {"a": 1}
    assert not PropertyDefinition.objects.exists()


def test_create_for_a_group_type_that_does_not_exist_is_404_and_writes_nothing(client, team):
    response = client.post(groups_url(team), {"group_type_index": 3, "group_key": "acme"})
    assert response.json() == not_found()
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr", "detail"),
    [
        ({"group_key": "x"}, "group_type_index", "This field is required."),
        ({"group_type_index": 0}, "group_key", "This field is required."),
        (
            {"group_type_index": 0, "group_key": "x" * 401},
            "group_key",
            "Ensure this field has no more than 400 characters.",
        ),
        (
            {"group_type_index": 0, "group_key": "x", "group_properties": [1]},
            "group_properties",
            "Group properties must be an object.",
        ),
    ],
)
def test_create_validates_its_body(client, team, company, body, attr, detail):
    response = client.post(groups_url(team), body)
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["detail"]) == (attr, detail)
    assert not Group.objects.exists()


# --- find ---


def test_find_answers_the_group_with_its_notebook(client, team, company):
    group = make_group(team, 0, "acme", {"a": 1})
    response = client.get(groups_url(team, "find", "?group_type_index=0&group_key=acme"))
    assert response.json() == {**group_body(group), "notebook": None}
    assert client.get(groups_url(team, "find", "?group_type_index=0&group_key=ACME")).json() == not_found()


@pytest.mark.parametrize(
    ("query", "attr"), [("?group_key=acme", "group_type_index"), ("?group_type_index=0", "group_key")]
)
def test_find_needs_both_parameters(client, team, company, query, attr):
    response = client.get(groups_url(team, "find", query))
    assert response.json() == error("validation_error", "required", QUERY_REQUIRED, attr)


# --- update_property / delete_property ---


def test_update_property_sets_the_value_and_its_definition(client, team, company):
    group = make_group(team, 0, "acme", {"seats": 1})
    response = client.post(
        groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), {"key": "seats", "value": 5}
    )
    assert response.status_code == 200
    assert response.json() == group_body(group)
    group.refresh_from_db()
    assert (group.group_properties, group.version) == ({"seats": 5}, 1)
    definition = PropertyDefinition.objects.get(team=team, name="seats", type=3)
    assert (definition.property_type, definition.group_type_index) == ("Numeric", 0)
    entry = ActivityLog.objects.get(scope="Group")
    assert entry.activity == "update_property"
    assert entry.detail["changes"] == [
        {"type": "Group", "action": "changed", "field": "seats", "before": 1, "after": 5}
    ]


def test_update_property_of_a_new_key_logs_create_property_and_retypes_the_definition(client, team, company):
    make_group(team, 0, "acme")
    PropertyDefinition.objects.create(
        team=team,
        project_id=team.project_id,
        name="plan",
        type=3,
        group_type_index=0,
        property_type="Numeric",
        is_numerical=True,
    )
    client.post(
        groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), {"key": "plan", "value": "pro"}
    )
    assert ActivityLog.objects.get(scope="Group").activity == "create_property"
    definition = PropertyDefinition.objects.get(team=team, name="plan")
    assert (definition.property_type, definition.is_numerical) == ("String", False)


@pytest.mark.parametrize(
    ("body", "attr", "detail"),
    [
        ({"value": 1}, "key", "This field is required."),
        ({"key": "a"}, "value", "This field is required."),
        ({"key": "a", "value": None}, "value", "This field may not be null."),
    ],
)
def test_update_property_validates_its_body(client, team, company, body, attr, detail):
    group = make_group(team, 0, "acme", {"a": 0})
    response = client.post(
        groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), body, format="json"
    )
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["detail"]) == (attr, detail)
    group.refresh_from_db()
    assert group.group_properties == {"a": 0}


def test_update_property_of_an_unknown_group_is_404(client, team, company):
    response = client.post(
        groups_url(team, "update_property", "?group_type_index=0&group_key=nope"), {"key": "a", "value": 1}
    )
    assert response.json() == not_found()
    assert not PropertyDefinition.objects.exists()


def test_delete_property_removes_the_key(client, team, company):
    group = make_group(team, 0, "acme", {"a": 1, "b": 2})
    response = client.post(groups_url(team, "delete_property", "?group_type_index=0&group_key=acme"), {"$unset": "a"})
    assert response.status_code == 200
    assert response.json() == group_body(group)
    assert group.group_properties == {"b": 2}
    entry = ActivityLog.objects.get(scope="Group")
    assert entry.activity == "update_property"
    assert entry.detail["changes"] == [{"type": "Group", "action": "deleted", "field": "a", "before": 1, "after": None}]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "This field is required and must be a string (the property name to delete)."),
        ({"$unset": 5}, "This field is required and must be a string (the property name to delete)."),
        ({"$unset": "missing"}, "Property 'missing' does not exist on this group."),
    ],
)
def test_delete_property_refusals(client, team, company, body, detail):
    group = make_group(team, 0, "acme", {"a": 1})
    response = client.post(
        groups_url(team, "delete_property", "?group_type_index=0&group_key=acme"), body, format="json"
    )
    assert response.json() == error("validation_error", "invalid_input", detail, "$unset")
    group.refresh_from_db()
    assert (group.group_properties, group.version) == ({"a": 1}, 0)


# --- property_definitions / property_values ---


def test_property_definitions_counts_keys_per_group_type(client, team, company):
    make_group_type(team, "team", 1)
    make_group(team, 0, "a", {"name": "A", "seats": 1})
    make_group(team, 0, "b", {"name": "B"})
    make_group(team, 1, "t", {"lead": "x"})
    assert client.get(groups_url(team, "property_definitions")).json() == {
        "0": [{"name": "name", "count": 2}, {"name": "seats", "count": 1}],
        "1": [{"name": "lead", "count": 1}],
    }


def test_property_values_counts_each_value(client, team, company):
    for plan in ("pro", "pro", "free", True):
        make_group(team, 0, f"g-{plan}-{Group.objects.count()}", {"plan": plan})
    response = client.get(groups_url(team, "property_values", "?group_type_index=0&key=plan"))
    assert response.json() == {
        "results": [{"name": "pro", "count": 2}, {"name": "free", "count": 1}, {"name": "true", "count": 1}],
        "refreshing": False,
    }
    filtered = client.get(groups_url(team, "property_values", "?group_type_index=0&key=plan&value=FR")).json()
    assert filtered == {"results": [{"name": "free", "count": 1}], "refreshing": False}


def test_property_values_needs_type_and_key(client, team):
    response = client.get(groups_url(team, "property_values", "?group_type_index=0"))
    assert response.json() == error("validation_error", "required", QUERY_REQUIRED, "key")


# --- related ---


def test_related_of_a_group_lists_its_persons_and_other_groups(client, team, company):
    make_group_type(team, "project", 1)
    acme = make_group(team, 0, "acme")
    project = make_group(team, 1, "apollo")
    make_group(team, 1, "unrelated")
    person = make_person(team, ["rel-1"], {"email": "rel@example.com"}, is_identified=True)
    make_person(team, ["rel-2"])
    make_event(team, "rel-1", properties={"$group_0": "acme", "$group_1": "apollo"})
    make_event(team, "rel-2", properties={"$group_0": "other"})
    response = client.get(groups_url(team, "related", "?group_type_index=0&id=acme"))
    assert response.status_code == 200
    assert response.json() == [
        {
            "type": "person",
            "id": str(person.uuid),
            "uuid": str(person.uuid),
            "created_at": person.created_at.isoformat(),
            "properties": {"email": "rel@example.com"},
            "is_identified": True,
            "name": "rel@example.com",
            "distinct_ids": ["rel-1"],
            "matched_recordings": [],
            "value_at_data_point": None,
        },
        {
            "type": "group",
            "id": "apollo",
            "group_key": "apollo",
            "group_type_index": 1,
            "created_at": project.created_at.isoformat(),
            "properties": {},
            "matched_recordings": [],
            "value_at_data_point": None,
        },
    ]
    person_related = client.get(groups_url(team, "related", f"?group_type_index=&id={person.uuid}")).json()
    assert [(row["type"], row["id"]) for row in person_related] == [("group", acme.group_key), ("group", "apollo")]


def test_related_needs_an_id(client, team):
    response = client.get(groups_url(team, "related", "?group_type_index=0"))
    assert response.json() == error("validation_error", "required", QUERY_REQUIRED, "id")


def test_related_of_an_unknown_person_is_empty(client, team):
    assert client.get(groups_url(team, "related", "?id=not-a-uuid")).json() == []


# --- activity ---


def test_activity_pages_one_groups_changes(client, team, company):
    make_group(team, 0, "acme", {"a": 1})
    make_group(team, 0, "other", {"a": 1})
    client.post(groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), {"key": "a", "value": 2})
    client.post(groups_url(team, "update_property", "?group_type_index=0&group_key=other"), {"key": "a", "value": 3})
    body = client.get(groups_url(team, "activity", "?group_type_index=0&id=acme")).json()
    assert body["total_count"] == 1
    assert body["results"][0]["detail"]["changes"][0]["after"] == 2
    by_key = client.get(groups_url(team, "activity", "?group_type_index=0&group_key=acme")).json()
    assert by_key == body
    assert client.get(groups_url(team, "activity", "?group_type_index=0&id=nope")).json() == not_found()


# --- scopes and tenants ---


@pytest.mark.parametrize(
    ("method", "action", "query", "scope"),
    [
        ("get", "", "?group_type_index=0", "group:read"),
        ("get", "find", "?group_type_index=0&group_key=acme", "group:read"),
        ("get", "property_definitions", "", "group:read"),
        ("get", "property_values", "?group_type_index=0&key=a", "group:read"),
        ("get", "related", "?group_type_index=0&id=acme", "group:read"),
        ("get", "activity", "?group_type_index=0&id=acme", "activity_log:read"),
        ("post", "", "", "group:write"),
        ("post", "update_property", "?group_type_index=0&group_key=acme", "group:write"),
        ("post", "delete_property", "?group_type_index=0&group_key=acme", "group:write"),
    ],
)
def test_each_operation_needs_its_scope(user, team, company, method, action, query, scope):
    group = make_group(team, 0, "acme", {"a": 1})
    wrong = key_client(make_key(user, scopes=["person:write"]))
    body = {"group_type_index": 0, "group_key": "new", "key": "a", "value": 2, "$unset": "a"}
    response = getattr(wrong, method)(groups_url(team, action, query), body if method == "post" else None)
    assert response.status_code == 403
    assert response.json() == permission_denied(f"API key missing required scope '{scope}'")
    group.refresh_from_db()
    assert group.group_properties == {"a": 1} and Group.objects.count() == 1


def test_groups_of_another_environment_stay_hidden(client, user, organization, team, company):
    _, other_team = project_create(organization=organization, created_by=user, name="Other")
    make_group_type(other_team, "company", 0)
    make_group(other_team, 0, "acme", {"a": 1})
    assert client.get(groups_url(team, query="?group_type_index=0")).json()["results"] == []
    assert client.get(groups_url(team, "find", "?group_type_index=0&group_key=acme")).status_code == 404
    response = client.post(
        groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), {"key": "a", "value": 2}
    )
    assert response.status_code == 404
    assert Group.objects.get(team=other_team).group_properties == {"a": 1}


def test_another_organizations_key_sees_nothing(team, company):
    make_group(team, 0, "acme")
    outsider = make_user()
    make_organization(outsider)
    response = key_client(make_key(outsider)).get(groups_url(team, query="?group_type_index=0"))
    assert response.json() == permission_denied("You don't have access to the project.")


def test_writes_record_posthogs_group_events_as_the_project(client, team, company):
    client.post(groups_url(team), {"group_type_index": 0, "group_key": "acme", "group_properties": {"seats": 1}})
    client.post(groups_url(team, "update_property", "?group_type_index=0&group_key=acme"), {"key": "seats", "value": 2})
    client.post(groups_url(team, "delete_property", "?group_type_index=0&group_key=acme"), {"$unset": "seats"})
    events = Event.objects.filter(team=team).order_by("timestamp")
    assert [(event.event, event.distinct_id, event.properties) for event in events] == [
        (
            "$groupidentify",
            str(team.uuid),
            {
                "$group_type": "company",
                "$group_key": "acme",
                "$group_set": {"seats": 1},
                "$process_person_profile": False,
            },
        ),
        (
            "$groupidentify",
            str(team.uuid),
            {
                "$group_type": "company",
                "$group_key": "acme",
                "$group_set": {"seats": 2},
                "$process_person_profile": False,
            },
        ),
        (
            "$delete_group_property",
            str(team.uuid),
            {
                "$group_type": "company",
                "$group_key": "acme",
                "$group_unset": ["seats"],
                "$process_person_profile": False,
            },
        ),
    ]
    assert not PropertyDefinition.objects.filter(team=team, type=1).exists()
