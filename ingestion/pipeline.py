"""One batch of one team's queued events → persons, groups, definitions and event rows (in the caller's transaction).

Order of the work: timestamps (so missing partitions are known before anything is written), then one load of the
persons and groups the batch touches, then every event in queue order, then set-based writes.
"""

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import NamedTuple

from definitions.services import DefinitionBatch
from groups.services.batch import GroupBatch, group_key_text
from ingestion import fastjson
from ingestion.capture import stringify_distinct_id
from ingestion.queue import PROPERTIES_TEXT
from ingestion.timestamps import event_timestamp, parse_timestamp
from persons.services import PersonBatch, PersonState, PropertyUpdate, is_illegal_distinct_id, person_batch_flush

MERGE_EVENTS = {"$identify": "$anon_distinct_id", "$create_alias": "alias", "$merge_dangerously": "alias"}
PERSON_EVENTS = {"$identify", "$create_alias", "$merge_dangerously", "$set", "$set_once", "$unset"}
PERSON_EVENTS |= {"$delete_person_property"}
NO_PERSON_UPDATE_EVENTS = {"$exception", "$$heatmap", "$groupidentify", "$delete_group_property"}
DROPPED_WHEN_PERSONLESS = {"$identify", "$create_alias", "$merge_dangerously", "$groupidentify"}
PERSON_PROPERTY_KEYS = ("$set", "$set_once", "$unset")
# How often (in events) held-back rows are checked for release.
RELEASE_INTERVAL = 256
# Older events share one partition (ingestion_event_before_2000).
FIRST_MONTHLY_PARTITION = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class MissingPartitions(Exception):
    def __init__(self, months: set[dt.datetime]):
        super().__init__(f"{len(months)} event partition(s) missing")
        self.months = months


class EventRow(NamedTuple):
    uuid: str
    event: str
    distinct_id: str
    properties: str  # JSON text
    timestamp: dt.datetime
    person: PersonState | object | None


def apply_restrictions(payloads: list[dict], restrictions: list[tuple[str, list | None]]) -> list[dict]:
    """Staff-set ingestion restrictions of the project's token: drop events, or skip their person processing.
    A restriction without distinct ids applies to every event."""
    kept = []
    for payload in payloads:
        matching = {kind for kind, ids in restrictions if not ids or payload["distinct_id"] in ids}
        if "drop_event_from_ingestion" in matching:
            continue
        if "skip_person_processing" in matching:
            payload["properties"]["$process_person_profile"] = False
            payload[PROPERTIES_TEXT] = None
        kept.append(payload)
    return kept


def month_of(timestamp: dt.datetime) -> dt.datetime:
    return timestamp.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _merge_other_id(name: str, properties: dict) -> str | None:
    key = MERGE_EVENTS.get(name)
    value = properties.get(key) if key else None
    if isinstance(value, str) and value and not value.strip():
        return value  # blank: refused as an illegal id (with a warning), never silently ignored
    return stringify_distinct_id(value)


