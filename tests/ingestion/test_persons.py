import datetime as dt
import uuid

import pytest

from ingestion.models import IngestionWarning
from persons.models import Person, PersonDistinctId, PersonlessDistinctId
from tests.ingestion.helpers import capture_and_ingest, events_of


def person_of(team, distinct_id: str) -> Person:
    return PersonDistinctId.objects.select_related("person").get(team=team, distinct_id=distinct_id).person


def distinct_ids(person: Person) -> list[str]:
    return sorted(PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True))


def user_properties(person: Person) -> dict:
    return {key: value for key, value in person.properties.items() if key != "$creator_event_uuid"}


def warnings(team) -> list[tuple[str, dict]]:
    return [(w.type, w.details) for w in IngestionWarning.objects.filter(team=team).order_by("id")]


def ev(name: str, distinct_id: str, ts: str = "2026-01-01T00:00:00Z", **properties) -> dict:
    return {"event": name, "distinct_id": distinct_id, "properties": properties, "timestamp": ts}


def identify(distinct_id: str, anon: str, ts: str = "2026-01-02T00:00:00Z", **properties) -> dict:
    return ev("$identify", distinct_id, ts, **{"$anon_distinct_id": anon, **properties})


def test_first_event_creates_a_person_with_the_derived_uuid(team):
    capture_and_ingest(team, [ev("$pageview", "anon-1", plan="free")])
    person = person_of(team, "anon-1")
    assert person.uuid == uuid.uuid5(uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22"), f"{team.id}:anon-1")
    assert (person.is_identified, person.version, person.created_at) == (
        False,
        0,
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert person.properties["$creator_event_uuid"] == str(events_of(team)[0].uuid)
    assert [event.person_id for event in events_of(team)] == [person.uuid]


def test_identify_attaches_the_new_id_to_the_anonymous_person(team):
    capture_and_ingest(team, [ev("$pageview", "anon-1"), identify("user-1", "anon-1", **{"$set": {"email": "a@x.io"}})])
    person = person_of(team, "user-1")
    assert (distinct_ids(person), person.is_identified) == (["anon-1", "user-1"], True)
    assert user_properties(person) == {"email": "a@x.io"}
    assert Person.objects.filter(team=team).count() == 1


def test_identify_of_two_unknown_ids_creates_one_identified_person(team):
    capture_and_ingest(team, [identify("user-1", "anon-1", **{"$set_once": {"first": 1}})])
    person = person_of(team, "anon-1")
    assert (distinct_ids(person), person.is_identified, user_properties(person)) == (
        ["anon-1", "user-1"],
        True,
        {"first": 1},
    )
    assert person.uuid == uuid.uuid5(uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22"), f"{team.id}:user-1")


def test_identify_merges_two_persons_target_properties_win(team):
    capture_and_ingest(
        team,
        [
            ev("$set", "anon-1", "2026-01-01T00:00:00Z", **{"$set": {"plan": "free", "color": "red"}}),
            ev("$set", "user-1", "2026-01-03T00:00:00Z", **{"$set": {"plan": "pro"}}),
        ],
    )
    target = person_of(team, "user-1")
    source = person_of(team, "anon-1")
    capture_and_ingest(team, [identify("user-1", "anon-1", "2026-01-04T00:00:00Z", **{"$set": {"name": "Ada"}})])
    merged = person_of(team, "anon-1")
    assert (merged.id, merged.uuid) == (target.id, target.uuid)
    assert not Person.objects.filter(id=source.id).exists()
    assert user_properties(merged) == {"plan": "pro", "color": "red", "name": "Ada"}
    assert (merged.is_identified, merged.created_at) == (True, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert merged.version == 2
    assert distinct_ids(merged) == ["anon-1", "user-1"]
    assert PersonDistinctId.objects.get(distinct_id="anon-1").version == 1


def test_an_identified_person_is_not_merged_into_another(team):
    capture_and_ingest(team, [identify("user-1", "anon-1"), identify("user-2", "anon-2")])
    capture_and_ingest(team, [identify("user-2", "user-1", "2026-01-05T00:00:00Z")])
    assert person_of(team, "user-1") != person_of(team, "user-2")
    (event,) = [e for e in events_of(team) if e.timestamp.day == 5]
    assert warnings(team) == [
        (
            "cannot_merge_already_identified",
            {"sourcePersonDistinctId": "user-1", "targetPersonDistinctId": "user-2", "eventUuid": str(event.uuid)},
        )
    ]
    assert event.person_id == person_of(team, "user-2").uuid


def test_merge_dangerously_merges_identified_persons(team):
    capture_and_ingest(team, [identify("user-1", "anon-1"), identify("user-2", "anon-2")])
    capture_and_ingest(team, [ev("$merge_dangerously", "user-2", alias="user-1")])
    assert distinct_ids(person_of(team, "user-2")) == ["anon-1", "anon-2", "user-1", "user-2"]


@pytest.mark.parametrize(
    "illegal", ["anonymous", "Guest", "null", "0", "undefined", "[object Object]", "NaN", '"none"', "'email'", "  "]
)
def test_illegal_distinct_ids_are_never_merged(team, illegal):
    capture_and_ingest(team, [ev("$pageview", "user-1"), identify("user-1", illegal)])
    assert distinct_ids(person_of(team, "user-1")) == ["user-1"]
    assert person_of(team, "user-1").is_identified is False
    assert [w[0] for w in warnings(team)] == ["cannot_merge_with_illegal_distinct_id"]


def test_alias_from_posthog_python_adds_the_alias_to_the_person(team):
    alias = {"event": "$create_alias", "distinct_id": "user-1", "properties": {"distinct_id": "user-1", "alias": "a1"}}
    capture_and_ingest(team, [ev("$pageview", "user-1"), alias])
    assert (distinct_ids(person_of(team, "a1")), person_of(team, "a1").is_identified) == (["a1", "user-1"], True)


def test_identify_without_anon_id_only_sets_properties(team):
    capture_and_ingest(team, [ev("$identify", "user-1", **{"$set": {"email": "a@x.io"}})])
    person = person_of(team, "user-1")
    assert (distinct_ids(person), person.is_identified, user_properties(person)) == (
        ["user-1"],
        False,
        {"email": "a@x.io"},
    )


def test_identify_with_the_same_id_on_both_sides_does_nothing_more(team):
    capture_and_ingest(team, [identify("user-1", "user-1")])
    assert distinct_ids(person_of(team, "user-1")) == ["user-1"]
    assert warnings(team) == []


def test_set_set_once_and_unset_precedence(team):
    capture_and_ingest(
        team,
        [
            ev("$identify", "u", **{"$set_once": {"prop": "value"}, "$set": {"keep": 1, "gone": 1}}),
            ev("$identify", "u", "2026-01-02T00:00:00Z", **{"$set_once": {"prop": "updated value"}}),
            ev(
                "$set",
                "u",
                "2026-01-03T00:00:00Z",
                **{"$set_once": {"both": "once", "new": "n"}, "$set": {"both": "set"}, "$unset": ["gone", "missing"]},
            ),
            ev("e", "u", "2026-01-04T00:00:00Z", **{"$set": {"gone": 2}, "$unset": ["gone"]}),
        ],
    )
    person = person_of(team, "u")
    assert user_properties(person) == {"prop": "value", "keep": 1, "both": "set", "new": "n"}


def test_stored_null_counts_as_present_for_set_once(team):
    capture_and_ingest(team, [ev("$set", "u", **{"$set": {"a": None}}), ev("$set", "u", **{"$set_once": {"a": 1}})])
    assert user_properties(person_of(team, "u")) == {"a": None}


def test_automatic_properties_are_lifted_and_refreshes_alone_do_not_write(team):
    capture_and_ingest(team, [ev("$pageview", "u", **{"$browser": "Chrome", "utm_source": "ads", "other": 1})])
    person = person_of(team, "u")
    assert user_properties(person) == {
        "$browser": "Chrome",
        "$initial_browser": "Chrome",
        "utm_source": "ads",
        "$initial_utm_source": "ads",
    }
    capture_and_ingest(team, [ev("$pageview", "u", "2026-01-02T00:00:00Z", **{"$browser": "Firefox"})])
    assert (person_of(team, "u").properties["$browser"], person_of(team, "u").version) == ("Chrome", 0)
    capture_and_ingest(team, [ev("$pageview", "u", "2026-01-03T00:00:00Z", **{"$browser": "Safari", "$os": "Mac"})])
    person = person_of(team, "u")
    assert (person.properties["$browser"], person.properties["$os"], person.version) == ("Safari", "Mac", 1)
    assert person.properties["$initial_browser"] == "Chrome"


def test_explicit_set_wins_over_lifted_properties_and_servers_do_not_lift_os(team):
    event = ev("e", "u", **{"$browser": "Chrome", "$set": {"$browser": "Mine"}, "$os": "Linux", "$is_server": True})
    capture_and_ingest(team, [event])
    assert user_properties(person_of(team, "u")) == {"$browser": "Mine", "$initial_browser": "Chrome"}


def test_personless_events_create_no_person_and_are_linked_on_identify(team):
    personless = {"$process_person_profile": False}
    capture_and_ingest(
        team,
        [
            ev("$pageview", "anon-9", **personless, **{"$set": {"a": 1}}),
            ev("$identify", "user-9", **personless, **{"$anon_distinct_id": "anon-9"}),
            ev("$groupidentify", "anon-9", **personless, **{"$group_type": "company", "$group_key": "acme"}),
        ],
    )
    assert not Person.objects.filter(team=team).exists()
    (event,) = events_of(team)
    assert event.person_id == uuid.uuid5(uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22"), f"{team.id}:anon-9")
    assert event.properties == {"$process_person_profile": False}
    assert [w[0] for w in warnings(team)] == ["invalid_event_when_process_person_profile_is_false"] * 2
    assert list(PersonlessDistinctId.objects.values_list("distinct_id", "is_merged")) == [("anon-9", False)]
    capture_and_ingest(team, [identify("user-9", "anon-9")])
    person = person_of(team, "anon-9")
    assert person.uuid == event.person_id
    assert PersonDistinctId.objects.get(distinct_id="anon-9").version == 1
    assert list(PersonlessDistinctId.objects.values_list("distinct_id", "is_merged")) == [("anon-9", True)]


def test_non_boolean_process_person_profile_is_treated_as_true(team):
    capture_and_ingest(team, [ev("e", "u", **{"$process_person_profile": "no"})])
    assert person_of(team, "u")
    assert [w[0] for w in warnings(team)] == ["invalid_process_person_profile"]


def test_merges_chain_within_one_batch(team):
    capture_and_ingest(team, [ev("e", "a"), ev("e", "b"), ev("e", "c")])
    capture_and_ingest(team, [identify("b", "a"), ev("$merge_dangerously", "c", alias="b"), ev("after", "a")])
    person = person_of(team, "c")
    assert distinct_ids(person) == ["a", "b", "c"]
    assert Person.objects.filter(team=team).count() == 1
    assert {event.person_id for event in events_of(team) if event.event != "e"} == {person.uuid}


def test_an_event_before_a_merge_in_its_batch_gets_the_person_the_merge_ends_with(team):
    # "w" and "x" share a person; the merge of the batch names "x" only, after the event of "w".
    capture_and_ingest(team, [ev("e", "x"), identify("x", "w"), ev("e", "z")])
    capture_and_ingest(
        team,
        [ev("before", "w"), ev("unrelated", "q"), ev("$merge_dangerously", "z", alias="x"), ev("after", "w")],
    )
    person = person_of(team, "z")
    assert distinct_ids(person) == ["w", "x", "z"]
    assert Person.objects.filter(team=team).count() == 2  # and "q"
    by_name = {event.event: event.person_id for event in events_of(team) if event.event != "e"}
    assert by_name == {
        "$identify": by_name["$identify"],  # the first batch's, not rewritten
        "before": person.uuid,
        "unrelated": person_of(team, "q").uuid,
        "$merge_dangerously": person.uuid,
        "after": person.uuid,
    }


@pytest.mark.parametrize("release_interval", [1, 256])
def test_a_held_back_event_waits_for_merges_its_person_joins_later_in_the_batch(team, monkeypatch, release_interval):
    # When "before" is processed its person has only "x"; the identify adds "y", and only the later merge, which
    # names "y", moves the person into z's: held-back rows are checked after every event when the interval is 1.
    monkeypatch.setattr("ingestion.pipeline.RELEASE_INTERVAL", release_interval)
    capture_and_ingest(team, [ev("e", "z")])
    batch = [ev("before", "x"), identify("y", "x"), ev("between", "q"), ev("$merge_dangerously", "z", alias="y")]
    capture_and_ingest(team, [*batch, ev("after", "x")])
    person = person_of(team, "z")
    assert distinct_ids(person) == ["x", "y", "z"]
    by_name = {event.event: event.person_id for event in events_of(team)}
    assert by_name == {
        "e": person.uuid,
        "before": person.uuid,
        "$identify": person.uuid,
        "between": person_of(team, "q").uuid,
        "$merge_dangerously": person.uuid,
        "after": person.uuid,
    }


def test_new_persons_merged_in_the_same_batch_are_never_written(team):
    capture_and_ingest(team, [ev("e", "a"), ev("e", "b"), identify("b", "a")])
    assert Person.objects.filter(team=team).count() == 1
    assert distinct_ids(person_of(team, "a")) == ["a", "b"]


def test_persons_of_another_team_are_never_touched(team, other_organization):
    other = other_organization.teams.get()
    capture_and_ingest(other, [ev("e", "shared-id", **{"$set": {"team": "other"}})])
    capture_and_ingest(team, [ev("e", "shared-id", **{"$set": {"team": "mine"}})])
    assert user_properties(person_of(team, "shared-id")) == {"team": "mine"}
    assert user_properties(person_of(other, "shared-id")) == {"team": "other"}


def test_identify_in_the_same_batch_keeps_the_person_id_of_personless_events(team):
    capture_and_ingest(
        team,
        [ev("$pageview", "anon-7", **{"$process_person_profile": False}), identify("user-7", "anon-7")],
    )
    personless_event = next(e for e in events_of(team) if e.event == "$pageview")
    assert person_of(team, "user-7").uuid == personless_event.person_id
    assert PersonDistinctId.objects.get(distinct_id="anon-7").version == 1
