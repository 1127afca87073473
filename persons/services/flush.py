"""Writing a PersonBatch: new persons, moved and new distinct ids, updated persons, merged-away persons."""

import uuid

import orjson
from django.db import connection

from persons.services.batch import PersonBatch, PersonState


def _rows(rows: list[dict]) -> str:
    # NOTE: rows go to PostgreSQL as one JSON document (json_to_recordset): psycopg would escape text[]/jsonb[]
    # array elements character by character, which costs more than the statement itself.
    return orjson.dumps(rows).decode()


def _insert_new_persons(cursor, batch: PersonBatch) -> None:
    persons = [state for state in batch.new_persons if state.merged_into is None]
    if not persons:
        return
    cursor.execute(
        "SELECT uuid FROM persons_person WHERE team_id = %s "
        "AND uuid IN (SELECT json_array_elements_text(%s::json)::uuid)",
        [batch.team_id, _rows([state.uuid for state in persons])],
    )
    taken = {row[0] for row in cursor.fetchall()}
    for state in persons:
        # NOTE: a derived UUID can already be in use after a split or a distinct-id reset; PostHog then falls back
        # to a random one too.
        if state.uuid in taken:
            state.uuid = uuid.uuid4()
    # Ids come from the sequence up front so that the rows can be COPYed (several times faster than INSERT). The
    # subquery names the sequence once: called per row, pg_get_serial_sequence took five sixths of the statement.
    cursor.execute(
        "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('persons_person', 'id')::regclass AS seq OFFSET 0) "
        "AS s, generate_series(1, %s)",
        [len(persons)],
    )
    for state, (person_id,) in zip(persons, cursor.fetchall(), strict=True):
        state.id = person_id
        state.is_new = False
    columns = "id, team_id, uuid, created_at, properties, properties_last_updated_at, properties_last_operation, "
    with cursor.cursor.copy(f"COPY persons_person ({columns}is_identified, version) FROM STDIN") as copy:
        for state in persons:
            properties = orjson.dumps(state.properties).decode()
            copy.write_row(
                (state.id, batch.team_id, state.uuid, state.created_at, properties, "{}", "{}", state.is_identified,
                 state.version)
            )  # fmt: skip


def _move_distinct_ids(cursor, batch: PersonBatch) -> None:
    if not batch.merged_away:
        return
    moves = [{"source": state.id, "target": state.resolve().id} for state in batch.merged_away]
    cursor.execute(
        "UPDATE persons_persondistinctid AS d SET person_id = m.target, version = d.version + 1 "
        "FROM json_to_recordset(%s::json) AS m(source bigint, target bigint) "
        "WHERE d.team_id = %s AND d.person_id = m.source",
        [_rows(moves), batch.team_id],
    )


def _upsert_distinct_ids(cursor, batch: PersonBatch) -> None:
    if not batch.new_distinct_ids:
        return
    # NOTE: every id here had no row when the batch was loaded (under the team's lock), so a plain COPY is right; a
    # row written meanwhile by someone else fails the batch, which is then retried with fresh state.
    with cursor.cursor.copy(
        "COPY persons_persondistinctid (team_id, distinct_id, person_id, version) FROM STDIN"
    ) as copy:
        for did, (state, version) in batch.new_distinct_ids.items():
            copy.write_row((batch.team_id, did, state.resolve().id, version))


def _update_persons(cursor, batch: PersonBatch) -> None:
    seen: set[int] = set()
    persons: list[PersonState] = []
    for state in batch.by_distinct_id.values():
        if state is not None and state.dirty and state.merged_into is None and state.id not in seen:
            seen.add(state.id)
            persons.append(state)
    if not persons:
        return
    rows = [
        {
            "id": state.id,
            "properties": state.properties,
            "is_identified": state.is_identified,
            "version": state.version,
            "created_at": state.created_at,
        }
        for state in persons
    ]
    cursor.execute(
        "UPDATE persons_person AS p SET properties = u.properties, is_identified = u.is_identified, "
        "version = u.version, created_at = u.created_at "
        "FROM json_to_recordset(%s::json) AS u(id bigint, properties jsonb, is_identified boolean, version bigint, "
        "created_at timestamptz) "
        "WHERE p.id = u.id AND p.team_id = %s",
        [_rows(rows), batch.team_id],
    )
    for state in persons:
        state.dirty = False


def _record_personless(cursor, batch: PersonBatch) -> None:
    seen = batch.personless_seen - batch.personless_adopted
    if seen:
        cursor.execute(
            "INSERT INTO persons_personlessdistinctid (team_id, distinct_id, is_merged, created_at) "
            "SELECT %s, u, false, now() FROM json_array_elements_text(%s::json) AS u "
            "ON CONFLICT (team_id, distinct_id) DO NOTHING",
            [batch.team_id, _rows(sorted(seen))],
        )
    if batch.personless_adopted:
        cursor.execute(
            "INSERT INTO persons_personlessdistinctid (team_id, distinct_id, is_merged, created_at) "
            "SELECT %s, u, true, now() FROM json_array_elements_text(%s::json) AS u "
            "ON CONFLICT (team_id, distinct_id) DO UPDATE SET is_merged = true",
            [batch.team_id, _rows(sorted(batch.personless_adopted))],
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
                "DELETE FROM persons_person WHERE team_id = %s "
                "AND id IN (SELECT json_array_elements_text(%s::json)::bigint)",
                [batch.team_id, _rows([state.id for state in batch.merged_away])],
            )
        _record_personless(cursor, batch)
