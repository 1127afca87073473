"""The ingestion worker: claims queued events of one team at a time and processes them in one transaction.

Crash safety: the claimed queue rows are deleted inside the same transaction that writes persons, groups,
definitions and events, so a worker (or database) dying mid-batch rolls everything back and the rows are claimed
again later; a committed batch is never claimed twice. Order: an advisory lock per team keeps one worker per team,
and rows are taken in id order.
"""

import datetime as dt
import logging
import time
from contextlib import contextmanager

import psycopg
from django.db import InterfaceError, OperationalError, connection, transaction

from ingestion import fastjson
from ingestion.pipeline import (
    EventRow,
    MissingPartitions,
    apply_restrictions,
    month_of,
    process_batch,
)
from ingestion.queue import PROPERTIES_TEXT, decode_chunk, encode_chunk
from persons.services import PersonState

logger = logging.getLogger("posthog_api.ingestion")

TEAM_LOCK_NAMESPACE = 0x1A6E
DEFAULT_BATCH_EVENTS = 10_000
MAX_ROWS_PER_BATCH = 1000
EVENT_COLUMNS = "uuid, team_id, event, distinct_id, properties, timestamp, created_at, person_id"
# A lost connection or server: retried later, never blamed on the batch. psycopg's own classes come from the COPYs,
# which run on psycopg's cursor outside Django's error wrapping.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def known_partition_months() -> set[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ingestion_event'::regclass"
        )
        names = [row[0] for row in cursor.fetchall()]
    months = set()
    for name in names:
        suffix = name.rsplit("_p", 1)[-1]
        if suffix.isdigit() and len(suffix) == 6:
            months.add(dt.datetime(int(suffix[:4]), int(suffix[4:]), 1, tzinfo=dt.UTC))
    return months


def ensure_partitions(months) -> None:
    """Create the monthly partitions (each in its own short transaction, outside any batch)."""
    for month in sorted(months):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT ingestion_ensure_event_partition(%s)", [month])


