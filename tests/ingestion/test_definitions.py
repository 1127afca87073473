import time

import pytest

from definitions.models import EventDefinition, EventProperty, PropertyDefinition
from definitions.services import detect_property_type
from tests.ingestion.helpers import capture_and_ingest

NOW = int(time.time())


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("plan", "pro", "String"),
        ("count", 3, "Numeric"),
        ("ratio", 0.5, "Numeric"),
        ("flag", True, "Boolean"),
        ("flag", " false ", "Boolean"),
        ("flag", "TRUE", "Boolean"),
        ("flag", "True", "String"),
        ("when", "2024-01-31T10:00:00Z", "DateTime"),
        ("anything", "2024-01-31", "DateTime"),
        ("anything", "31/01/2024 10:00:00", "DateTime"),
        ("anything", "Wed, 31 Jan 2024 10:00:00 +0000", "DateTime"),
        ("created_at", NOW, "DateTime"),
        ("updated_at", NOW * 1000, "DateTime"),
        ("created_at", 1000, "Numeric"),
        ("count", NOW, "Numeric"),
        ("utm_source", "2024-01-31", "String"),
        ("$initial_utm_medium", 3, "String"),
        ("$feature/beta", True, "String"),
        ("$feature_flag_response", "true", "String"),
        ("$survey_response_1", 5, "String"),
        ("nothing", None, None),
        ("list", [1], None),
        ("object", {"a": 1}, None),
    ],
)
def test_property_type_detection(key, value, expected):
    assert detect_property_type(key, value) == expected


def definitions(team) -> list[tuple]:
    rows = PropertyDefinition.objects.filter(team=team).order_by("type", "name")
    return [(d.name, d.get_type_display(), d.group_type_index, d.property_type, d.is_numerical) for d in rows]


def test_ingestion_registers_event_person_and_group_definitions(team):
    capture_and_ingest(
        team,
        [
            {
                "event": "purchase",
                "distinct_id": "u1",
                "properties": {
                    "amount": 9.5,
                    "$set": {"email": "a@x.io"},
                    "$set_once": {"first_seen": "2024-01-01"},
                    "$groups": {"company": "acme"},
                    "$feature/beta": True,
                },
            },
            {
                "event": "$groupidentify",
                "distinct_id": "u1",
                "properties": {"$group_type": "company", "$group_key": "acme", "$group_set": {"size": 5}},
            },
        ],
    )
    assert definitions(team) == [
        ("$feature/beta", "event", None, "String", False),
        ("amount", "event", None, "Numeric", True),
        ("email", "person", None, "String", False),
        ("first_seen", "person", None, "DateTime", False),
        ("size", "group", 0, "Numeric", True),
    ]
    assert sorted(EventDefinition.objects.filter(team=team).values_list("name", flat=True)) == [
        "$groupidentify",
        "purchase",
    ]
    assert list(EventProperty.objects.filter(team=team).values_list("event", "property")) == [("purchase", "amount")]


def test_the_first_typed_sighting_wins_and_nulls_are_typed_later(team):
    capture_and_ingest(team, [{"event": "e", "distinct_id": "u", "properties": {"a": None, "b": 1}}])
    assert definitions(team) == [("a", "event", None, None, False), ("b", "event", None, "Numeric", True)]
    capture_and_ingest(team, [{"event": "e", "distinct_id": "u", "properties": {"a": "text", "b": "text"}}])
    assert definitions(team) == [("a", "event", None, "String", False), ("b", "event", None, "Numeric", True)]


def test_long_names_are_not_registered_and_deleted_definitions_come_back(team):
    capture_and_ingest(team, [{"event": "e", "distinct_id": "u", "properties": {"x" * 201: 1, "kept": 1}}])
    assert [d[0] for d in definitions(team)] == ["kept"]
    PropertyDefinition.objects.filter(team=team).delete()
    capture_and_ingest(team, [{"event": "e", "distinct_id": "u", "properties": {"kept": 2}}])
    assert [d[0] for d in definitions(team)] == ["kept"]
