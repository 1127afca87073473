import pytest

from activity.models import ActivityLog
from definitions.models import EventDefinition, PropertyDefinition
from ingestion.models import Event
from persons.models import Person, PersonDistinctId
from posthog_api.testing import error, key_client, make_key, make_organization, make_user, not_found, permission_denied
from projects.services.creation import project_create
from tests.persons.builders import make_event, make_person, person_body

REQUIRED = "This field is required."


def person_url(team, person_id, action: str = "", root: str = "environments") -> str:
    suffix = f"{action}/" if action else ""
    return f"/api/{root}/{team.id}/persons/{person_id}/{suffix}"


def quirky_required(field: str) -> dict:
    return {"type": "validation_error", "code": REQUIRED, "detail": "required", "attr": field}


@pytest.mark.parametrize("lookup", ["pk", "uuid"])
def test_retrieve_by_integer_id_or_uuid(client, team, lookup):
    person = make_person(team, ["olive", "olive-phone"], {"email": "olive@example.com"})
    response = client.get(person_url(team, getattr(person, lookup)))
    assert response.status_code == 200
    assert response.json() == person_body(person)


def test_retrieve_through_the_projects_route(client, team):
    person = make_person(team, ["pat"])
    assert client.get(person_url(team, person.pk, root="projects")).json() == person_body(person)


def test_an_id_that_is_neither_an_integer_nor_a_uuid_is_400(client, team):
    response = client.get(person_url(team, "some-distinct-id"))
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "The ID provided does not look like a personID. If you are using a distinctId, please use "
        "/persons?distinct_id=some-distinct-id instead.",
    )


def test_unknown_person_is_404(client, team):
    assert client.get(person_url(team, 987654)).json() == not_found()
    assert client.get(person_url(team, "00000000-0000-0000-0000-000000000000")).status_code == 404


def test_a_person_of_another_environment_is_404(client, user, organization, team):
    _, other_team = project_create(organization=organization, created_by=user, name="Other")
    theirs = make_person(other_team, ["quinn"])
    assert client.get(person_url(team, theirs.pk)).status_code == 404
    assert client.delete(person_url(team, theirs.pk)).status_code == 404
    assert client.patch(person_url(team, theirs.pk), {"properties": {"a": 1}}).status_code == 404
    assert Person.objects.get(pk=theirs.pk).properties == {}