def process_batch(
    *,
    team_id: int,
    project_id: int,
    payloads: list[dict],
    now: dt.datetime,
    known_months: set[dt.datetime],
    events_writer: Callable[[], AbstractContextManager[Callable[[EventRow], None]]],
) -> list[tuple[str, dict]]:
    """Processes the batch and returns its ingestion warnings. `events_writer()` opens the events COPY around the loop
    over the events, so that PostgreSQL stores each row while the next events are processed; nothing else runs on the
    connection meanwhile. An event whose person a later `$identify` / alias of the batch could merge away is held
    back until the last merge naming one of that person's distinct ids has run, and written with the person it then
    has."""
    warnings: list[tuple[str, dict]] = []
    prepared = []
    distinct_ids: set[str] = set()
    last_merge: dict[str, int] = {}  # distinct id → position of the last merge event of the batch naming it
    captured_at, captured_text = now, None
    for payload in payloads:
        properties = payload["properties"]
        name, event_uuid = payload["event"], payload["uuid"]
        if payload.get("now") != captured_text:
            captured_text = payload.get("now")
            captured_at = parse_timestamp(captured_text) or now
        timestamp, warning = event_timestamp(payload, captured_at)
        if warning:
            warnings.append((warning, {"eventUuid": event_uuid, "timestamp": payload.get("timestamp")}))
        process_person = properties.get("$process_person_profile", True)
        if not isinstance(process_person, bool):
            warnings.append(("invalid_process_person_profile", {"eventUuid": event_uuid}))
            process_person = True
        if not process_person and name in DROPPED_WHEN_PERSONLESS:
            warnings.append(("invalid_event_when_process_person_profile_is_false", {"eventUuid": event_uuid}))
            continue
        other_id = _merge_other_id(name, properties) if process_person and name in MERGE_EVENTS else None
        distinct_ids.add(payload["distinct_id"])
        if other_id:
            distinct_ids.add(other_id)
            last_merge[payload["distinct_id"]] = last_merge[other_id] = len(prepared)
        prepared.append((payload, timestamp, process_person, other_id))
    year_months = {(item[1].year, item[1].month) for item in prepared}
    months = {dt.datetime(year, month, 1, tzinfo=dt.UTC) for year, month in year_months}
    missing = {month for month in months if month >= FIRST_MONTHLY_PARTITION} - known_months
    if missing:
        raise MissingPartitions(missing)

    persons = PersonBatch(team_id=team_id, now=now)
    persons.load(distinct_ids)
    groups = GroupBatch(team_id=team_id, project_id=project_id, now=now)
    definitions = DefinitionBatch(team_id=team_id, project_id=project_id)
    group_updates = _resolve_groups(groups, prepared)

    with events_writer() as write_event:
        deferred = _process_events(
            prepared, persons, groups, definitions, group_updates, warnings, last_merge, write_event
        )
        for row in deferred:
            write_event(row)
    warnings.extend(persons.warnings)
    person_batch_flush(batch=persons)
    groups.flush()
    definitions.flush()
    return warnings


def _process_events(prepared, persons, groups, definitions, group_updates, warnings, last_merge, write_event) -> list:
    """Every event in queue order; returns the rows still held back because a later merge may change their person."""
    deferred: list[EventRow] = []
    for index, (payload, timestamp, process_person, other_id) in enumerate(prepared):
        properties = payload["properties"]  # the payload is this batch's own copy: changed in place
        text = payload.get(PROPERTIES_TEXT)  # the properties as queued, while they are unchanged
        name, distinct_id, event_uuid = payload["event"], payload["distinct_id"], payload["uuid"]
        if not process_person:
            for key in PERSON_PROPERTY_KEYS:
                if key in properties:
                    del properties[key]
                    text = None
            person = persons.personless_event(distinct_id)
        else:
            if "$process_person_profile" in properties:
                del properties["$process_person_profile"]
                text = None
            if other_id and other_id != distinct_id:
                illegal = [value for value in (distinct_id, other_id) if is_illegal_distinct_id(value)]
                if illegal:
                    details = {"illegalDistinctId": illegal[0], "otherDistinctId": other_id, "eventUuid": event_uuid}
                    warnings.append(("cannot_merge_with_illegal_distinct_id", details))
                else:
                    persons.merge_distinct_ids(
                        target_id=distinct_id,
                        other_id=other_id,
                        dangerously=name == "$merge_dangerously",
                        event_uuid=event_uuid,
                        timestamp=timestamp,
                    )
            if name in NO_PERSON_UPDATE_EVENTS:
                update = PropertyUpdate()
            else:
                update = PropertyUpdate.from_event(properties)
            person = persons.person_for_event(
                distinct_id, update, force=name in PERSON_EVENTS, event_uuid=event_uuid, timestamp=timestamp
            )
            if update.set or update.automatic:
                definitions.add_person_properties(update.set, update.automatic, initial=False)
                definitions.add_person_properties(update.set_once, update.automatic, initial=True)
            elif update.set_once:
                definitions.add_person_properties(update.set_once, {}, initial=True)
        group_properties = group_updates.get(("props", index))
        if group_properties:
            for group_index, group_key in group_properties:
                properties[f"$group_{group_index}"] = group_key
            if text is not None:
                text = _with_group_keys(text, group_properties)
        change = group_updates.get(("change", index))
        if change:
            groups.update(**change, timestamp=timestamp)
            if change["set_properties"]:
                definitions.add_group_properties(change["group_type_index"], change["set_properties"])
        definitions.add_event(
            event=name, timestamp=timestamp, properties=properties, register_properties=name != "$groupidentify"
        )
        row = EventRow(event_uuid, name, distinct_id, text or fastjson.dumps(properties), timestamp, person)
        if last_merge and person.__class__ is PersonState and _merged_later(person, last_merge, index):
            deferred.append(row)
        else:
            write_event(row)
        if deferred and index % RELEASE_INTERVAL == 0:
            deferred = _release(deferred, last_merge, index, write_event)
    return deferred


