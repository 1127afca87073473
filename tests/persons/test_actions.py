import datetime as dt
import json
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityLog
from activity.services import activity_log_record
from ingestion.models import Event
from persons.models import Person, PersonDistinctId, PersonlessDistinctId, person_uuid_for
from posthog_api.testing import error, key_client, make_key, make_organization, make_user, not_found, permission_denied
from projects.services.creation import project_create
from tests.organizations.bodies import iso
from tests.persons.builders import distinct_ids_of, make_event, make_person, person_body
from tests.persons.test_detail import person_url, quirky_required

TOKEN_REFUSED = "This action does not support personal API key access"


def persons_url(team, action: str) -> str:
    return f"/api/environments/{team.id}/persons/{action}/"


# --- update_property / delete_property ---


def test_update_property_sets_one_key_and_answers_the_person(client, team):
    person = make_person(team, ["ann"], {"plan": "free"})
    response = client.post(person_url(team, person.pk, "update_property"), {"key": "plan", "value": "pro"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.properties == {"plan": "pro"}
    assert response.json() == person_body(person)
    assert ActivityLog.objects.get(scope="Person").activity == "updated"


def test_update_property_reads_key_and_value_from_the_query_string_as_the_schema_declares(client, team):
    """PostHog's schema declares `key`/`value` as query parameters, so a generated client sends them there."""
    person = make_person(team, ["amy"], {"plan": "free"})
    url = person_url(team, person.pk, "update_property") + "?key=plan&value=pro"
    response = client.post(url, {}, format="json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.properties == {"plan": "pro"}
    assert response.json() == person_body(person)


@pytest.mark.parametrize(
    ("body", "missing"),
    [({"key": "plan"}, "value"), ({"key": "plan", "value": None}, "value"), ({"value": 1}, "key"), ({}, "value")],
)
def test_update_property_needs_key_and_a_non_null_value(client, team, body, missing):
    person = make_person(team, ["ben"], {"plan": "free"})
    response = client.post(person_url(team, person.pk, "update_property"), body)
    assert response.status_code == 400
    assert response.json() == quirky_required(missing)
    person.refresh_from_db()
    assert person.properties == {"plan": "free"}


def test_delete_property_removes_the_key(client, team):
    person = make_person(team, ["cal"], {"plan": "free", "email": "cal@example.com"})
    response = client.post(person_url(team, person.pk, "delete_property"), {"$unset": "plan"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    person.refresh_from_db()
    assert (person.properties, person.version) == ({"email": "cal@example.com"}, 1)
    entry = ActivityLog.objects.get(scope="Person")
    assert (entry.activity, entry.detail["name"]) == ("delete_property", "cal@example.com")


def test_delete_property_of_an_absent_key_succeeds_without_a_write(client, team):
    person = make_person(team, ["dee"], {"plan": "free"})
    assert client.post(person_url(team, person.pk, "delete_property"), {"$unset": "nope"}).json() == {"success": True}
    person.refresh_from_db()
    assert person.version == 0


def test_delete_property_without_unset_is_400(client, team):
    person = make_person(team, ["eve"], {"plan": "free"})
    response = client.post(person_url(team, person.pk, "delete_property"), {"key": "plan"})
    assert response.status_code == 400
    assert response.json() == quirky_required("$unset")


# --- split ---


def test_split_gives_every_other_distinct_id_its_own_person(client, team):
    person = make_person(team, ["main", "anon-1", "anon-2"], {"email": "main@example.com"}, is_identified=True)
    response = client.post(person_url(team, person.pk, "split"), {"main_distinct_id": "main"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    person.refresh_from_db()
    assert distinct_ids_of(person) == ["main"]
    assert person.properties == {"email": "main@example.com"}
    for distinct_id in ("anon-1", "anon-2"):
        split_off = Person.objects.get(distinct_id_rows__distinct_id=distinct_id)
        assert split_off.uuid == person_uuid_for(team.pk, distinct_id)
        assert (split_off.properties, split_off.is_identified, split_off.version) == ({}, False, 1)
    entry = ActivityLog.objects.get(scope="Person")
    assert entry.activity == "split_person"
    assert entry.detail["changes"][0]["after"] == {"distinct_ids": ["main", "anon-1", "anon-2"]}


def test_split_without_a_main_id_keeps_the_first_and_clears_the_properties(client, team):
    person = make_person(team, ["first", "second"], {"email": "x@example.com"})
    assert client.post(person_url(team, person.pk, "split"), {}).status_code == 200
    person.refresh_from_db()
    assert (distinct_ids_of(person), person.properties) == (["first"], {})
    assert Person.objects.filter(team=team).count() == 2


def test_split_with_a_foreign_main_id_is_400_and_moves_nothing(client, team):
    person = make_person(team, ["one", "two"])
    response = client.post(person_url(team, person.pk, "split"), {"main_distinct_id": "three"})
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "This distinct id does not belong to the person.", "main_distinct_id"
    )
    assert distinct_ids_of(person) == ["one", "two"]


# --- deletes ---


def test_bulk_delete_by_distinct_ids(client, team):
    first = make_person(team, ["bd-1", "bd-1b"])
    second = make_person(team, ["bd-2"])
    kept = make_person(team, ["bd-3"])
    response = client.post(persons_url(team, "bulk_delete"), {"distinct_ids": ["bd-1b", "bd-2", "unknown"]})
    assert response.status_code == 202
    assert response.content == b""
    assert list(Person.objects.filter(team=team)) == [kept]
    deleted = set(ActivityLog.objects.filter(scope="Person", activity="deleted").values_list("item_id", flat=True))
    assert deleted == {str(first.pk), str(second.pk)}


def test_bulk_delete_by_person_uuids_with_their_events(client, team):
    person = make_person(team, ["bd-4"])
    other = make_person(team, ["bd-5"])
    make_event(team, "bd-4")
    make_event(team, "bd-5")
    body = {"ids": [str(person.uuid)], "delete_events": True}
    assert client.post(persons_url(team, "bulk_delete"), body).status_code == 202
    assert list(Person.objects.filter(team=team)) == [other]
    assert list(Event.objects.filter(team=team).values_list("distinct_id", flat=True)) == ["bd-5"]


def test_bulk_delete_reads_ids_from_the_query_too(client, team):
    make_person(team, ["bd-6"])
    assert client.post(persons_url(team, "bulk_delete") + "?distinct_ids=bd-6").status_code == 202
    assert not Person.objects.filter(team=team).exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "You need to specify either distinct_ids or ids"),
        ({"distinct_ids": [f"d{index}" for index in range(1001)]}, "You can only pass 1000 distinct_ids in one call"),
        (
            {"ids": [str(person_uuid_for(1, str(index))) for index in range(1001)]},
            "You can only pass 1000 ids in one call",
        ),
    ],
)
def test_bulk_delete_refusals_delete_nothing(client, team, body, detail):
    make_person(team, ["d1"])
    response = client.post(persons_url(team, "bulk_delete"), body)
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", detail)
    assert Person.objects.filter(team=team).count() == 1


def test_bulk_delete_never_reaches_another_environment(client, user, organization, team):
    _, other_team = project_create(organization=organization, created_by=user, name="Other")
    theirs = make_person(other_team, ["shared-id"])
    make_person(team, ["shared-id"])
    assert client.post(persons_url(team, "bulk_delete"), {"distinct_ids": ["shared-id"]}).status_code == 202
    assert list(Person.objects.all()) == [theirs]


def test_delete_events_keeps_the_person(client, team):
    person = make_person(team, ["de-1"])
    make_event(team, "de-1")
    response = client.post(person_url(team, person.pk, "delete_events"))
    assert (response.status_code, response.content) == (202, b"")
    assert not Event.objects.filter(team=team).exists()
    assert Person.objects.filter(pk=person.pk).exists()


def test_delete_recordings_accepts_and_has_nothing_to_delete(client, team):
    person = make_person(team, ["dr-1"])
    assert client.post(person_url(team, person.pk, "delete_recordings")).status_code == 202
    assert client.post(person_url(team, 424242, "delete_recordings")).json() == not_found()


def test_reset_person_distinct_id_forgets_a_personless_id(client, team):
    PersonlessDistinctId.objects.create(team=team, distinct_id="reused", is_merged=True)
    response = client.post(persons_url(team, "reset_person_distinct_id"), {"distinct_id": "reused"})
    assert (response.status_code, response.content) == (202, b"")
    assert not PersonlessDistinctId.objects.exists()


@pytest.mark.parametrize("body", [{}, {"distinct_id": 5}, {"distinct_id": ""}])
def test_reset_person_distinct_id_needs_a_string(client, team, body):
    response = client.post(persons_url(team, "reset_person_distinct_id"), body)
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "distinct_id is required")


# --- values, cohorts ---


def test_values_counts_each_value_of_a_key(client, team):
    for plan in ("pro", "pro", "free", True, {"tier": 1}):
        make_person(team, properties={"plan": plan})
    make_person(team, properties={"other": "x"})
    response = client.get(persons_url(team, "values") + "?key=plan")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "pro", "count": 2},
        {"name": "free", "count": 1},
        {"name": "true", "count": 1},
        {"name": '{"tier": 1}', "count": 1},
    ]
    assert client.get(persons_url(team, "values") + "?key=plan&value=RO").json() == [{"name": "pro", "count": 2}]


