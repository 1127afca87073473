"""Event and property definitions as ingestion records them (persons-groups-ingestion.md §6.2–§6.3)."""

import datetime as dt
import re
import time

import orjson
from django.db import connection

from definitions.models import PropertyDefinition, PropertyType

MAX_PROPERTY_NAME_BYTES = 200
SIX_MONTHS_SECONDS = 15_768_000
EXCLUDED_EVENT_PROPERTIES = {"$set", "$set_once", "$unset", "$groups"} | {f"$group_{i}" for i in range(5)}
SKIPPED_EVENTS = {"$$plugin_metrics"}
_DATE_KEY_PARTS = ("time", "timestamp", "date", "_at", "-at", "createdat", "updatedat")
_LIKELY_DATE = re.compile(
    r"^(\d{4}[-/][0-2]\d[-/][0-3]\d|[0-3]\d[-/][0-2]\d[-/]\d{4})([ T][0-2]\d:[0-6]\d:[0-6]\d.*)?$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_RFC2822 = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?\d{1,2}\s+"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|Z))?$",
    re.IGNORECASE,
)


def is_likely_date(value: str) -> bool:
    value = value.strip()
    return bool(_RFC3339.match(value) or _RFC2822.match(value) or _LIKELY_DATE.match(value))


def detect_property_type(key: str, value) -> str | None:
    """PostHog's property type detection for a key and one of its values (None: not typed by this value)."""
    key = key.lower()
    if key.startswith(("utm_", "$initial_utm_", "$feature/", "$survey_response")) or key == "$feature_flag_response":
        return PropertyType.STRING
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if any(part in key for part in _DATE_KEY_PARTS):
        if isinstance(value, str) and is_likely_date(value):
            return PropertyType.DATETIME
        if is_number and float(value).is_integer() and value >= time.time() - SIX_MONTHS_SECONDS:
            return PropertyType.DATETIME
    if isinstance(value, bool):
        return PropertyType.BOOLEAN
    if isinstance(value, str):
        if value.strip() in ("true", "false", "TRUE", "FALSE"):
            return PropertyType.BOOLEAN
        return PropertyType.DATETIME if is_likely_date(value) else PropertyType.STRING
    if is_number:
        return PropertyType.NUMERIC
    return None


def _json(rows: list[dict]) -> str:
    return orjson.dumps(rows).decode()


def _usable_name(name: str) -> bool:
    return len(name.encode("utf-8", "surrogatepass")) <= MAX_PROPERTY_NAME_BYTES


