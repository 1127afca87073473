"""Web vitals: the p90 of each Core Web Vital per week on one page, computed in SQL over the events table.

PostHog answers with a trends query: four `p90` series over `$web_vitals` events, one per metric, weekly, from `-7d`
to now in the team's time zone, filtered on the cleaned `$pathname`. This module computes the same figures with one
query and returns them in the trends response shape that PostHog's toolbar reads.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

EVENT = "$web_vitals"
METRICS = ("INP", "LCP", "CLS", "FCP")
WINDOW_DAYS = 7
SUNDAY = 0  # PostHog's default when the team has no `week_start_day`
# A number, or a string that reads as one (PostHog casts with toFloat64OrNull). The exponent is capped so that the
# numeric cast cannot overflow; values outside float8's range are dropped in the query.
NUMBER_TEXT = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?\s*$"


@dataclass(frozen=True)
class Window:
    """PostHog's fixed window: from the start of the day seven days ago to the end of today, bucketed by week."""

    timezone: ZoneInfo
    date_from: dt.datetime
    date_to: dt.datetime
    weeks: list[dt.date]

    def start_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.timezone)


def week_start(day: dt.date, week_start_day: int) -> dt.date:
    days_into_week = (day.weekday() + 1) % 7 if week_start_day == SUNDAY else day.weekday()
    return day - dt.timedelta(days=days_into_week)


def vitals_window(*, now: dt.datetime, tz: ZoneInfo, week_start_day: int) -> Window:
    today = now.astimezone(tz).date()
    first_day = today - dt.timedelta(days=WINDOW_DAYS)
    first_week, last_week = week_start(first_day, week_start_day), week_start(today, week_start_day)
    return Window(
        timezone=tz,
        date_from=dt.datetime.combine(first_day, dt.time.min, tzinfo=tz),
        date_to=dt.datetime.combine(today, dt.time.max, tzinfo=tz),
        weeks=[first_week + dt.timedelta(weeks=n) for n in range((last_week - first_week).days // 7 + 1)],
    )


def _cleaned_path(rules: list, params: dict) -> str:
    """`$pathname` after the team's path cleaning rules, applied in order, each replacing every match."""
    expression = "properties ->> '$pathname'"
    for index, rule in enumerate(rules or []):
        params[f"regex_{index}"], params[f"alias_{index}"] = rule["regex"], str(rule.get("alias") or "")
        expression = f"regexp_replace({expression}, %(regex_{index})s, %(alias_{index})s, 'g')"
    return expression


def _metric_numeric(metric: str) -> str:
    value = f"(properties -> '$web_vitals_{metric}_value')"
    return (
        f"CASE WHEN jsonb_typeof({value}) IN ('number', 'string') AND {value} #>> '{{}}' ~ %(number_text)s "
        f"THEN ({value} #>> '{{}}')::numeric END AS {metric.lower()}"
    )


def _p90(metric: str) -> str:
    value = metric.lower()
    as_float = f"CASE WHEN abs({value}) < 1e-300 THEN 0 WHEN abs({value}) < 1e300 THEN {value}::float8 END"
    return f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {as_float})"


def web_vitals_p90(*, team, pathname: str, window: Window, week_start_day: int) -> dict[dt.date, tuple]:
    """The p90 of each metric (in METRICS order; None when no event has it) per week that has events."""
    params = {
        "team_id": team.pk,
        "event": EVENT,
        "start": window.start_of(window.weeks[0]),
        "end": window.date_to,
        "tz": window.timezone.key,
        "shift": 1 if week_start_day == SUNDAY else 0,  # date_trunc weeks start on Monday
        "pathname": pathname,
        "number_text": NUMBER_TEXT,
    }
    cleaned_path = _cleaned_path(team.path_cleaning_filters, params)
    sql = f"""
        WITH vitals AS (
            SELECT (date_trunc('week', ("timestamp" AT TIME ZONE %(tz)s) + %(shift)s * interval '1 day'))::date
                       - %(shift)s AS week,
                   {", ".join(_metric_numeric(metric) for metric in METRICS)}
            FROM ingestion_event
            WHERE team_id = %(team_id)s AND event = %(event)s
              AND "timestamp" >= %(start)s AND "timestamp" <= %(end)s
              AND {cleaned_path} = %(pathname)s
        )
        SELECT week, {", ".join(_p90(metric) for metric in METRICS)}
        FROM vitals
        GROUP BY week
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {week: tuple(values) for week, *values in cursor.fetchall()}


def _series(*, order: int, metric: str, window: Window, p90s: dict, legacy_filter: dict) -> dict:
    data = [float(p90s.get(week, (None,) * len(METRICS))[order] or 0) for week in window.weeks]
    return {
        "data": data,
        "labels": [f"{week.day}-{week:%b-%Y}" for week in window.weeks],
        "days": [week.isoformat() for week in window.weeks],
        "count": sum(data),
        "label": EVENT,
        "filter": legacy_filter,
        "action": {
            "days": [window.start_of(week).isoformat() for week in window.weeks],
            "id": EVENT,
            "type": "events",
            "order": order,
            "name": EVENT,
            "custom_name": metric,
            "math": "p90",
            "math_property": f"$web_vitals_{metric}_value",
            "math_hogql": None,
            "math_group_type_index": None,
            "properties": {},
        },
    }


def _legacy_filter(*, pathname: str, window: Window) -> dict:
    return {
        "insight": "TRENDS",
        "interval": "week",
        "date_from": window.date_from.isoformat(),
        "date_to": window.date_to.isoformat(),
        "display": "ActionsLineGraph",
        "filter_test_accounts": False,
        "events": [
            {"id": EVENT, "type": "events", "order": order, "custom_name": metric, "math": "p90"}
            for order, metric in enumerate(METRICS)
        ],
        "properties": [{"key": "$pathname", "operator": "is_cleaned_path_exact", "type": "event", "value": [pathname]}],
    }


def web_vitals_trends(*, team, pathname: str, now: dt.datetime | None = None) -> dict:
    """PostHog's trends response for the web vitals of `pathname`, computed now (nothing is cached here)."""
    now = now or timezone.now()
    week_start_day = team.week_start_day if team.week_start_day is not None else SUNDAY
    window = vitals_window(now=now, tz=ZoneInfo(team.timezone), week_start_day=week_start_day)
    p90s = web_vitals_p90(team=team, pathname=pathname, window=window, week_start_day=week_start_day)
    legacy_filter = _legacy_filter(pathname=pathname, window=window)
    cache_key = hashlib.sha256(f"{team.pk}:{pathname}:{window.date_from.isoformat()}".encode()).hexdigest()
    return {
        "results": [
            _series(order=order, metric=metric, window=window, p90s=p90s, legacy_filter=legacy_filter)
            for order, metric in enumerate(METRICS)
        ],
        "cache_key": f"cache_{cache_key}",
        "cache_target_age": None,
        "calculation_trigger": None,
        "error": None,
        "hasMore": False,
        "hogql": None,
        "is_cached": False,
        "last_refresh": now.isoformat(),
        "next_allowed_client_refresh": now.isoformat(),
        "modifiers": {},
        "query_metadata": None,
        "query_status": None,
        "resolved_date_range": {"date_from": window.date_from.isoformat(), "date_to": window.date_to.isoformat()},
        "timezone": team.timezone,
        "timings": [],
    }
