import base64
import gzip
import json
from urllib.parse import quote

import pytest
from django.test import Client

from ingestion import lzstring
from ingestion.decoding import MAX_BODY_BYTES
from ingestion.models import QueuedEvent
from tests.ingestion.helpers import OK, error_body, post, queued

PYTHON_EVENT = {
    "distinct_id": "demo-anon-0001",
    "event": "page_view",
    "properties": {"$current_url": "https://example.com/", "$lib": "posthog-python", "$lib_version": "7.91.1"},
    "timestamp": "2026-11-22T13:53:42.046558+00:00",
    "uuid": "924d3ac4-2ff2-4f8e-b6e9-f7f02a86a181",
}
JS_EVENT = {
    "event": "$pageview",
    "properties": {"distinct_id": "browser-user-1", "$current_url": "http://127.0.0.1/", "token": None},
    "timestamp": "2026-11-22T14:10:55.232Z",
    "uuid": "01a20398-7e80-77c6-a0d3-123809892aec",
}


def python_batch(team, **extra) -> dict:
    return {"api_key": team.api_token, "batch": [PYTHON_EVENT], "historical_migration": False, **extra}


def js_body(team) -> dict:
    event = {**JS_EVENT, "properties": {**JS_EVENT["properties"], "token": team.api_token}}
    return {"api_key": team.api_token, "batch": [event], "sent_at": "2026-11-22T14:10:55.235Z"}


def assert_queued_python_event(team, sent_at="2026-11-22T13:53:42.046960+00:00"):
    (row,) = QueuedEvent.objects.all()
    assert (row.team_id, row.event_count) == (team.id, 1)
    (payload,) = queued()
    now = payload.pop("now")
    assert now.startswith("20")
    assert payload == {
        "event": "page_view",
        "distinct_id": "demo-anon-0001",
        "uuid": "924d3ac4-2ff2-4f8e-b6e9-f7f02a86a181",
        "properties": PYTHON_EVENT["properties"],
        "timestamp": "2026-11-22T13:53:42.046558+00:00",
        **({"sent_at": sent_at} if sent_at else {}),
    }


def test_posthog_python_batch_is_queued(team):
    body = python_batch(team, sent_at="2026-11-22T13:53:42.046960+00:00")
    response = post("/batch/", body, HTTP_USER_AGENT="posthog-python/7.91.1")
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team)


def test_gzip_body_with_content_encoding_header(team):
    body = gzip.compress(json.dumps(python_batch(team, sent_at="2026-11-22T13:53:42.046960+00:00")).encode())
    response = post("/batch/", body, HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team)


def test_posthog_js_gzip_sent_as_text_plain_without_any_hint_is_detected(team):
    body = gzip.compress(json.dumps(js_body(team)).encode())
    response = post("/e/", body, content_type="text/plain", HTTP_ORIGIN="http://127.0.0.1:42559")
    assert (response.status_code, response.json()) == (200, OK)
    assert response["Access-Control-Allow-Origin"] == "http://127.0.0.1:42559"
    assert response["Access-Control-Allow-Credentials"] == "true"
    (payload,) = queued()
    assert (payload["event"], payload["distinct_id"], payload["sent_at"]) == (
        "$pageview",
        "browser-user-1",
        "2026-11-22T14:10:55.235Z",
    )


def test_compression_query_parameter_gzip_js(team):
    body = gzip.compress(json.dumps(python_batch(team)).encode())
    response = post("/e/?compression=gzip-js&ver=1.0", body, content_type="text/plain")
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team, sent_at=None)


def test_lz64_form_body_from_old_posthog_js(team):
    compressed = lzstring.compress_to_base64(json.dumps(python_batch(team)))
    # Old posthog-js did not escape "+" in the form body, so it arrives as a space.
    form = f"data={compressed}&compression=lz64"
    assert "+" in compressed
    response = post("/e/", form, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team, sent_at=None)


def test_base64_form_body(team):
    encoded = base64.b64encode(json.dumps([{**PYTHON_EVENT, "api_key": team.api_token}]).encode()).decode()
    response = post("/capture/", f"data={quote(encoded)}", content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team, sent_at=None)


def test_get_with_base64_data_query_parameter(team):
    encoded = base64.b64encode(json.dumps({**PYTHON_EVENT, "token": team.api_token}).encode()).decode()
    response = Client().get("/capture/", {"data": encoded})
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team, sent_at=None)


