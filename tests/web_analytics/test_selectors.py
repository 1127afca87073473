import datetime as dt
from zoneinfo import ZoneInfo

from tests.web_analytics.builders import vitals_event
from web_analytics.selectors import vitals_window, web_vitals_trends

UTC = dt.UTC
# A Thursday: the window starts on Thursday 19 November, in the week of Sunday 15 November.
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def at(*args, tz=UTC) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def inp_by_week(body: dict) -> dict[str, float]:
    inp = body["results"][0]
    return dict(zip(inp["days"], inp["data"], strict=True))


def test_the_window_runs_from_the_start_of_the_day_a_week_ago_to_the_end_of_today_in_weeks():
    window = vitals_window(now=NOW, tz=ZoneInfo("UTC"), week_start_day=0)
    assert window.date_from == at(2026, 11, 19)
    assert window.date_to == at(2026, 11, 26, 23, 59, 59, 999999)
    assert window.weeks == [dt.date(2026, 11, 15), dt.date(2026, 11, 22)]
    monday_weeks = vitals_window(now=NOW, tz=ZoneInfo("UTC"), week_start_day=1).weeks
    assert monday_weeks == [dt.date(2026, 11, 16), dt.date(2026, 11, 23)]


def test_a_window_that_starts_on_the_first_day_of_a_week_has_two_weeks():
    sunday_night = at(2026, 11, 22, 23, 0)
    assert vitals_window(now=sunday_night, tz=ZoneInfo("UTC"), week_start_day=0).weeks == [
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 22),
    ]


def test_events_are_bucketed_by_week_from_the_start_of_the_first_week_to_the_end_of_today(team):
    for timestamp, value in [
        (at(2026, 11, 14, 23, 0), 9000),  # before the first week
        (at(2026, 11, 15, 1, 0), 100),  # first week, before date_from: PostHog starts at the week's start
        (at(2026, 11, 21, 23, 59), 200),
        (at(2026, 11, 22, 0, 0), 300),
        (at(2026, 11, 26, 23, 0), 400),  # later today
        (at(2026, 11, 27, 0, 0), 9000),  # tomorrow
    ]:
        vitals_event(team, timestamp=timestamp, INP=value)
    body = web_vitals_trends(team=team, pathname="/test-path", now=NOW)
    assert inp_by_week(body) == {"2026-11-15": 190.0, "2026-11-22": 390.0}


def test_weeks_start_on_the_teams_week_start_day(team):
    team.week_start_day = 1
    vitals_event(team, timestamp=at(2026, 11, 22, 12, 0), INP=100)  # a Sunday
    vitals_event(team, timestamp=at(2026, 11, 23, 0, 0), INP=200)  # a Monday
    body = web_vitals_trends(team=team, pathname="/test-path", now=NOW)
    assert inp_by_week(body) == {"2026-11-16": 100.0, "2026-11-23": 200.0}


def test_days_and_weeks_are_the_teams_local_ones(team):
    team.timezone = "America/Los_Angeles"
    vitals_event(team, timestamp=at(2026, 11, 22, 7, 0), INP=100)  # Saturday 23:00 in Los Angeles
    vitals_event(team, timestamp=at(2026, 11, 22, 9, 0), INP=200)  # Sunday 01:00 in Los Angeles
    body = web_vitals_trends(team=team, pathname="/test-path", now=at(2026, 11, 23, 5, 0))
    assert inp_by_week(body) == {"2026-11-15": 100.0, "2026-11-22": 200.0}
    assert body["resolved_date_range"] == {
        "date_from": "2026-11-15T00:00:00-08:00",
        "date_to": "2026-11-22T23:59:59.999999-08:00",
    }
    assert body["results"][0]["action"]["days"] == ["2026-11-15T00:00:00-08:00", "2026-11-22T00:00:00-08:00"]
    assert body["timezone"] == "America/Los_Angeles"


def test_weeks_across_a_daylight_saving_change_start_at_local_midnight(team):
    team.timezone, team.week_start_day = "Europe/Berlin", 1
    vitals_event(team, timestamp=at(2026, 10, 25, 22, 30), INP=100)  # Sunday 23:30 in Berlin, after the change
    vitals_event(team, timestamp=at(2026, 10, 25, 23, 30), INP=200)  # Monday 00:30 in Berlin
    body = web_vitals_trends(team=team, pathname="/test-path", now=at(2026, 10, 28, 12, 0))
    assert inp_by_week(body) == {"2026-10-19": 100.0, "2026-10-26": 200.0}
    assert body["results"][0]["action"]["days"] == ["2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"]


def test_each_series_is_a_trends_series_of_one_metric(team):
    vitals_event(team, timestamp=at(2026, 11, 24, 8, 0), INP=120, CLS=0.25)
    body = web_vitals_trends(team=team, pathname="/test-path", now=NOW)
    legacy_filter = {
        "insight": "TRENDS",
        "interval": "week",
        "date_from": "2026-11-19T00:00:00+00:00",
        "date_to": "2026-11-26T23:59:59.999999+00:00",
        "display": "ActionsLineGraph",
        "filter_test_accounts": False,
        "events": [
            {"id": "$web_vitals", "type": "events", "order": order, "custom_name": metric, "math": "p90"}
            for order, metric in enumerate(["INP", "LCP", "CLS", "FCP"])
        ],
        "properties": [
            {"key": "$pathname", "operator": "is_cleaned_path_exact", "type": "event", "value": ["/test-path"]}
        ],
    }
    assert body["results"][2] == {
        "data": [0.0, 0.25],
        "labels": ["15-Nov-2026", "22-Nov-2026"],
        "days": ["2026-11-15", "2026-11-22"],
        "count": 0.25,
        "label": "$web_vitals",
        "filter": legacy_filter,
        "action": {
            "days": ["2026-11-15T00:00:00+00:00", "2026-11-22T00:00:00+00:00"],
            "id": "$web_vitals",
            "type": "events",
            "order": 2,
            "name": "$web_vitals",
            "custom_name": "CLS",
            "math": "p90",
            "math_property": "$web_vitals_CLS_value",
            "math_hogql": None,
            "math_group_type_index": None,
            "properties": {},
        },
    }
    assert [series["data"] for series in body["results"]] == [[0.0, 120.0], [0.0, 0.0], [0.0, 0.25], [0.0, 0.0]]
    assert {key: body[key] for key in body if key != "results"} == {
        "cache_key": body["cache_key"],
        "cache_target_age": None,
        "calculation_trigger": None,
        "error": None,
        "hasMore": False,
        "hogql": None,
        "is_cached": False,
        "last_refresh": "2026-11-26T12:00:00+00:00",
        "next_allowed_client_refresh": "2026-11-26T12:00:00+00:00",
        "modifiers": {},
        "query_metadata": None,
        "query_status": None,
        "resolved_date_range": {
            "date_from": "2026-11-19T00:00:00+00:00",
            "date_to": "2026-11-26T23:59:59.999999+00:00",
        },
        "timezone": "UTC",
        "timings": [],
    }
    assert body["cache_key"].startswith("cache_")


def test_the_query_reads_only_the_teams_rows_through_its_index(team, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        web_vitals_trends(team=team, pathname="/test-path", now=NOW)
    assert "WHERE team_id = " in queries.captured_queries[0]["sql"]
