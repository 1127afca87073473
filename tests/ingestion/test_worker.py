import datetime as dt
import json
from unittest import mock

import psycopg
import pytest
from django.db import connection

from ingestion.models import Event, IngestionWarning, QueuedEvent
from ingestion.queue import decode_chunk
from ingestion.worker import Worker
from persons.models import Person
from tests.ingestion.helpers import capture_and_ingest, events_of, ingest, post, queued


def test_queue_is_processed_in_order_and_emptied(team):
    events = [{"event": f"e{i}", "distinct_id": "u", "properties": {"$set": {"last": i}}} for i in range(1200)]
    assert post("/batch/", {"api_key": team.api_token, "batch": events}).status_code == 200
    worker = Worker(batch_events=500, poll_interval=0)
    assert [worker.run_once() for _ in range(4)] == [500, 500, 200, None]
    assert not QueuedEvent.objects.exists()
    assert Event.objects.filter(team=team).count() == 1200
    assert Person.objects.get(team=team).properties["last"] == 1199


def test_teams_are_processed_one_batch_each(team, other_organization):
    other = other_organization.teams.get()
    for target in (team, other, team):
        assert (
            post("/batch/", {"api_key": target.api_token, "batch": [{"event": "e", "distinct_id": "u"}]}).status_code
            == 200
        )
    assert ingest() == 3
    assert (Event.objects.filter(team=team).count(), Event.objects.filter(team=other).count()) == (2, 1)


def capture_times(team, events: list[dict], **extra) -> list[dt.datetime]:
    assert post("/batch/", {"api_key": team.api_token, "batch": events, **extra}).status_code == 200
    nows = [dt.datetime.fromisoformat(payload["now"]) for payload in queued()]
    ingest()
    return nows


def test_clock_skew_is_corrected_with_sent_at(team):
    (now,) = capture_times(
        team,
        [{"event": "e", "distinct_id": "u", "timestamp": "2020-01-01T00:00:00Z"}],
        sent_at="2020-01-01T00:00:10Z",
    )
    assert events_of(team)[0].timestamp == now - dt.timedelta(seconds=10)


@pytest.mark.parametrize(
    ("event", "expected", "warning"),
    [
        ({"timestamp": "2024-05-01T12:00:00+02:00"}, lambda now: dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC), None),
        ({"timestamp": "2024-05-01T12:00:00"}, lambda now: dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), None),
        ({"offset": 5000}, lambda now: now - dt.timedelta(seconds=5), None),
        ({}, lambda now: now, None),
        ({"timestamp": "yesterday-ish"}, lambda now: now, "ignored_invalid_timestamp"),
        ({"timestamp": "2999-01-01T00:00:00Z"}, lambda now: now, "event_timestamp_in_future"),
    ],
)
def test_event_timestamps(team, event, expected, warning):
    (now,) = capture_times(team, [{"event": "e", "distinct_id": "u", **event}])
    assert events_of(team)[0].timestamp == expected(now)
    assert list(IngestionWarning.objects.values_list("type", flat=True)) == ([warning] if warning else [])


def test_ignore_sent_at_keeps_the_client_timestamp(team):
    event = {
        "event": "e",
        "distinct_id": "u",
        "timestamp": "2024-05-01T00:00:00Z",
        "properties": {"$ignore_sent_at": True},
    }
    capture_times(team, [event], sent_at="2024-05-01T00:00:10Z")
    assert events_of(team)[0].timestamp == dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