@pytest.mark.parametrize("path", ["/i/v0/e/", "/i/v0/e", "/track/", "/track", "/capture", "/batch", "/e"])
def test_every_capture_path_accepts_an_array_with_the_token_in_properties(team, path):
    event = {**JS_EVENT, "properties": {**JS_EVENT["properties"], "token": team.api_token}}
    response = post(path + "?_=1795356655235", [event])
    assert (response.status_code, response.json()) == (200, OK)
    (payload,) = queued()
    assert (payload["distinct_id"], payload["sent_at"]) == ("browser-user-1", "2026-11-22T14:10:55.235Z")


def test_token_from_query_string(team):
    response = post(f"/i/v0/e/?token={team.api_token}", PYTHON_EVENT)
    assert (response.status_code, response.json()) == (200, OK)
    assert_queued_python_event(team, sent_at=None)


def test_engage_single_object_becomes_identify(team):
    response = post("/engage/", {"$token": team.api_token, "$distinct_id": "u1", "$set": {"email": "a@example.com"}})
    assert (response.status_code, response.json()) == (200, OK)
    (payload,) = queued()
    assert (payload["event"], payload["distinct_id"], payload["properties"]) == (
        "$identify",
        "u1",
        {"$set": {"email": "a@example.com"}},
    )


def test_top_level_set_and_set_once_move_into_properties(team):
    event = {"event": "$set", "distinct_id": "u1", "$set": {"a": 1}, "$set_once": {"b": 2}, "properties": {}}
    assert post("/batch/", {"api_key": team.api_token, "batch": [event]}).status_code == 200
    assert queued()[0]["properties"] == {"$set": {"a": 1}, "$set_once": {"b": 2}}


def test_distinct_ids_are_stringified_cleaned_and_truncated(team):
    events = [
        {"event": "a", "distinct_id": 42},
        {"event": "b", "distinct_id": "x\u0000y"},
        {"event": "c", "distinct_id": "z" * 300},
        {"event": "d", "properties": {"distinct_id": "from-properties"}},
    ]
    assert post("/batch/", {"api_key": team.api_token, "batch": events}).status_code == 200
    assert [payload["distinct_id"] for payload in queued()] == ["42", "x\ufffdy", "z" * 200, "from-properties"]


def test_nan_and_nul_in_properties_are_made_storable(team):
    body = (
        '{"api_key": "%s", "batch": [{"event": "e", "distinct_id": "d", "properties": {"n": NaN, "s": "a\\u0000b"}}]}'
    )
    assert post("/batch/", body % team.api_token).status_code == 200
    assert queued()[0]["properties"] == {"n": None, "s": "a\ufffdb"}


def test_missing_uuid_gets_a_generated_uuid7(team):
    assert (
        post("/batch/", {"api_key": team.api_token, "batch": [{"event": "e", "distinct_id": "d"}]}).status_code == 200
    )
    assert queued()[0]["uuid"][14] == "7"


# --- v1 analytics events (posthog-python capture_mode="v1") ---


def test_v1_events_answer_per_event_results(team):
    body = {"batch": [{**PYTHON_EVENT, "options": {}}], "created_at": "2026-11-22T13:53:45.308946+00:00"}
    response = post("/i/v1/analytics/events", body, HTTP_AUTHORIZATION=f"Bearer {team.api_token}")
    assert (response.status_code, response.json()) == (
        200,
        {"results": {"924d3ac4-2ff2-4f8e-b6e9-f7f02a86a181": {"result": "ok"}}},
    )
    assert_queued_python_event(team, sent_at="2026-11-22T13:53:45.308946+00:00")


def test_v1_events_without_bearer_token_are_refused(team):
    response = post("/i/v1/analytics/events", {"batch": [PYTHON_EVENT], "api_key": team.api_token})
    assert (response.status_code, response.json()) == (
        401,
        error_body(
            "missing_api_key",
            "API key not provided. You can find your project API key in PostHog project settings.",
            "authentication_error",
        ),
    )


# --- token errors ---

MISSING = error_body(
    "missing_api_key",
    "API key not provided. You can find your project API key in PostHog project settings.",
    "authentication_error",
)
INVALID = error_body(
    "invalid_api_key",
    "Project API key invalid. You can find your project API key in PostHog project settings.",
    "authentication_error",
)
INCONSISTENT = error_body("invalid_api_key", "batch submitted with inconsistent api_key values", "authentication_error")


