"""Validating and normalising captured events before they are queued (persons-groups-ingestion.md §1.2–§1.5).

Everything here is pure: it takes the decoded JSON and returns the queue payloads, or raises CaptureError. Nothing
is written unless the whole request is valid.
"""

import os
import re
import time
import uuid
from dataclasses import dataclass, field

from posthog_api.validators import is_storable_text

MAX_DISTINCT_ID_LENGTH = 200
MAX_EVENT_NAME_LENGTH = 400
MAX_EVENT_BYTES = 1024 * 1024
TOKEN_FIELDS = ("token", "$token", "api_key")
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PERSONAL_KEY_PREFIX = "phx_"


class CaptureError(Exception):
    def __init__(self, status: int, error_type: str, code: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.error_type = error_type
        self.code = code
        self.detail = detail


def invalid_payload(detail: str) -> CaptureError:
    return CaptureError(400, "validation_error", "invalid_payload", detail)


MISSING_TOKEN = CaptureError(
    401,
    "authentication_error",
    "missing_api_key",
    "API key not provided. You can find your project API key in PostHog project settings.",
)
INVALID_TOKEN = CaptureError(
    401,
    "authentication_error",
    "invalid_api_key",
    "Project API key invalid. You can find your project API key in PostHog project settings.",
)
INCONSISTENT_TOKEN = CaptureError(
    401, "authentication_error", "invalid_api_key", "batch submitted with inconsistent api_key values"
)


@dataclass
class CaptureRequest:
    token: str | None
    events: list = field(default_factory=list)
    sent_at: str | None = None


def uuid7() -> uuid.UUID:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def _event_token(event: dict) -> str | None:
    for name in TOKEN_FIELDS:
        if isinstance(event.get(name), str) and event[name]:
            return event[name]
    return None


def split_request(data, *, forced_event: str | None = None) -> CaptureRequest:
    """Envelope, array or single event → token (if the body names one), events and sent_at."""
    if isinstance(data, dict) and "batch" in data and data["batch"] is not None:
        batch = data["batch"]
        if not isinstance(batch, list):
            raise invalid_payload("Invalid payload: `batch` must be a list of events")
        token = data.get("api_key") or data.get("token")
        sent_at = data.get("sent_at") or data.get("sentAt") or data.get("created_at")
        return CaptureRequest(token if isinstance(token, str) else None, batch, sent_at)
    if isinstance(data, dict):
        if forced_event and "event" not in data:
            data = {**data, "event": forced_event}
        return CaptureRequest(None, [data])
    if isinstance(data, list):
        return CaptureRequest(None, data)
    raise invalid_payload("Invalid payload: the body must be an event, a list of events or a batch object")


def resolve_token(request: CaptureRequest, *, first_choice: str | None, fallback: str | None) -> str:
    """The project token, and a check that no event names another one (a batch belongs to one project)."""
    sdk_tokens, property_tokens = set(), set()
    for event in request.events:
        if not isinstance(event, dict):
            continue
        token = _event_token(event)
        if token is not None:
            sdk_tokens.add(token)
            continue
        properties = event.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("token"), str) and properties["token"]:
            property_tokens.add(properties["token"])
    token = first_choice or request.token
    if token:
        # NOTE: with an envelope token, only SDK-level token fields can conflict; `properties.token` may be a
        # user's own property on server-side events.
        if sdk_tokens - {token}:
            raise INCONSISTENT_TOKEN
    elif sdk_tokens or property_tokens:
        if len(sdk_tokens | property_tokens) > 1:
            raise INCONSISTENT_TOKEN
        token = (sdk_tokens | property_tokens).pop()
    else:
        token = fallback
    if not token or not isinstance(token, str):
        raise MISSING_TOKEN
    if not could_be_project_token(token):
        raise INVALID_TOKEN
    return token


def could_be_project_token(token: str) -> bool:
    """False for a personal API key and for text no project token is, which PostgreSQL could not even compare."""
    return not token.startswith(PERSONAL_KEY_PREFIX) and len(token) <= 200 and is_storable_text(token)


def stringify_distinct_id(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = text.replace("\x00", "\ufffd")[:MAX_DISTINCT_ID_LENGTH]
    return text if text.strip() else None


def normalize_event(event, *, now: str, sent_at: str | None) -> dict:
    """One queue payload; raises CaptureError for an event PostHog refuses (the whole request is then refused)."""
    if not isinstance(event, dict):
        raise invalid_payload("Invalid payload: every event must be a JSON object")
    name = event.get("event")
    if not isinstance(name, str) or not name:
        raise invalid_payload('Invalid payload: All events must have the event name field "event"!')
    properties = event.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise invalid_payload('Invalid payload: the "properties" of an event must be a JSON object')
    raw_distinct_id = event.get("distinct_id")
    if raw_distinct_id is None or raw_distinct_id == "":
        raw_distinct_id = properties.get("distinct_id")
    if raw_distinct_id is None or raw_distinct_id == "":
        raw_distinct_id = event.get("$distinct_id")
    distinct_id = stringify_distinct_id(raw_distinct_id)
    if distinct_id is None:
        raise invalid_payload('Invalid payload: All events must have the event field "distinct_id"!')
    event_uuid = event.get("uuid")
    if event_uuid is None or event_uuid == "":
        event_uuid = str(uuid7())
    elif isinstance(event_uuid, str) and _CANONICAL_UUID.fullmatch(event_uuid):
        event_uuid = event_uuid.lower()
    else:
        try:
            event_uuid = str(uuid.UUID(str(event_uuid)))
        except ValueError:
            raise invalid_payload(f"Invalid payload: event uuid {str(event_uuid)[:64]!r} is not a valid UUID") from None
    for key in ("$set", "$set_once"):
        if isinstance(event.get(key), dict):
            existing = properties.get(key)
            properties = {**properties, key: {**(existing if isinstance(existing, dict) else {}), **event[key]}}
    options = event.get("options")
    if isinstance(options, dict) and options.get("process_person_profile") is False:
        properties = {**properties, "$process_person_profile": False}
    payload = {
        "event": name.replace("\x00", "\ufffd")[:MAX_EVENT_NAME_LENGTH],
        "distinct_id": distinct_id,
        "uuid": event_uuid,
        "properties": properties,
        "now": now,
    }
    if event.get("timestamp") is not None:
        payload["timestamp"] = event["timestamp"]
    if event.get("offset") is not None:
        payload["offset"] = event["offset"]
    if sent_at is not None:
        payload["sent_at"] = sent_at
    return payload


def query_sent_at(value: str | None) -> str | None:
    """posthog-js' `_` query parameter: epoch milliseconds (≤ 11 digits are seconds)."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    try:
        seconds = int(value) if len(value) <= 11 else int(value) / 1000
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"
    except (OverflowError, OSError, ValueError):
        return None