def _release(deferred: list[EventRow], last_merge: dict[str, int], index: int, write_event) -> list[EventRow]:
    """Writes the held-back rows that no merge after position `index` can change; returns the others."""
    kept = []
    for row in deferred:
        if _merged_later(row.person, last_merge, index):
            kept.append(row)
        else:
            write_event(row)
    return kept


def _merged_later(person: PersonState, last_merge: dict[str, int], index: int) -> bool:
    """Whether a merge event after position `index` names one of the person's distinct ids. Only such a merge can
    change the person (one that adds ids to it names one it has), so a row held back for it can be written once
    the last of them has run."""
    ids = person.resolve().distinct_ids
    return not last_merge.keys().isdisjoint(ids) and any(last_merge.get(did, -1) > index for did in ids)


def _with_group_keys(text: str, group_properties: list[tuple[int, str]]) -> str:
    """The properties text (never empty: it holds `$groups`) with `$group_N` keys appended. A key the event already
    had appears twice; jsonb keeps the last, as the dictionary assignment does."""
    added = ",".join(f'"$group_{index}":{fastjson.dumps(key)}' for index, key in group_properties)
    return f"{text[:-1]},{added}}}"


def _resolve_groups(groups: GroupBatch, prepared: list) -> dict:
    """`$group_N` properties per event and the group changes of `$groupidentify` / `$delete_group_property`."""
    result: dict = {}
    keys: set[tuple[int, str]] = set()
    for index, (payload, _timestamp, _process_person, _other) in enumerate(prepared):
        properties = payload["properties"]
        event_groups = properties.get("$groups")
        if isinstance(event_groups, dict):
            for group_type, raw_key in event_groups.items():
                group_key = group_key_text(raw_key)
                group_index = groups.type_index(group_type) if group_key is not None else None
                if group_index is not None:
                    result.setdefault(("props", index), []).append((group_index, group_key))
        if payload["event"] not in ("$groupidentify", "$delete_group_property"):
            continue
        group_key = group_key_text(properties.get("$group_key"))
        group_index = groups.type_index(properties.get("$group_type")) if group_key is not None else None
        if group_index is None:
            continue
        group_set = properties.get("$group_set") if payload["event"] == "$groupidentify" else None
        group_unset = properties.get("$group_unset") if payload["event"] == "$delete_group_property" else None
        result[("change", index)] = {
            "group_type_index": group_index,
            "group_key": group_key,
            "set_properties": group_set if isinstance(group_set, dict) else {},
            "unset": [key for key in group_unset if isinstance(key, str)] if isinstance(group_unset, list) else [],
        }
        keys.add((group_index, group_key))
    groups.load(keys)
    return result