@pytest.mark.parametrize("query", ["", "?key=", "?key=$virt_revenue"])
def test_values_without_a_usable_key_is_empty(client, team, query):
    make_person(team, properties={"plan": "pro"})
    assert client.get(persons_url(team, "values") + query).json() == []


def test_cohorts_of_a_person_is_an_empty_list_here(client, team):
    person = make_person(team, ["co-1"])
    response = client.get(persons_url(team, "cohorts") + f"?person_id={person.uuid}")
    assert response.json() == {"results": []}
    assert client.get(persons_url(team, "cohorts")).json() == error(
        "validation_error", "invalid_input", "This query parameter is required.", "person_id"
    )
    assert client.get(persons_url(team, "cohorts") + "?person_id=99999").status_code == 404


def test_cohorts_needs_cohort_read_as_well(user, team):
    person = make_person(team, ["co-2"])
    reader = key_client(make_key(user, scopes=["person:read"]))
    response = reader.get(persons_url(team, "cohorts") + f"?person_id={person.pk}")
    assert response.json() == permission_denied("API key missing required scope 'cohort:read'")
    both = key_client(make_key(user, scopes=["person:read", "cohort:read"]))
    assert both.get(persons_url(team, "cohorts") + f"?person_id={person.pk}").status_code == 200


