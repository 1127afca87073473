"""`$web_vitals` event rows for the web analytics tests, written straight into the events table."""

import datetime as dt
import uuid

from django.db import connection
from django.utils import timezone

from ingestion.models import Event

# PostHog's own test case: eight events per metric, and the p90 it expects of each.
VALUES = {
    "INP": [50, 100, 150, 200, 250, 300, 350, 400],
    "LCP": [1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500],
    "CLS": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    "FCP": [500, 800, 1100, 1400, 1700, 2000, 2300, 2600],
}
P90 = [365.0, 4150.0, 0.73, 2390.0]


def vitals_event(team, pathname: str | None = "/test-path", *, timestamp=None, event="$web_vitals", **metrics) -> Event:
    """One event; `metrics` are `INP=120`-style values (or raw JSON values) of `$web_vitals_<metric>_value`."""
    timestamp = timestamp or timezone.now() - dt.timedelta(seconds=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ingestion_ensure_event_partition(%s)", [timestamp])
    properties = {f"$web_vitals_{metric}_value": value for metric, value in metrics.items()}
    if pathname is not None:
        properties["$pathname"] = pathname
    return Event.objects.create(
        uuid=uuid.uuid4(),
        team=team,
        event=event,
        distinct_id="visitor",
        properties=properties,
        timestamp=timestamp,
        created_at=timestamp,
    )


def posthogs_test_events(team, pathname: str = "/test-path", **fields) -> None:
    for index in range(8):
        vitals_event(team, pathname, **{metric: values[index] for metric, values in VALUES.items()}, **fields)