def test_missing_token_is_401(team):
    response = post("/batch/", {"batch": [PYTHON_EVENT]})
    assert (response.status_code, response.json()) == (401, MISSING)
    assert not QueuedEvent.objects.exists()


@pytest.mark.parametrize("token", ["phc_unknown", "phx_personalkeyvalue"])
def test_unknown_or_personal_token_is_401(team, token):
    response = post("/batch/", {"api_key": token, "batch": [PYTHON_EVENT]})
    assert (response.status_code, response.json()) == (401, INVALID)
    assert not QueuedEvent.objects.exists()


def test_events_of_two_projects_in_one_request_are_refused_whole(team, other_organization):
    other = other_organization.teams.get()
    events = [
        {"event": "a", "properties": {"distinct_id": "d", "token": team.api_token}},
        {"event": "b", "properties": {"distinct_id": "d", "token": other.api_token}},
    ]
    response = post("/e/", events)
    assert (response.status_code, response.json()) == (401, INCONSISTENT)
    response = post("/batch/", {"api_key": team.api_token, "batch": [{**PYTHON_EVENT, "api_key": other.api_token}]})
    assert (response.status_code, response.json()) == (401, INCONSISTENT)
    assert not QueuedEvent.objects.exists()


# --- bad input: 400, nothing written ---


@pytest.mark.parametrize(
    ("event", "detail"),
    [
        ({"distinct_id": "d"}, 'Invalid payload: All events must have the event name field "event"!'),
        ({"event": "", "distinct_id": "d"}, 'Invalid payload: All events must have the event name field "event"!'),
        ({"event": 3, "distinct_id": "d"}, 'Invalid payload: All events must have the event name field "event"!'),
        ({"event": "e"}, 'Invalid payload: All events must have the event field "distinct_id"!'),
        ({"event": "e", "distinct_id": " "}, 'Invalid payload: All events must have the event field "distinct_id"!'),
        ({"event": "e", "distinct_id": None}, 'Invalid payload: All events must have the event field "distinct_id"!'),
        ({"event": "e", "distinct_id": "d", "properties": [1]},
         'Invalid payload: the "properties" of an event must be a JSON object'),
        ({"event": "e", "distinct_id": "d", "uuid": "nope"}, "Invalid payload: event uuid 'nope' is not a valid UUID"),
        ("just a string", "Invalid payload: every event must be a JSON object"),
    ],
)  # fmt: skip
def test_one_bad_event_refuses_the_whole_batch(team, event, detail):
    response = post("/batch/", {"api_key": team.api_token, "batch": [PYTHON_EVENT, event]})
    assert (response.status_code, response.json()) == (400, error_body("invalid_payload", detail))
    assert not QueuedEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "headers", "code", "detail"),
    [
        (b"", {}, "no_data", "No data found. Make sure to use a POST request when sending the payload in the body "
         "of the request."),
        (b"{not json", {}, "invalid_payload", "Malformed request data: Invalid JSON: Expecting property name "
         "enclosed in double quotes: line 1 column 2 (char 1)"),
        (b"undefined", {"HTTP_CONTENT_ENCODING": "gzip"}, "invalid_payload", "Malformed request data: data being "
         "loaded from the request body for decompression is the literal string 'undefined'"),
        (b"\x1f\x8bnot really gzip", {}, "invalid_payload", "Malformed request data: Failed to decompress data. "
         "Error -3 while decompressing data: unknown compression method"),
        (b"12", {}, "invalid_payload", "Invalid payload: the body must be an event, a list of events or a batch "
         "object"),
        (b'{"api_key": "x", "batch": {"event": "e"}}', {}, "invalid_payload", "Invalid payload: `batch` must be a "
         "list of events"),
    ],
)  # fmt: skip
def test_undecodable_bodies_are_400(team, body, headers, code, detail):
    response = post("/batch/", body, **headers)
    assert (response.status_code, response.json()) == (400, error_body(code, detail))
    assert not QueuedEvent.objects.exists()