# --- properties_timeline ---


def test_properties_timeline_refuses_api_keys(client, team):
    person = make_person(team, ["pt-1"])
    response = client.get(person_url(team, person.pk, "properties_timeline"))
    assert response.status_code == 403
    assert response.json() == permission_denied(TOKEN_REFUSED)


def test_properties_timeline_replays_the_persons_property_updates(user, team):
    person = make_person(team, ["pt-2"], {"plan": "pro"})
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    make_event(team, "pt-2", "$identify", {"$set": {"plan": "free"}}, timestamp=start)
    make_event(team, "pt-2", "$pageview", {}, timestamp=start + dt.timedelta(hours=1))
    make_event(
        team,
        "pt-2",
        "$set",
        {"$set": {"plan": "pro"}, "$set_once": {"first": 1}},
        timestamp=start + dt.timedelta(hours=2),
    )
    session = APIClient()
    session.force_login(user)
    query = "?date_from=2026-03-01&date_to=2026-03-02&properties=" + quote(json.dumps([{"key": "plan"}]))
    response = session.get(person_url(team, person.pk, "properties_timeline") + query)
    assert response.status_code == 200
    assert response.json() == {
        "points": [
            {"timestamp": "2026-03-01T00:00:00+00:00", "properties": {"plan": "free"}, "relevant_event_count": 2},
            {
                "timestamp": "2026-03-01T02:00:00+00:00",
                "properties": {"plan": "pro", "first": 1},
                "relevant_event_count": 1,
            },
        ],
        "crucial_property_keys": ["plan"],
        "effective_date_from": "2026-03-01T00:00:00+00:00",
        "effective_date_to": "2026-03-02T23:59:59.999999+00:00",
    }


