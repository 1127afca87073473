import datetime as dt
import json

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ingestion.models import Event
from persons.models import Person

PROPERTY_VALUES_LIMIT = 10
TIMELINE_EVENTS_LIMIT = 10_000


def property_value_text(value) -> str:
    """How PostHog shows a property value: booleans lower-case, objects and lists as JSON, the rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def person_property_values(*, team_id: int, key: str, value: str | None = None) -> list[dict]:
    """The most frequent values of person property `key`, optionally only those containing `value`."""
    persons = Person.objects.filter(team_id=team_id, properties__has_key=key)
    return top_property_values(persons, field="properties", key=key, value=value, limit=PROPERTY_VALUES_LIMIT)


def top_property_values(queryset, *, field: str, key: str, value: str | None, limit: int) -> list[dict]:
    """The `limit` most frequent values of `key` in the JSON column `field` of `queryset` (rows that have `key`), as
    PostHog shows them; with `value`, only those containing it."""
    if value:
        queryset = queryset.alias(_text=KeyTextTransform(key, field)).filter(_text__icontains=value)
    rows = (
        queryset.annotate(_value=KeyTransform(key, field))
        .values("_value")
        .annotate(count=Count("id"))
        .order_by("-count")[: limit * 2]
    )
    counts: dict[str, int] = {}
    for row in rows:
        if row["_value"] is None:
            continue
        name = property_value_text(row["_value"])
        counts[name] = counts.get(name, 0) + row["count"]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [{"name": name, "count": total} for name, total in ordered]


def _moment(raw: str | None, *, end: bool) -> dt.datetime | None:
    """An ISO date-time, or a day (its first or, for `end`, last instant); anything else means no bound."""
    if not raw:
        return None
    try:
        day = parse_date(raw) if len(raw) == 10 else None
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min) if day else parse_datetime(raw)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def _crucial_keys(raw: str | None) -> list[str]:
    try:
        parsed = json.loads(raw) if raw else []
    except ValueError:
        return []
    items = parsed.get("values", []) if isinstance(parsed, dict) else parsed
    return [item["key"] for item in items if isinstance(item, dict) and isinstance(item.get("key"), str)]


def _apply(properties: dict, event_properties: dict) -> dict:
    result = dict(properties)
    for key, value in (event_properties.get("$set_once") or {}).items():
        result.setdefault(key, value)
    result.update(event_properties.get("$set") or {})
    unset = event_properties.get("$unset") or []
    for key in unset.keys() if isinstance(unset, dict) else unset:
        result.pop(key, None)
    return result


def person_properties_timeline(*, person: Person, params) -> dict:
    """How the person's properties evolved over its events: one point each time the (crucial) properties changed.

    Properties are replayed from the events' `$set_once` / `$set` / `$unset`, oldest first.
    """
    date_from = _moment(params.get("date_from"), end=False)
    date_to = _moment(params.get("date_to"), end=True)
    crucial = _crucial_keys(params.get("properties"))
    events = Event.objects.filter(team_id=person.team_id).filter(
        Q(distinct_id__in=person.distinct_ids) | Q(person_id=person.uuid)
    )
    if date_from is not None:
        events = events.filter(timestamp__gte=date_from)
    if date_to is not None:
        events = events.filter(timestamp__lte=date_to)

    def relevant(props: dict) -> dict:
        return {key: props.get(key) for key in crucial} if crucial else props

    points: list[dict] = []
    properties: dict = {}
    rows = events.order_by("timestamp").values_list("timestamp", "properties")[:TIMELINE_EVENTS_LIMIT]
    for timestamp, event_properties in rows:
        updated = _apply(properties, event_properties if isinstance(event_properties, dict) else {})
        if not points or relevant(updated) != relevant(properties):
            points.append({"timestamp": timestamp.isoformat(), "properties": updated, "relevant_event_count": 0})
        points[-1]["relevant_event_count"] += 1
        properties = updated
    first = rows[0][0] if points else person.created_at
    return {
        "points": points,
        "crucial_property_keys": crucial,
        "effective_date_from": (date_from or first).isoformat(),
        "effective_date_to": (date_to or timezone.now()).isoformat(),
    }
