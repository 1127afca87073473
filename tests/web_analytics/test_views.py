import datetime as dt
import logging

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from posthog_api.testing import error, key_client, make_key, not_authenticated, not_found, permission_denied
from tests.ingestion.helpers import capture_and_ingest
from tests.web_analytics.builders import P90, posthogs_test_events, vitals_event

METRICS = ["INP", "LCP", "CLS", "FCP"]


def vitals_url(team, pathname: str | None = "/test-path") -> str:
    query = "" if pathname is None else f"?pathname={pathname}"
    return f"/api/environments/{team.id}/web_vitals/{query}"


def current_week(response) -> list[float]:
    return [series["data"][-1] for series in response.json()["results"]]


def test_each_metric_is_the_p90_of_this_weeks_events_in_posthogs_order(client, team):
    posthogs_test_events(team)
    response = client.get(vitals_url(team))
    assert response.status_code == 200
    assert [series["action"]["custom_name"] for series in response.json()["results"]] == METRICS
    assert current_week(response) == P90


def test_the_body_is_posthogs_trends_response(client, team):
    posthogs_test_events(team)
    body = client.get(vitals_url(team)).json()
    assert list(body) == [
        "results",
        "cache_key",
        "cache_target_age",
        "calculation_trigger",
        "error",
        "hasMore",
        "hogql",
        "is_cached",
        "last_refresh",
        "next_allowed_client_refresh",
        "modifiers",
        "query_metadata",
        "query_status",
        "resolved_date_range",
        "timezone",
        "timings",
    ]
    assert (body["is_cached"], body["error"], body["hasMore"], body["timezone"]) == (False, None, False, "UTC")
    last_refresh = dt.datetime.fromisoformat(body["last_refresh"])
    assert abs(timezone.now() - last_refresh) < dt.timedelta(minutes=1)
    inp = body["results"][0]
    assert inp["count"] == sum(inp["data"])
    assert (inp["label"], inp["action"]["math"], inp["action"]["math_property"]) == (
        "$web_vitals",
        "p90",
        "$web_vitals_INP_value",
    )


def test_only_web_vitals_events_of_this_team_and_page_in_the_window_count(client, team, other_organization):
    posthogs_test_events(team)
    vitals_event(team, "/other-page", INP=9000)
    vitals_event(team, INP=9000, event="$pageview")
    vitals_event(team, None, INP=9000)
    vitals_event(team, INP=9000, timestamp=timezone.now() - dt.timedelta(days=30))
    vitals_event(other_organization.teams.get(), INP=9000)
    assert current_week(client.get(vitals_url(team))) == P90


def test_events_without_a_metric_or_with_a_non_number_are_ignored(client, team):
    posthogs_test_events(team)
    vitals_event(team)
    for value in ("slow", True, None, {"ms": 9000}, [9000], "1e9999", "NaN"):
        vitals_event(team, INP=value)
    assert current_week(client.get(vitals_url(team))) == P90


def test_numbers_sent_as_text_count(client, team):
    for value in ("100", " 200 ", "3e2", 400):
        vitals_event(team, INP=value)
    assert current_week(client.get(vitals_url(team)))[0] == 370.0


def test_a_page_without_events_answers_zeros(client, team):
    posthogs_test_events(team)
    body = client.get(vitals_url(team, "/quiet")).json()
    assert [series["data"] for series in body["results"]] == [[0.0] * len(body["results"][0]["days"])] * 4
    assert [series["count"] for series in body["results"]] == [0.0] * 4


def test_the_pathname_is_matched_after_the_teams_path_cleaning(client, team):
    team.path_cleaning_filters = [
        {"regex": r"/user/\d+", "alias": "/user/<id>"},
        {"regex": r"\?.*$", "alias": ""},
    ]
    team.save()
    vitals_event(team, "/user/1?tab=a", INP=100)
    vitals_event(team, "/user/22", INP=200)
    vitals_event(team, "/user/me", INP=9000)
    response = client.get(vitals_url(team, "/user/<id>"))
    assert current_week(response) == [190.0, 0.0, 0.0, 0.0]


def test_events_sent_through_capture_and_the_worker_are_read(client, team):
    now = timezone.now() - dt.timedelta(seconds=1)
    events = [
        {
            "event": "$web_vitals",
            "distinct_id": "visitor",
            "timestamp": now.isoformat(),
            "properties": {"$pathname": "/pricing", "$web_vitals_LCP_value": value, "$web_vitals_CLS_value": 0.05},
        }
        for value in (1200, 2400)
    ]
    capture_and_ingest(team, events)
    assert current_week(client.get(vitals_url(team, "/pricing"))) == [0.0, 2280.0, 0.05, 0.0]


@pytest.mark.parametrize("pathname", [None, ""])
def test_pathname_is_required(client, team, pathname):
    response = client.get(vitals_url(team, pathname))
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "This field is required.", "pathname")


def test_a_pathname_with_a_null_character_is_refused(client, team):
    response = client.get(f"/api/environments/{team.id}/web_vitals/?pathname=/a%00b")

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "null_characters_not_allowed", "Null characters are not allowed.", "pathname"
    )


def test_a_failing_query_answers_an_empty_result(client, team, caplog):
    team.path_cleaning_filters = [{"regex": r"(?P<id>\d+)", "alias": "x"}]  # Python's syntax, not PostgreSQL's
    team.save()
    posthogs_test_events(team)
    with caplog.at_level(logging.ERROR, logger="web_analytics.views"):
        response = client.get(vitals_url(team))
    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert "Web vitals query failed" in caplog.text
    team.path_cleaning_filters = []
    team.save()
    assert current_week(client.get(vitals_url(team))) == P90


def test_a_key_needs_query_read(user, team):
    posthogs_test_events(team)
    response = key_client(make_key(user, scopes=["person:read"])).get(vitals_url(team))
    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'query:read'")
    response = key_client(make_key(user, scopes=["query:read"])).get(vitals_url(team))
    assert response.status_code == 200
    assert current_week(response) == P90


def test_a_session_user_reads_web_vitals(user, team):
    posthogs_test_events(team)
    session = APIClient()
    session.force_login(user)
    response = session.get(vitals_url(team))
    assert response.status_code == 200
    assert current_week(response) == P90


def test_anonymous_callers_get_401(anonymous, team):
    response = anonymous.get(vitals_url(team))
    assert response.status_code == 401
    assert response.json() == not_authenticated()


def test_another_organizations_key_cannot_read_this_project(other_user, other_organization, team):
    posthogs_test_events(team)
    response = key_client(make_key(other_user)).get(vitals_url(team))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")


def test_an_unknown_environment_is_not_found(client, db):
    response = client.get("/api/environments/999999/web_vitals/?pathname=/")
    assert response.status_code == 404
    assert response.json() == not_found("Project not found.")


def test_only_get_is_routed(user, team):
    session = APIClient()
    session.force_login(user)
    response = session.post(vitals_url(team), {})
    assert response.status_code == 405
    assert response.json() == error("invalid_request", "method_not_allowed", 'Method "POST" not allowed.')
