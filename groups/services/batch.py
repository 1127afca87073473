"""Group types and groups as ingestion writes them, batch by batch (persons-groups-ingestion.md §3)."""

import datetime as dt
from dataclasses import dataclass

import orjson
from django.db import connection

from groups.models import MAX_GROUP_TYPES_PER_PROJECT

MAX_GROUP_TYPE_LENGTH = 400
MAX_GROUP_KEY_LENGTH = 400

_CREATE_MAPPING_SQL = """
INSERT INTO groups_grouptypemapping (team_id, project_id, group_type, group_type_index, created_at)
SELECT %(team_id)s, %(project_id)s, %(group_type)s, free.i, now()
FROM generate_series(0, %(max)s - 1) AS free(i)
WHERE free.i NOT IN (SELECT group_type_index FROM groups_grouptypemapping WHERE project_id = %(project_id)s)
ORDER BY free.i
LIMIT 1
ON CONFLICT DO NOTHING
RETURNING group_type_index
"""


def group_type_mappings(*, project_id: int) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT group_type, group_type_index FROM groups_grouptypemapping WHERE project_id = %s", [project_id]
        )
        return dict(cursor.fetchall())


def group_type_index_for(*, team_id: int, project_id: int, group_type: str, create: bool = True) -> int | None:
    """The index of `group_type` in the project, creating the mapping on first use; None when 5 types exist."""
    mappings = group_type_mappings(project_id=project_id)
    if group_type in mappings or not create:
        return mappings.get(group_type)
    with connection.cursor() as cursor:
        cursor.execute(
            _CREATE_MAPPING_SQL,
            {
                "team_id": team_id,
                "project_id": project_id,
                "group_type": group_type,
                "max": MAX_GROUP_TYPES_PER_PROJECT,
            },
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # Another environment of the project created it meanwhile, or all five indexes are taken.
    return group_type_mappings(project_id=project_id).get(group_type)


def valid_group_type(value) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= MAX_GROUP_TYPE_LENGTH:
        return value
    return None


def group_key_text(value) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return text[:MAX_GROUP_KEY_LENGTH] if text else None


@dataclass(eq=False)
class GroupState:
    group_type_index: int
    group_key: str
    properties: dict
    created_at: dt.datetime
    last_updated_at: dict
    last_operation: dict
    version: int
    dirty: bool = False
    is_new: bool = False


class GroupBatch:
    """Group types and groups touched by a batch of one team's events."""

    def __init__(self, *, team_id: int, project_id: int, now: dt.datetime):
        self.team_id = team_id
        self.project_id = project_id
        self.now_iso = now.isoformat()
        self._mappings: dict[str, int] | None = None
        self.groups: dict[tuple[int, str], GroupState] = {}

    def type_index(self, group_type, *, create: bool = True) -> int | None:
        group_type = valid_group_type(group_type)
        if group_type is None:
            return None
        if self._mappings is None:
            self._mappings = group_type_mappings(project_id=self.project_id)
        if group_type not in self._mappings and create and len(self._mappings) < MAX_GROUP_TYPES_PER_PROJECT:
            index = group_type_index_for(team_id=self.team_id, project_id=self.project_id, group_type=group_type)
            if index is not None:
                self._mappings[group_type] = index
        return self._mappings.get(group_type)

    def load(self, keys: set[tuple[int, str]]) -> None:
        missing = [key for key in keys if key not in self.groups]
        if not missing:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT g.group_type_index, g.group_key, g.group_properties::text, g.created_at, "
                "g.properties_last_updated_at::text, g.properties_last_operation::text, g.version "
                "FROM groups_group g JOIN json_to_recordset(%s::json) AS k(i smallint, key text) "
                "ON g.group_type_index = k.i AND g.group_key = k.key WHERE g.team_id = %s FOR UPDATE OF g",
                [orjson.dumps([{"i": key[0], "key": key[1]} for key in missing]).decode(), self.team_id],
            )
            for index, key, props, created_at, updated, operations, version in cursor.fetchall():
                self.groups[(index, key)] = GroupState(
                    index,
                    key,
                    orjson.loads(props),
                    created_at,
                    orjson.loads(updated),
                    orjson.loads(operations),
                    version,
                )

    def update(self, *, group_type_index: int, group_key: str, set_properties: dict, unset: list, timestamp) -> None:
        """`$groupidentify` ($group_set overwrites keys) or `$delete_group_property` ($group_unset removes keys)."""
        state = self.groups.get((group_type_index, group_key))
        if state is None:
            state = GroupState(group_type_index, group_key, {}, timestamp, {}, {}, 0, dirty=True, is_new=True)
            self.groups[(group_type_index, group_key)] = state
        changed = False
        for key, value in set_properties.items():
            if key not in state.properties or state.properties[key] != value:
                state.properties[key] = value
                state.last_updated_at[key] = self.now_iso
                state.last_operation[key] = "set"
                changed = True
        for key in unset:
            if key in state.properties:
                del state.properties[key]
                state.last_updated_at.pop(key, None)
                state.last_operation.pop(key, None)
                changed = True
        if changed and not state.is_new:
            state.version += 1
        state.dirty = state.dirty or changed

    def flush(self) -> None:
        rows = [state for state in self.groups.values() if state.dirty]
        if not rows:
            return
        document = [
            {
                "i": state.group_type_index,
                "key": state.group_key,
                "properties": state.properties,
                "created_at": state.created_at,
                "updated_at": state.last_updated_at,
                "operations": state.last_operation,
                "version": state.version,
            }
            for state in rows
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO groups_group (team_id, group_type_index, group_key, group_properties, created_at, "
                "properties_last_updated_at, properties_last_operation, version) "
                "SELECT %s, r.i, r.key, r.properties, r.created_at, r.updated_at, r.operations, r.version "
                "FROM json_to_recordset(%s::json) AS r(i smallint, key text, properties jsonb, created_at timestamptz, "
                "updated_at jsonb, operations jsonb, version bigint) "
                "ON CONFLICT (team_id, group_type_index, group_key) DO UPDATE SET "
                "group_properties = EXCLUDED.group_properties, "
                "properties_last_updated_at = EXCLUDED.properties_last_updated_at, "
                "properties_last_operation = EXCLUDED.properties_last_operation, version = EXCLUDED.version",
                [self.team_id, orjson.dumps(document).decode()],
            )
        for state in rows:
            state.dirty = False
