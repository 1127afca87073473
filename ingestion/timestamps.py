"""An event's final timestamp: clock-skew correction against `sent_at` (persons-groups-ingestion.md §1.5)."""

import datetime as dt
import functools
from email.utils import parsedate_to_datetime

MAX_FUTURE = dt.timedelta(hours=23)


def parse_timestamp(value) -> dt.datetime | None:
    """ISO 8601 (naive means UTC), a JS-style epoch in milliseconds, or an RFC 2822 date; None when unparseable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if type(value) is str:
        try:
            parsed = dt.datetime.fromisoformat(value)  # the common case, without the checks below
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


# Every event of a request carries the same `sent_at`.
_parse_sent_at = functools.lru_cache(maxsize=64)(parse_timestamp)


def event_timestamp(payload: dict, now: dt.datetime) -> tuple[dt.datetime, str | None]:
    """The timestamp to store, and an ingestion-warning type when the client's value was ignored."""
    raw = payload.get("timestamp")
    warning = None
    if raw is not None:
        timestamp = parse_timestamp(raw)
        sent_at_raw = payload.get("sent_at")
        if timestamp is None:
            timestamp, warning = now, "ignored_invalid_timestamp"
        elif sent_at_raw is not None and payload["properties"].get("$ignore_sent_at") is not True:
            sent_at = _parse_sent_at(sent_at_raw) if type(sent_at_raw) is str else parse_timestamp(sent_at_raw)
            if sent_at is None:
                timestamp, warning = now, "ignored_invalid_timestamp"
            else:
                try:
                    timestamp = now + (timestamp - sent_at)
                except OverflowError:
                    timestamp, warning = now, "ignored_invalid_timestamp"
    elif isinstance(payload.get("offset"), int | float) and not isinstance(payload.get("offset"), bool):
        try:
            timestamp = now - dt.timedelta(milliseconds=payload["offset"])
        except OverflowError:
            timestamp, warning = now, "ignored_invalid_timestamp"
    else:
        timestamp = now
    if timestamp - now > MAX_FUTURE:
        timestamp, warning = now, "event_timestamp_in_future"
    return timestamp, warning
