import datetime as dt

from groups.models import Group, GroupTypeMapping
from tests.ingestion.helpers import capture_and_ingest, events_of


def group_identify(group_type: str, key, ts: str = "2026-01-01T00:00:00Z", **group_set) -> dict:
    properties = {"$group_type": group_type, "$group_key": key, "$group_set": group_set}
    return {"event": "$groupidentify", "distinct_id": "user-1", "properties": properties, "timestamp": ts}


def groups(team) -> list[tuple]:
    rows = Group.objects.filter(team=team).order_by("group_type_index", "group_key")
    return [(g.group_type_index, g.group_key, g.group_properties, g.version) for g in rows]


def mappings(team) -> list[tuple]:
    return list(
        GroupTypeMapping.objects.filter(project=team.project)
        .order_by("group_type_index")
        .values_list("group_type", "group_type_index")
    )


def test_groupidentify_creates_the_type_mapping_and_the_group(team):
    capture_and_ingest(team, [group_identify("company", "acme", name="Acme Inc", employees=42)])
    assert mappings(team) == [("company", 0)]
    assert groups(team) == [(0, "acme", {"name": "Acme Inc", "employees": 42}, 0)]
    assert Group.objects.get().created_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_group_set_overwrites_keys_and_bumps_the_version(team):
    capture_and_ingest(team, [group_identify("company", "acme", name="Acme", plan="free")])
    capture_and_ingest(team, [group_identify("company", "acme", "2026-01-02T00:00:00Z", plan="pro")])
    capture_and_ingest(team, [group_identify("company", "acme", "2026-01-03T00:00:00Z", plan="pro")])
    assert groups(team) == [(0, "acme", {"name": "Acme", "plan": "pro"}, 1)]


def test_events_with_groups_get_group_index_properties(team):
    event = {"event": "purchase", "distinct_id": "user-1", "properties": {"$groups": {"company": "acme", "team": 7}}}
    capture_and_ingest(team, [event])
    assert mappings(team) == [("company", 0), ("team", 1)]
    (stored,) = events_of(team)
    assert stored.properties == {"$groups": {"company": "acme", "team": 7}, "$group_0": "acme", "$group_1": "7"}
    assert groups(team) == []


def test_at_most_five_group_types_per_project(team):
    events = [group_identify(f"type{i}", "k") for i in range(7)]
    events.append({"event": "e", "distinct_id": "u", "properties": {"$groups": {"type6": "k", "type1": "k"}}})
    capture_and_ingest(team, events)
    assert mappings(team) == [(f"type{i}", i) for i in range(5)]
    assert [g[:2] for g in groups(team)] == [(i, "k") for i in range(5)]
    assert [e.properties for e in events_of(team) if e.event == "e"] == [
        {"$groups": {"type6": "k", "type1": "k"}, "$group_1": "k"}
    ]


def test_mappings_are_shared_by_the_environments_of_a_project(team):
    from projects.models import Team

    second = Team.objects.create(organization=team.organization, project=team.project, name="Staging")
    capture_and_ingest(team, [group_identify("company", "acme")])
    capture_and_ingest(second, [group_identify("company", "beta"), group_identify("team", "t")])
    assert mappings(team) == [("company", 0), ("team", 1)]
    assert groups(second) == [(0, "beta", {}, 0), (1, "t", {}, 0)]
    assert groups(team) == [(0, "acme", {}, 0)]


def test_delete_group_property_removes_keys(team):
    capture_and_ingest(team, [group_identify("company", "acme", name="Acme", plan="free")])
    properties = {"$group_type": "company", "$group_key": "acme", "$group_unset": ["plan"]}
    capture_and_ingest(team, [{"event": "$delete_group_property", "distinct_id": "x", "properties": properties}])
    assert groups(team) == [(0, "acme", {"name": "Acme"}, 1)]


def test_groupidentify_without_type_or_key_changes_no_group(team):
    capture_and_ingest(
        team,
        [
            {"event": "$groupidentify", "distinct_id": "u", "properties": {"$group_type": "company"}},
            {"event": "$groupidentify", "distinct_id": "u", "properties": {"$group_key": "k"}},
        ],
    )
    assert (groups(team), mappings(team)) == ([], [])