def ensure_upcoming_partitions(months_ahead: int = 3) -> None:
    now = month_of(dt.datetime.now(dt.UTC))
    months, year, month = [], now.year, now.month
    for _ in range(months_ahead + 1):
        months.append(dt.datetime(year, month, 1, tzinfo=dt.UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    ensure_partitions(months)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_FLUSH_ROWS = 200


def copy_text(value: str) -> str:
    """A value as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


@contextmanager
def _events_copy(cursor, team_id: int, now: dt.datetime):
    """A COPY into the events table, and the function that writes one EventRow into it.

    The rows are written as COPY text directly: the properties arrive as JSON text, which psycopg's row formatter
    would scan character by character again."""
    person_ids: dict[PersonState, str] = {}
    tail = f"\t{team_id}\t"
    created_at = now.isoformat()
    lines: list[str] = []
    with cursor.cursor.copy(f"COPY ingestion_event ({EVENT_COLUMNS}) FROM STDIN") as copy:

        def write_event(row: EventRow) -> None:
            event_uuid, event, distinct_id, properties, timestamp, person = row
            if person.__class__ is PersonState:
                person = person.resolve()
                person_id = person_ids.get(person)
                if person_id is None:
                    person_id = person_ids[person] = str(person.uuid)
            else:  # a person-less event's derived id
                person_id = "\\N" if person is None else str(person)
            lines.append(
                f"{event_uuid}{tail}{copy_text(event)}\t{copy_text(distinct_id)}\t{copy_text(properties)}\t"
                f"{timestamp.isoformat()}\t{created_at}\t{person_id}\n"
            )
            if len(lines) >= COPY_FLUSH_ROWS:
                copy.write("".join(lines))
                lines.clear()

        yield write_event
        if lines:
            copy.write("".join(lines))


class Worker:
    def __init__(self, *, batch_events: int = DEFAULT_BATCH_EVENTS, poll_interval: float = 0.2):
        self.batch_events = batch_events
        self.poll_interval = poll_interval
        self.stopping = False
        self.known_months: set[dt.datetime] | None = None
        self.isolated_up_to: dict[int, int] = {}
        self.ingested_teams: set[int] = set()

    def stop(self, *_args) -> None:
        self.stopping = True

    def run(self, *, until_empty: bool = False) -> int:
        """Process batches until stopped (or, with `until_empty`, until the queue is empty); returns events done."""
        total, backoff = 0, self.poll_interval
        while not self.stopping:
            try:
                done = self.run_once()
                backoff = self.poll_interval
            except DATABASE_UNAVAILABLE as exc:
                logger.warning("ingestion: database unavailable (%s); retrying in %.1fs", exc, backoff)
                connection.close()
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if done is None:
                if until_empty:
                    break
                time.sleep(self.poll_interval)
            else:
                total += done
        return total

    def run_once(self) -> int | None:
        """One batch of one team: the number of events processed, or None when nothing was claimable."""
        if self.known_months is None:
            self.known_months = known_partition_months()
        try:
            return self._batch()
        except MissingPartitions as missing:
            ensure_partitions(missing.months)
            self.known_months = known_partition_months()
            return self._batch()

    def _lock_next_team(self, cursor) -> tuple[int, int] | None:
        skipped: list[int] = []
        for _ in range(16):
            cursor.execute(
                "SELECT q.team_id, t.project_id FROM ingestion_queue q JOIN projects_team t ON t.id = q.team_id "
                "WHERE q.team_id <> ALL(%s) ORDER BY q.id LIMIT 1",
                [skipped],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [TEAM_LOCK_NAMESPACE, row[0]])
            if cursor.fetchone()[0]:
                return row
            skipped.append(row[0])
        return None

    def _claim(self, cursor, team_id: int, *, max_rows: int) -> list[tuple[int, list]]:
        cursor.execute(
            "SELECT id, event_count FROM ingestion_queue WHERE team_id = %s "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [team_id, max_rows],
        )
        ids, events = [], 0
        for row_id, count in cursor.fetchall():
            if ids and events + count > self.batch_events:
                break
            ids.append(row_id)
            events += count
        if not ids:
            return []
        cursor.execute("DELETE FROM ingestion_queue WHERE id = ANY(%s) RETURNING id, payload", [ids])
        return sorted((row_id, decode_chunk(payload)) for row_id, payload in cursor.fetchall())

    def _batch(self) -> int | None:
        """Normally every claimed row in one transaction. After a failure, the rows of the failed batch are retried
        one event per transaction, and an event that fails on its own is set aside as an ingestion warning."""
        claimed: list[int] = []
        team_id = None
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # NOTE: an asynchronous commit is enough here: the batch's writes and the deletion of its queue rows
                # commit together, so a database crash can only lose whole batches, which are then still queued.
                cursor.execute("SET LOCAL synchronous_commit = off")
                team = self._lock_next_team(cursor)
                if team is None:
                    return None
                team_id, project_id = team
                isolated = self._is_isolated(cursor, team_id)
                rows = self._claim(cursor, team_id, max_rows=1 if isolated else MAX_ROWS_PER_BATCH)
                claimed = [row_id for row_id, _chunk in rows]
                payloads = [payload for _row_id, chunk in rows for payload in chunk]
                if isolated and len(payloads) > 1:
                    self._requeue(cursor, rows[0][0], team_id, payloads[1:])
                    payloads = payloads[:1]
                self._process(cursor, team_id, project_id, payloads)
            return len(payloads)
        except (*DATABASE_UNAVAILABLE, MissingPartitions):
            raise
        except Exception as exc:
            if team_id is None or not claimed:
                raise
            if team_id not in self.isolated_up_to:
                logger.warning("ingestion: batch of team %s failed (%r); retrying its events one by one", team_id, exc)
                self.isolated_up_to[team_id] = max(claimed)
                return 0
            self._set_aside(team_id, exc)
            return 0

    def _is_isolated(self, cursor, team_id: int) -> bool:
        up_to = self.isolated_up_to.get(team_id)
        if up_to is None:
            return False
        cursor.execute("SELECT min(id) FROM ingestion_queue WHERE team_id = %s", [team_id])
        next_id = cursor.fetchone()[0]
        if next_id is None or next_id > up_to:
            del self.isolated_up_to[team_id]
            return False
        return True

    def _requeue(self, cursor, row_id: int, team_id: int, payloads: list[dict]) -> None:
        # The same row id keeps the remaining events first in the team's order.
        cursor.execute(
            "INSERT INTO ingestion_queue (id, team_id, payload, event_count) VALUES (%s, %s, %s, %s)",
            [row_id, team_id, encode_chunk(payloads), len(payloads)],
        )

    def _set_aside(self, team_id: int, error: Exception) -> None:
        """The first queued event of the team fails on its own: record it as a warning and drop it from the queue."""
        logger.error("ingestion: an event of team %s cannot be processed (%r); set aside", team_id, error)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TEAM_LOCK_NAMESPACE, team_id])
            rows = self._claim(cursor, team_id, max_rows=1)
            if not rows:
                return
            payloads = rows[0][1]
            if len(payloads) > 1:
                self._requeue(cursor, rows[0][0], team_id, payloads[1:])
            event = {key: value for key, value in payloads[0].items() if key != PROPERTIES_TEXT} if payloads else None
            details = {"error": repr(error)[:1000], "event": event}
            self._write_warnings(cursor, team_id, [("event_processing_failed", details)], dt.datetime.now(dt.UTC))

    def _process(self, cursor, team_id: int, project_id: int, payloads: list[dict]) -> None:
        now = dt.datetime.now(dt.UTC)
        cursor.execute(
            "SELECT r.restriction_type, r.distinct_ids FROM projects_eventingestionrestriction r "
            "JOIN projects_team t ON t.api_token = r.token WHERE t.id = %s",
            [team_id],
        )
        restrictions = cursor.fetchall()
        if restrictions:
            payloads = apply_restrictions(payloads, restrictions)
        warnings = process_batch(
            team_id=team_id,
            project_id=project_id,
            payloads=payloads,
            now=now,
            known_months=self.known_months,
            events_writer=lambda: _events_copy(cursor, team_id, now),
        )
        if warnings:
            self._write_warnings(cursor, team_id, warnings, now)
        if team_id not in self.ingested_teams:
            cursor.execute(
                "UPDATE projects_team SET ingested_event = true WHERE id = %s AND NOT ingested_event", [team_id]
            )
            self.ingested_teams.add(team_id)

    def _write_warnings(self, cursor, team_id: int, warnings: list[tuple[str, dict]], now: dt.datetime) -> None:
        cursor.execute(
            "INSERT INTO ingestion_ingestionwarning (team_id, type, source, details, timestamp) "
            "SELECT %s, u.type, 'ingestion', u.details, %s "
            "FROM json_to_recordset(%s::json) AS u(type text, details jsonb)",
            [team_id, now, fastjson.dumps([{"type": w[0], "details": w[1]} for w in warnings])],
        )