# --- activity ---


def test_activity_pages_list_every_person_change_and_one_persons(client, user, team):
    person = make_person(team, ["ac-1"])
    other = make_person(team, ["ac-2"])
    client.patch(person_url(team, person.pk), {"properties": {"a": 1}}, format="json")
    client.patch(person_url(team, other.pk), {"properties": {"b": 2}}, format="json")
    activity_log_record(scope="Person", activity="updated", item_id=person.pk, team_id=team.pk + 1000, changes=[{}])
    everything = client.get(persons_url(team, "activity"))
    assert everything.status_code == 200
    body = everything.json()
    assert body["total_count"] == 2 and body["next"] is None and body["previous"] is None
    assert [row["item_id"] for row in body["results"]] == [str(other.pk), str(person.pk)]
    mine = client.get(person_url(team, person.pk, "activity")).json()
    entry = ActivityLog.objects.get(team_id=team.pk, item_id=str(person.pk))
    assert mine == {
        "results": [
            {
                "id": str(entry.id),
                "user": {"first_name": user.first_name, "email": user.email},
                "activity": "updated",
                "scope": "Person",
                "item_id": str(person.pk),
                "detail": {
                    "changes": [
                        {"type": "Person", "action": "changed", "field": "properties", "before": {}, "after": {"a": 1}}
                    ],
                    "trigger": None,
                    "name": "ac-1",
                    "short_id": None,
                    "type": None,
                },
                "created_at": iso(entry.created_at),
            }
        ],
        "next": None,
        "previous": None,
        "total_count": 1,
    }


def test_activity_needs_activity_log_read(user, team):
    person = make_person(team, ["ac-3"])
    reader = key_client(make_key(user, scopes=["person:read"]))
    for url in (persons_url(team, "activity"), person_url(team, person.pk, "activity")):
        assert reader.get(url).json() == permission_denied("API key missing required scope 'activity_log:read'")


# --- scopes and tenants for actions ---


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("update_property", {"key": "a", "value": 1}),
        ("delete_property", {"$unset": "a"}),
        ("split", {}),
        ("delete_events", None),
        ("delete_recordings", None),
    ],
)
def test_person_write_actions_need_person_write(user, team, action, body):
    person = make_person(team, ["sc-1", "sc-2"], {"a": 0})
    reader = key_client(make_key(user, scopes=["person:read"]))
    response = reader.post(person_url(team, person.pk, action), body)
    assert response.json() == permission_denied("API key missing required scope 'person:write'")
    person.refresh_from_db()
    assert (person.properties, distinct_ids_of(person)) == ({"a": 0}, ["sc-1", "sc-2"])


@pytest.mark.parametrize(
    ("action", "body"),
    [("bulk_delete", {"distinct_ids": ["sc-3"]}), ("reset_person_distinct_id", {"distinct_id": "x"})],
)
def test_list_write_actions_need_person_write(user, team, action, body):
    make_person(team, ["sc-3"])
    reader = key_client(make_key(user, scopes=["person:read"]))
    assert reader.post(persons_url(team, action), body).json() == permission_denied(
        "API key missing required scope 'person:write'"
    )
    assert Person.objects.filter(team=team).exists()


def test_another_organization_cannot_run_actions(team):
    person = make_person(team, ["tn-1"], {"a": 1})
    outsider = make_user()
    make_organization(outsider)
    outsider_client = key_client(make_key(outsider))
    response = outsider_client.post(person_url(team, person.pk, "update_property"), {"key": "a", "value": 2})
    assert response.json() == permission_denied("You don't have access to the project.")
    assert outsider_client.post(persons_url(team, "bulk_delete"), {"distinct_ids": ["tn-1"]}).status_code == 403
    person.refresh_from_db()
    assert person.properties == {"a": 1}
    assert PersonDistinctId.objects.filter(person=person).exists()
