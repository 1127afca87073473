"""Writing a PersonBatch: new persons, moved and new distinct ids, updated persons, merged-away persons."""

import json
import uuid

from django.db import connection

from persons.services.batch import PersonBatch, PersonState


def _dump(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _insert_new_persons(cursor, batch: PersonBatch) -> None:
    persons = [state for state in batch.new_persons if state.merged_into is None]
    if not persons:
        return
    cursor.execute(
        "SELECT uuid FROM persons_person WHERE team_id = %s AND uuid = ANY(%s::uuid[])",
        [batch.team_id, [state.uuid for state in persons]],
    )
    taken = {row[0] for row in cursor.fetchall()}
    for state in persons:
        # NOTE: a derived UUID can already be in use after a split or a distinct-id reset; PostHog then falls back
        # to a random one too.
        if state.uuid in taken:
            state.uuid = uuid.uuid4()
    cursor.execute(
        "INSERT INTO persons_person (team_id, uuid, created_at, properties, properties_last_updated_at, "
        "properties_last_operation, is_identified, version) "
        "SELECT %s, u.* FROM unnest(%s::uuid[], %s::timestamptz[], %s::jsonb[], %s::jsonb[], %s::jsonb[], "
        "%s::bool[], %s::bigint[]) AS u RETURNING id, uuid",
        [
            batch.team_id,
            [state.uuid for state in persons],
            [state.created_at for state in persons],
            [_dump(state.properties) for state in persons],
            [_dump(state.last_updated_at) for state in persons],
            [_dump(state.last_operation) for state in persons],
            [state.is_identified for state in persons],
            [state.version for state in persons],
        ],
    )
    ids = dict((row[1], row[0]) for row in cursor.fetchall())
    for state in persons:
        state.id = ids[state.uuid]
        state.is_new = False


def _move_distinct_ids(cursor, batch: PersonBatch) -> None:
    if not batch.merged_away:
        return
    cursor.execute(
        "UPDATE persons_persondistinctid AS d SET person_id = m.target, version = d.version + 1 "
        "FROM unnest(%s::bigint[], %s::bigint[]) AS m(source, target) "
        "WHERE d.team_id = %s AND d.person_id = m.source",
        [
            [state.id for state in batch.merged_away],
            [state.resolve().id for state in batch.merged_away],
            batch.team_id,
        ],
    )


def _upsert_distinct_ids(cursor, batch: PersonBatch) -> None:
    if not batch.new_distinct_ids:
        return
    rows = [(did, state.resolve().id, version) for did, (state, version) in batch.new_distinct_ids.items()]
    cursor.execute(
        "INSERT INTO persons_persondistinctid (team_id, distinct_id, person_id, version) "
        "SELECT %s, u.* FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) AS u "
        "ON CONFLICT (team_id, distinct_id) DO UPDATE SET person_id = EXCLUDED.person_id, "
        "version = GREATEST(persons_persondistinctid.version + 1, EXCLUDED.version)",
        [batch.team_id, [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]],
    )


def _update_persons(cursor, batch: PersonBatch) -> None:
    seen: set[int] = set()
    persons: list[PersonState] = []
    for state in batch.by_distinct_id.values():
        if state is not None and state.dirty and state.merged_into is None and state.id not in seen:
            seen.add(state.id)
            persons.append(state)
    if not persons:
        return
    cursor.execute(
        "UPDATE persons_person AS p SET properties = u.properties, properties_last_updated_at = u.updated_at, "
        "properties_last_operation = u.operations, is_identified = u.is_identified, version = u.version, "
        "created_at = u.created_at "
        "FROM unnest(%s::bigint[], %s::jsonb[], %s::jsonb[], %s::jsonb[], %s::bool[], %s::bigint[], "
        "%s::timestamptz[]) AS u(id, properties, updated_at, operations, is_identified, version, created_at) "
        "WHERE p.id = u.id AND p.team_id = %s",
        [
            [state.id for state in persons],
            [_dump(state.properties) for state in persons],
            [_dump(state.last_updated_at) for state in persons],
            [_dump(state.last_operation) for state in persons],
            [state.is_identified for state in persons],
            [state.version for state in persons],
            [state.created_at for state in persons],
            batch.team_id,
        ],
    )
    for state in persons:
        state.dirty = False


def _record_personless(cursor, batch: PersonBatch) -> None:
    seen = batch.personless_seen - batch.personless_adopted
    if seen:
        cursor.execute(
            "INSERT INTO persons_personlessdistinctid (team_id, distinct_id, is_merged, created_at) "
            "SELECT %s, u, false, now() FROM unnest(%s::text[]) AS u ON CONFLICT (team_id, distinct_id) DO NOTHING",
            [batch.team_id, sorted(seen)],
        )
    if batch.personless_adopted:
        cursor.execute(
            "INSERT INTO persons_personlessdistinctid (team_id, distinct_id, is_merged, created_at) "
            "SELECT %s, u, true, now() FROM unnest(%s::text[]) AS u "
            "ON CONFLICT (team_id, distinct_id) DO UPDATE SET is_merged = true",
            [batch.team_id, sorted(batch.personless_adopted)],
        )


def person_batch_flush(*, batch: PersonBatch) -> None:
    """Write every change of `batch` (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        _insert_new_persons(cursor, batch)
        _move_distinct_ids(cursor, batch)
        _upsert_distinct_ids(cursor, batch)
        _update_persons(cursor, batch)
        if batch.merged_away:
            cursor.execute(
                "DELETE FROM persons_person WHERE team_id = %s AND id = ANY(%s)",
                [batch.team_id, [state.id for state in batch.merged_away]],
            )
        _record_personless(cursor, batch)
