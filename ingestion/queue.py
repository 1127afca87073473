"""The durable queue between capture and the ingestion worker.

A queue row holds the events of one request chunk as text: two lines per event, the event's payload without its
properties (what `ingestion.capture.normalize_event` returns), then the properties as JSON. The worker parses both,
and writes the properties line into the events table as it is when it has not changed them, instead of serializing
them again. JSON text never holds a raw newline, so the lines split cleanly. Rows written before this layout hold a
JSON list of whole payloads; `decode_chunk` reads both (a worker older than this layout cannot read the new one:
upgrade the workers with, or before, the web servers).
"""

from django.db import connection

from ingestion import fastjson
from ingestion.models import QueuedEvent

# The properties line of a decoded payload, as queued: None once the worker changes the properties.
PROPERTIES_TEXT = "properties_text"

# One statement resolves the token and appends every chunk, so a request is either queued whole or not at all.
ENQUEUE_SQL = """
INSERT INTO ingestion_queue (team_id, payload, event_count)
SELECT team.id, chunk.payload, chunk.event_count
FROM projects_team AS team, (VALUES {values}) AS chunk(payload, event_count)
WHERE team.api_token = %s
"""


def encode_event(payload: dict) -> str:
    header = {key: value for key, value in payload.items() if key != "properties" and key != PROPERTIES_TEXT}
    properties = payload.get(PROPERTIES_TEXT) or fastjson.dumps(payload["properties"])
    return fastjson.dumps(header) + "\n" + properties


def encode_chunk(payloads: list[dict]) -> str:
    return "\n".join(encode_event(payload) for payload in payloads)


def decode_chunk(text: str) -> list[dict]:
    """The payloads of one queue row, each with its properties parsed and their text kept under PROPERTIES_TEXT."""
    if text.startswith("["):
        return fastjson.loads(text)
    lines = text.split("\n")
    values = fastjson.loads("[" + ",".join(lines) + "]")  # one parse for the row: a tenth faster than per line
    payloads = []
    for index in range(0, len(lines), 2):
        payload = values[index]
        payload["properties"] = values[index + 1]
        payload[PROPERTIES_TEXT] = lines[index + 1]
        payloads.append(payload)
    return payloads


def serialize_payloads(payloads: list[dict]) -> list[str]:
    return [encode_event(payload) for payload in payloads]


def enqueue(*, token: str, serialized: list[str]) -> int:
    """Queue the serialized payloads for the project of `token`; returns how many rows were written (0: unknown)."""
    size = QueuedEvent.CHUNK_SIZE
    chunks = [serialized[start : start + size] for start in range(0, len(serialized), size)]
    params: list = []
    for chunk in chunks:
        params += ["\n".join(chunk), len(chunk)]
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