def test_partitions_for_old_months_are_created_on_demand(team):
    events = [
        {"event": "old", "distinct_id": "u", "timestamp": "2003-03-04T05:06:07Z"},
        {"event": "ancient", "distinct_id": "u", "timestamp": "1901-01-01T00:00:00Z"},
    ]
    capture_and_ingest(team, events)
    assert [event.timestamp for event in events_of(team)] == [
        dt.datetime(1901, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2003, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('ingestion_event_p200303') IS NOT NULL")
        assert cursor.fetchone()[0]


def test_an_event_that_cannot_be_processed_is_set_aside_and_the_rest_goes_on(team):
    events = [{"event": f"e{i}", "distinct_id": "u"} for i in range(5)]
    assert post("/batch/", {"api_key": team.api_token, "batch": events}).status_code == 200
    from ingestion import pipeline

    original = pipeline.DefinitionBatch.add_event

    def fail_on_e2(self, *, event, **kwargs):
        if event == "e2":
            raise ValueError("boom")
        return original(self, event=event, **kwargs)

    with mock.patch.object(pipeline.DefinitionBatch, "add_event", fail_on_e2):
        ingest()
    assert [event.event for event in Event.objects.filter(team=team).order_by("event")] == ["e0", "e1", "e3", "e4"]
    (warning,) = IngestionWarning.objects.filter(team=team)
    assert warning.type == "event_processing_failed"
    assert (warning.details["error"], warning.details["event"]["event"]) == ("ValueError('boom')", "e2")
    assert not QueuedEvent.objects.exists()


@pytest.mark.parametrize("error", [psycopg.OperationalError("server closed"), psycopg.InterfaceError("closed")])
def test_a_connection_lost_in_a_copy_is_retried_not_blamed_on_the_batch(team, error):
    # The COPYs run on psycopg's own cursor, whose errors Django does not wrap into its classes.
    body = {"api_key": team.api_token, "batch": [{"event": "e", "distinct_id": "u"}]}
    assert post("/batch/", body).status_code == 200
    worker = Worker(poll_interval=0)
    with mock.patch("ingestion.worker._events_copy", side_effect=error), pytest.raises(type(error)):
        worker.run_once()
    assert (worker.isolated_up_to, Event.objects.count(), len(queued())) == ({}, 0, 1)


def test_a_failed_batch_writes_nothing(team):
    assert (
        post("/batch/", {"api_key": team.api_token, "batch": [{"event": "e", "distinct_id": "u"}]}).status_code == 200
    )
    with (
        mock.patch("ingestion.worker.Worker._write_warnings"),
        mock.patch("definitions.services.DefinitionBatch.flush", side_effect=RuntimeError("disk full")),
    ):
        assert Worker(poll_interval=0).run_once() == 0
    assert (Event.objects.count(), Person.objects.count()) == (0, 0)
    assert [len(decode_chunk(row.payload)) for row in QueuedEvent.objects.all()] == [1]


def test_staff_ingestion_restrictions_drop_events_or_skip_persons(team):
    from projects.models import EventIngestionRestriction

    EventIngestionRestriction.objects.create(
        token=team.api_token, restriction_type="drop_event_from_ingestion", distinct_ids=["spammer"]
    )
    EventIngestionRestriction.objects.create(token=team.api_token, restriction_type="skip_person_processing")
    capture_and_ingest(team, [{"event": "a", "distinct_id": "spammer"}, {"event": "b", "distinct_id": "u"}])
    assert [(event.event, event.properties) for event in events_of(team)] == [("b", {"$process_person_profile": False})]
    assert not Person.objects.filter(team=team).exists()


def test_a_queue_row_in_the_earlier_layout_is_still_processed(team):
    payload = {"event": "e", "distinct_id": "u", "uuid": "0190d8a4-1c1e-7e3c-8d0e-0a1b2c3d4e5f"}
    payload |= {"properties": {"plan": "pro"}, "now": "2026-11-26T10:00:00+00:00"}
    QueuedEvent.objects.create(team=team, payload=json.dumps([payload]), event_count=1)
    assert ingest() == 1
    (stored,) = events_of(team)
    assert (str(stored.uuid), stored.properties, stored.timestamp) == (
        payload["uuid"],
        {"plan": "pro"},
        dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC),
    )


def test_text_that_copy_escapes_is_stored_unchanged(team):
    tricky = "tab\there, newline\nthere, carriage\rreturn, back\\slash \\N \\\\, separators \u2028\u2029\x0b\x0c\x1c"
    properties = {"note": tricky, tricky: [tricky, {"nested": "\\"}], "quote": '"'}
    capture_and_ingest(team, [{"event": f"e {tricky}", "distinct_id": f"u {tricky}", "properties": properties}])
    (stored,) = events_of(team)
    assert (stored.event, stored.distinct_id, stored.properties) == (f"e {tricky}", f"u {tricky}", properties)


def test_group_properties_are_added_to_the_queued_properties_text(team):
    events = [
        {"event": "a", "distinct_id": "u", "properties": {"$groups": {"company": "acme"}, "$group_0": "stale"}},
        {"event": "b", "distinct_id": "u", "properties": {"$groups": {"company": "acme"}}, "uuid": None},
    ]
    events[1]["properties"]["$groups"] = {"company": 'quote " and \\ back'}
    capture_and_ingest(team, events)
    assert {e.event: e.properties for e in events_of(team)} == {
        "a": {"$groups": {"company": "acme"}, "$group_0": "acme"},
        "b": {"$groups": {"company": 'quote " and \\ back'}, "$group_0": 'quote " and \\ back'},
    }
