import json

from django.test import Client

from ingestion.models import Event, QueuedEvent
from ingestion.queue import PROPERTIES_TEXT, decode_chunk
from ingestion.worker import Worker

OK = {"status": 1}


def post(path: str, body, *, content_type: str = "application/json", **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post(path, data, content_type=content_type, **extra)


def queued() -> list[dict]:
    """Every queued payload, in queue order (without the properties text the worker keeps)."""
    payloads = [payload for row in QueuedEvent.objects.order_by("id") for payload in decode_chunk(row.payload)]
    for payload in payloads:
        del payload[PROPERTIES_TEXT]
    return payloads


def ingest() -> int:
    return Worker(poll_interval=0).run(until_empty=True)


def capture_and_ingest(team, events: list[dict]) -> None:
    response = post("/batch/", {"api_key": team.api_token, "batch": events})
    assert response.status_code == 200, response.content
    ingest()


def events_of(team) -> list[Event]:
    return list(Event.objects.filter(team=team).order_by("timestamp", "event"))


def error_body(code: str, detail: str, error_type: str = "validation_error") -> dict:
    return {"type": error_type, "code": code, "detail": detail, "attr": None}