def test_bodies_over_the_limit_are_413(team):
    event = {"event": "e", "distinct_id": "d", "properties": {"blob": "x" * (MAX_BODY_BYTES + 10)}}
    response = post("/batch/", {"api_key": team.api_token, "batch": [event]})
    detail = "Request body is larger than the 20 MB capture limit."
    assert (response.status_code, response.json()) == (413, error_body("payload_too_large", detail, "invalid_request"))
    bomb = gzip.compress(json.dumps({"api_key": team.api_token, "batch": [event]}).encode())
    response = post("/batch/", bomb, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert not QueuedEvent.objects.exists()


def test_an_event_over_one_megabyte_is_400(team):
    event = {"event": "e", "distinct_id": "d", "properties": {"blob": "x" * (1024 * 1024)}}
    response = post("/batch/", {"api_key": team.api_token, "batch": [PYTHON_EVENT, event]})
    assert (response.status_code, response.json()) == (
        400,
        error_body("invalid_payload", "maximum event size exceeded"),
    )
    assert not QueuedEvent.objects.exists()


def test_large_batches_are_queued_in_chunks_in_order(team):
    events = [{"event": "e", "distinct_id": f"d{i}"} for i in range(1200)]
    assert post("/batch/", {"api_key": team.api_token, "batch": events}).status_code == 200
    assert list(QueuedEvent.objects.order_by("id").values_list("event_count", flat=True)) == [500, 500, 200]
    assert [payload["distinct_id"] for payload in queued()] == [f"d{i}" for i in range(1200)]


# --- CORS ---


def test_preflight_answers_with_the_origin_and_requested_headers(team):
    response = Client().options(
        "/e/", HTTP_ORIGIN="https://app.example", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type"
    )
    assert response.status_code == 204
    assert {key: response[key] for key in response.headers if key.startswith("Access-Control")} == {
        "Access-Control-Allow-Origin": "https://app.example",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "86400",
    }


def test_errors_carry_cors_headers_too(team):
    response = post("/e/", {"batch": []}, HTTP_ORIGIN="https://app.example")
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "https://app.example"


def test_deflate_body_from_posthog_python_v1(team):
    import zlib

    body = zlib.compress(json.dumps({"batch": [PYTHON_EVENT], "created_at": "2026-11-22T13:53:45Z"}).encode())
    response = post(
        "/i/v1/analytics/events", body, HTTP_AUTHORIZATION=f"Bearer {team.api_token}", HTTP_CONTENT_ENCODING="deflate"
    )
    assert response.status_code == 200
    assert_queued_python_event(team, sent_at="2026-11-22T13:53:45Z")


def test_an_lz64_body_that_decompresses_past_the_limit_is_413(team, monkeypatch):
    monkeypatch.setattr("ingestion.decoding.MAX_BODY_BYTES", 1000)
    form = f"data={lzstring.compress_to_base64('x' * 5000)}&compression=lz64"
    response = post("/e/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert not QueuedEvent.objects.exists()


# A token PostgreSQL could not even compare (NUL, lone surrogate) is no project's token (was a 500 for surrogates).
@pytest.mark.parametrize("token", ["phc_\\u0000", "phc_\\ud800"])
@pytest.mark.parametrize("where", ["envelope", "event"])
def test_a_token_no_project_can_have_is_401_and_nothing_is_queued(team, token, where):
    event = '{"event": "e", "distinct_id": "d"' + (f', "token": "{token}"' if where == "event" else "") + "}"
    body = '{"api_key": "' + token + '", "batch": [' + event + "]}" if where == "envelope" else event
    response = post("/i/v0/e/", body)
    assert (response.status_code, response.json()) == (401, INVALID)
    assert not QueuedEvent.objects.exists()


@pytest.mark.parametrize("sent", ["\u00b2", "9" * 5000, "abc"])
def test_a_query_sent_at_that_is_no_number_is_ignored(team, sent):
    response = post(f"/batch/?_={quote(sent)}", python_batch(team))
    assert (response.status_code, response.json()) == (200, OK)
    assert "sent_at" not in queued()[0]


def test_an_unreadable_content_length_reads_as_none(team):
    response = post("/batch/", python_batch(team), CONTENT_LENGTH="abc")
    detail = "No data found. Make sure to use a POST request when sending the payload in the body of the request."
    assert (response.status_code, response.json()) == (400, error_body("no_data", detail))
    assert not QueuedEvent.objects.exists()