def test_another_organizations_key_cannot_read_or_delete(team):
    person = make_person(team, ["rita"])
    outsider = make_user()
    make_organization(outsider)
    outsider_client = key_client(make_key(outsider))
    for response in (
        outsider_client.get(person_url(team, person.pk)),
        outsider_client.delete(person_url(team, person.pk)),
    ):
        assert response.status_code == 403
        assert response.json() == permission_denied("You don't have access to the project.")
    assert Person.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_sets_the_given_properties_and_keeps_the_others(client, user, team, method):
    person = make_person(team, ["sam"], {"email": "sam@example.com", "plan": "free"})
    response = getattr(client, method)(
        person_url(team, person.pk), {"properties": {"plan": "pro", "seats": 3}, "name": "ignored"}, format="json"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.properties == {"email": "sam@example.com", "plan": "pro", "seats": 3}
    assert person.version == 1
    assert person.properties_last_operation == {"plan": "set", "seats": "set"}
    assert response.json() == person_body(person)
    entry = ActivityLog.objects.get(scope="Person", item_id=str(person.pk))
    assert (entry.activity, entry.user, entry.team_id) == ("updated", user, team.pk)
    assert entry.detail["changes"] == [
        {
            "type": "Person",
            "action": "changed",
            "field": "properties",
            "before": {"email": "sam@example.com", "plan": "free"},
            "after": {"email": "sam@example.com", "plan": "pro", "seats": 3},
        }
    ]


def test_update_without_properties_answers_posthogs_swapped_error(client, team):
    person = make_person(team, ["tara"], {"a": 1})
    response = client.put(person_url(team, person.pk), {"name": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == quirky_required("properties")


def test_update_with_properties_that_are_not_an_object_writes_nothing(client, team):
    person = make_person(team, ["uma"], {"a": 1})
    response = client.patch(person_url(team, person.pk), {"properties": ["a"]}, format="json")
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "not_a_dict", 'Expected a dictionary of items but got type "list".', "properties"
    )
    person.refresh_from_db()
    assert (person.properties, person.version) == ({"a": 1}, 0)
    assert not ActivityLog.objects.exists()


def test_update_accepts_json_only(client, team):
    person = make_person(team, ["vic"])
    response = client.put(person_url(team, person.pk), {"properties": "x"}, format="multipart")
    assert response.status_code == 415


def test_an_unchanged_update_writes_nothing(client, team):
    person = make_person(team, ["walt"], {"plan": "pro"})
    assert client.patch(person_url(team, person.pk), {"properties": {"plan": "pro"}}, format="json").status_code == 200
    person.refresh_from_db()
    assert person.version == 0
    assert not ActivityLog.objects.exists()


def test_delete_frees_the_distinct_ids_and_keeps_events_by_default(client, user, team):
    person = make_person(team, ["xena", "xena-phone"], {"email": "xena@example.com"})
    make_event(team, "xena")
    response = client.delete(person_url(team, person.pk))
    assert response.status_code == 204
    assert response.content == b""
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not PersonDistinctId.objects.filter(team=team).exists()
    assert Event.objects.filter(team=team).count() == 1
    entry = ActivityLog.objects.get(scope="Person")
    assert (entry.activity, entry.item_id, entry.detail["name"]) == ("deleted", str(person.pk), "xena@example.com")


def test_delete_with_delete_events_removes_the_persons_events_only(client, team):
    person = make_person(team, ["yara", "yara-phone"])
    make_event(team, "yara")
    make_event(team, "yara-phone")
    make_event(team, "someone-else", person=None)
    make_event(team, "renamed", person=person)
    assert client.delete(person_url(team, person.pk) + "?delete_events=true").status_code == 204
    assert list(Event.objects.filter(team=team).values_list("distinct_id", flat=True)) == ["someone-else"]


def test_delete_events_false_keeps_events(client, team):
    person = make_person(team, ["zed"])
    make_event(team, "zed")
    assert client.delete(person_url(team, person.pk) + "?delete_events=false").status_code == 204
    assert Event.objects.filter(team=team).count() == 1


def test_creating_persons_is_refused_with_posthogs_message(client, team):
    response = client.post(f"/api/environments/{team.id}/persons/", {"properties": {}}, format="json")
    assert response.status_code == 405
    assert response.json() == error(
        "invalid_request",
        "method_not_allowed",
        "Creating persons via this API is not allowed. Please create persons by sending an $identify event. "
        "See https://posthog.com/docs/product-analytics/identify for details.",
    )
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", {"properties": {"a": 1}}), ("patch", {"properties": {"a": 1}}), ("delete", None)],
)
def test_writes_need_person_write(user, team, method, body):
    person = make_person(team, ["abe"])
    reader = key_client(make_key(user, scopes=["person:read"]))
    response = getattr(reader, method)(person_url(team, person.pk), body, format="json")
    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'person:write'")
    person.refresh_from_db()
    assert person.properties == {}


def test_person_write_also_reads(user, team):
    person = make_person(team, ["bea"])
    writer = key_client(make_key(user, scopes=["person:write"]))
    assert writer.get(person_url(team, person.pk)).json() == person_body(person)


def test_updates_record_posthogs_set_event_and_person_property_definitions(client, team):
    person = make_person(team, ["ida", "ida-phone"], {"plan": "free"})
    client.put(person_url(team, person.pk), {"properties": {"plan": "pro", "seats": 3}}, format="json")
    event = Event.objects.get(team=team)
    assert (event.event, event.distinct_id, event.person_id) == ("$set", "ida", person.uuid)
    assert event.properties == {"$set": {"plan": "pro", "seats": 3}}
    assert EventDefinition.objects.filter(team=team, name="$set").exists()
    definitions = PropertyDefinition.objects.filter(team=team, type=2).values_list("name", "property_type")
    assert sorted(definitions) == [("plan", "String"), ("seats", "Numeric")]
    assert not PropertyDefinition.objects.filter(team=team, type=1).exists()


def test_deleting_a_property_records_posthogs_delete_event(client, team):
    person = make_person(team, ["jon"], {"plan": "free"})
    client.post(person_url(team, person.pk, "delete_property"), {"$unset": "plan"})
    event = Event.objects.get(team=team)
    assert (event.event, event.distinct_id, event.properties) == (
        "$delete_person_property",
        "jon",
        {"$unset": ["plan"]},
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"properties": {"x": "a\\u0000b"}}', "unsupported Unicode escape sequence"),
        ('{"properties": {"x\\u0000": 1}}', "unsupported Unicode escape sequence"),
        ('{"properties": {"x": 1e999}}', "invalid input syntax for type json"),
        ('{"properties": {"x": "\\ud800"}}', "invalid input syntax for type json"),
    ],
)
def test_a_value_postgresql_cannot_store_is_a_400_and_nothing_changes(client, team, body, reason):
    person = make_person(team, ["nul"], {"x": "before"})

    response = client.patch(person_url(team, person.uuid), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", f"A value could not be stored: {reason}.")
    person.refresh_from_db()
    assert person.properties == {"x": "before"}
    assert not ActivityLog.objects.filter(item_id=str(person.pk)).exists()


def test_json_nested_deeper_than_the_stack_is_a_parse_error(client, team):
    person = make_person(team, ["deep"])
    body = '{"properties": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = client.patch(person_url(team, person.uuid), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid_request", "parse_error", "JSON parse error - the body is nested too deeply"
    )
