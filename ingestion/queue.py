"""The durable queue between capture and the ingestion worker."""

from django.db import connection

from ingestion import fastjson
from ingestion.models import QueuedEvent

# One statement resolves the token and appends every chunk, so a request is either queued whole or not at all.
ENQUEUE_SQL = """
INSERT INTO ingestion_queue (team_id, payload, event_count)
SELECT team.id, chunk.payload, chunk.event_count
FROM projects_team AS team, (VALUES {values}) AS chunk(payload, event_count)
WHERE team.api_token = %s
"""


def serialize_payloads(payloads: list[dict]) -> list[str]:
    return [fastjson.dumps(payload) for payload in payloads]


def enqueue(*, token: str, serialized: list[str]) -> int:
    """Queue the serialized payloads for the project of `token`; returns how many rows were written (0: unknown)."""
    size = QueuedEvent.CHUNK_SIZE
    chunks = [serialized[start : start + size] for start in range(0, len(serialized), size)]
    params: list = []
    for chunk in chunks:
        params += ["[" + ",".join(chunk) + "]", len(chunk)]
    # NOTE: plain text parameters, not a text[] array: psycopg escapes array elements character by character.
    sql = ENQUEUE_SQL.format(values=", ".join(["(%s::text, %s::int)"] * len(chunks)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, token])
        return cursor.rowcount


def team_id_for_token(token: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM projects_team WHERE api_token = %s", [token])
        row = cursor.fetchone()
    return row[0] if row else None