class DefinitionBatch:
    """Definitions seen in a batch of one team's events; `flush` upserts them in three statements."""

    def __init__(self, *, team_id: int, project_id: int):
        self.team_id = team_id
        self.project_id = project_id
        self.events: dict[str, dt.datetime] = {}
        # (name, type, group_type_index) → first detected type (None until a typed value is seen)
        self.properties: dict[tuple[str, int, int | None], str | None] = {}
        self.event_properties: set[tuple[str, str]] = set()
        self._seen_on_event: dict[str, set[str]] = {}
        self._untyped_event_keys: set[str] = set()
        self._typed: dict[tuple[int, int | None], set[str]] = {}
        self._lifted_done: dict[bool, set[str]] = {False: set(), True: set()}

    def _property(self, name: str, value, kind: int, group_type_index: int | None = None) -> None:
        key = (name, kind, group_type_index)
        if self.properties.get(key) is None and _usable_name(name):
            self.properties[key] = detect_property_type(name, value)

    def add_event(self, *, event: str, timestamp: dt.datetime, properties: dict, register_properties: bool) -> None:
        if event in SKIPPED_EVENTS:
            return
        if event not in self.events or self.events[event] < timestamp:
            self.events[event] = timestamp
        if not register_properties:
            return
        # Each (event, key) is looked at once per batch, plus again while its type is still unknown (null values).
        seen = self._seen_on_event.setdefault(event, set())
        if seen.issuperset(properties) and self._untyped_event_keys.isdisjoint(properties):
            return
        for name in (properties.keys() - seen) | (self._untyped_event_keys & properties.keys()):
            seen.add(name)
            if name in EXCLUDED_EVENT_PROPERTIES:
                continue
            self._property(name, properties[name], PropertyDefinition.Type.EVENT)
            if self.properties.get((name, PropertyDefinition.Type.EVENT, None), "") is None:
                self._untyped_event_keys.add(name)
            else:
                self._untyped_event_keys.discard(name)
            if not name.startswith(("$feature/", "$feature_enrollment/")) and _usable_name(name):
                self.event_properties.add((event, name))

    def _add_all(self, values: dict, kind: int, group_type_index: int | None = None) -> None:
        done = self._typed.setdefault((kind, group_type_index), set())
        for name in values.keys() - done:
            self._property(name, values[name], kind, group_type_index)
            if self.properties.get((name, kind, group_type_index)) is not None or not _usable_name(name):
                done.add(name)

    def add_person_properties(self, values: dict, automatic: dict | None = None, *, initial: bool = False) -> None:
        """Person property keys: `values` as they are, plus the lifted `automatic` ones (as `$initial_*` when
        `initial`). Keys already typed in this batch cost one set difference."""
        if values:
            self._add_all(values, PropertyDefinition.Type.PERSON)
        if not automatic or self._lifted_done[initial].issuperset(automatic):
            return
        done = self._typed.setdefault((PropertyDefinition.Type.PERSON, None), set())
        for key in automatic.keys() - self._lifted_done[initial]:
            name = f"$initial_{key.lstrip('$')}" if initial else key
            if name not in done:
                self._add_all({name: automatic[key]}, PropertyDefinition.Type.PERSON)
            if name in done:
                self._lifted_done[initial].add(key)

    def add_group_properties(self, group_type_index: int, values: dict) -> None:
        self._add_all(values, PropertyDefinition.Type.GROUP, group_type_index)

    def flush(self) -> None:
        with connection.cursor() as cursor:
            if self.events:
                names = sorted(self.events)
                cursor.execute(
                    "INSERT INTO definitions_eventdefinition (id, team_id, project_id, name, created_at, last_seen_at, "
                    "description, tags) SELECT gen_random_uuid(), %s, %s, u.name, now(), u.seen, '', '{}' "
                    "FROM json_to_recordset(%s::json) AS u(name text, seen timestamptz) "
                    "ON CONFLICT (team_id, name) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at "
                    "WHERE definitions_eventdefinition.last_seen_at IS NULL "
                    "OR definitions_eventdefinition.last_seen_at < EXCLUDED.last_seen_at - interval '1 hour'",
                    [self.team_id, self.project_id, _json([{"name": n, "seen": self.events[n]} for n in names])],
                )
            if self.properties:
                rows = sorted(self.properties.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or -1))
                cursor.execute(
                    "INSERT INTO definitions_propertydefinition (id, team_id, project_id, name, type, "
                    "group_type_index, property_type, is_numerical, description, tags, verified, hidden, updated_at) "
                    "SELECT gen_random_uuid(), %s, %s, u.name, u.type, u.gti, u.property_type, "
                    "COALESCE(u.property_type = 'Numeric', false), '', '{}', false, false, now() "
                    "FROM json_to_recordset(%s::json) AS u(name text, type smallint, gti smallint, property_type text) "
                    "ON CONFLICT (team_id, name, type, (COALESCE(group_type_index, -1))) DO UPDATE SET "
                    "property_type = EXCLUDED.property_type, is_numerical = EXCLUDED.is_numerical "
                    "WHERE definitions_propertydefinition.property_type IS NULL AND EXCLUDED.property_type IS NOT NULL",
                    [
                        self.team_id,
                        self.project_id,
                        _json(
                            [
                                {"name": key[0], "type": key[1], "gti": key[2], "property_type": value}
                                for key, value in rows
                            ]
                        ),
                    ],
                )
            if self.event_properties:
                pairs = sorted(self.event_properties)
                cursor.execute(
                    "INSERT INTO definitions_eventproperty (team_id, project_id, event, property) "
                    "SELECT %s, %s, u.event, u.property "
                    "FROM json_to_recordset(%s::json) AS u(event text, property text) "
                    "ON CONFLICT (team_id, event, property) DO NOTHING",
                    [self.team_id, self.project_id, _json([{"event": e, "property": p} for e, p in pairs])],
                )
