import datetime
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers

from posthog_api.renderers import JSONRenderer

SAMPLES = {
    "nested shapes": {"results": [{"id": 1, "name": "Ünïcode ✓", "tags": ["a", "b"], "deleted": None}], "count": 1},
    "datetimes and dates": {
        "at": datetime.datetime(2026, 11, 26, 16, 1, 2, 345678, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2026, 11, 26, 16, 1, 2),
        "offset": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        "day": datetime.date(2026, 11, 26),
        "time": datetime.time(16, 1, 2),
    },
    "types DRF's encoder converts": {
        "uuid": uuid.UUID("0199a3e2-7a3c-7b1e-8f00-123456789abc"),
        "decimal": decimal.Decimal("1.25"),
        "lazy": gettext_lazy("Not found."),
        "set": {3},
        "tuple": (1, "two"),
        "duration": datetime.timedelta(seconds=90),
    },
    "non-string keys": {1: "one", 2.5: "two and a half", False: "no", None: "none"},
    "JavaScript line separators": {"text": "a\u2028b\u2029c"},
    "escapes": {"quote": 'say "hi"\n\t\\', "control": "\x01", "emoji": "😀"},
    "big integer": {"value": 2**70},
    "floats": [0.1, 1.5, -0.0, 3.0, 12345.678],
}


@pytest.mark.parametrize("data", SAMPLES.values(), ids=SAMPLES.keys())
def test_the_same_bytes_as_drfs_renderer(data):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_float_exponents_are_written_shorter_with_the_same_values():
    data = [1e-7, 1.5e300, 2.5e-10]
    rendered = JSONRenderer().render(data)

    assert rendered == b"[1e-7,1.5e+300,2.5e-10]"
    assert json.loads(rendered) == json.loads(renderers.JSONRenderer().render(data)) == data


@pytest.mark.parametrize("media_type", ["application/json; indent=2", "application/json; indent=0"])
def test_indented_output_as_drf(media_type):
    data = {"a": [1, {"b": None}]}
    assert JSONRenderer().render(data, media_type) == renderers.JSONRenderer().render(data, media_type)


def test_none_renders_empty():
    assert JSONRenderer().render(None) == b""


def test_nan_renders_null_where_drfs_strict_encoder_raises():
    with pytest.raises(ValueError):
        renderers.JSONRenderer().render({"value": float("nan")})
    assert JSONRenderer().render({"value": float("nan")}) == b'{"value":null}'


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json; indent=2", "*/*;q=0.8"])
def test_api_answers_json_for_what_clients_send(client, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = client.get("/api/users/@me/", **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    expected = renderers.JSONRenderer().render(response.json(), accept if accept and "indent" in accept else None)
    assert response.content == expected


def test_an_accept_header_the_api_cannot_answer_is_still_406(client):
    response = client.get("/api/users/@me/", HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_acceptable",
        "detail": "Could not satisfy the request Accept header.",
        "attr": None,
    }


def test_an_unknown_format_parameter_is_still_404(client):
    response = client.get("/api/users/@me/?format=xml")

    assert response.status_code == 404


@pytest.mark.parametrize("media_type", [None, "application/json; indent=2"])
def test_a_lone_surrogate_is_written_as_an_escape(media_type):
    rendered = JSONRenderer().render({"detail": '"a\ud800" is not a valid choice.', "ü": 1}, media_type)

    assert json.loads(rendered) == {"detail": '"a\ud800" is not a valid choice.', "ü": 1}
    assert b"\\ud800" in rendered


def test_an_error_echoing_a_lone_surrogate_is_a_400_and_nothing_is_written(client, user):
    response = client.patch("/api/users/@me/", '{"theme_mode": "a\\ud800"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_choice",
        "detail": '"a\ud800" is not a valid choice.',
        "attr": "theme_mode",
    }
    user.refresh_from_db()
    assert user.theme_mode is None
