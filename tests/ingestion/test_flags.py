import gzip
import json
from urllib.parse import quote

import pytest
from django.test import Client

from tests.ingestion.helpers import error_body, post

SUPPORTED = ["gzip", "gzip-js"]
INVALID = error_body(
    "invalid_api_key",
    "Project API key invalid. You can find your project API key in PostHog project settings.",
    "authentication_error",
)


def test_flags_v2_answers_no_flags_and_supported_compression(team):
    body = gzip.compress(json.dumps({"token": team.api_token, "distinct_id": "u1", "groups": {}}).encode())
    response = post("/flags/?v=2", body, content_type="text/plain", HTTP_ORIGIN="http://site.example")
    body = response.json()
    request_id = body.pop("requestId")
    assert len(request_id) == 36
    assert (response.status_code, body) == (
        200,
        {
            "flags": {},
            "featureFlags": {},
            "featureFlagPayloads": {},
            "errorsWhileComputingFlags": False,
            "supportedCompression": SUPPORTED,
        },
    )
    assert response["Access-Control-Allow-Origin"] == "http://site.example"


def test_flags_with_an_unknown_or_missing_token_is_401(team):
    response = post("/flags/?v=2", {"token": "phc_nope", "distinct_id": "u1"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    response = post("/flags/?v=2", {"distinct_id": "u1"})
    assert response.json() == error_body(
        "missing_api_key",
        "API key not provided. You can find your project API key in PostHog project settings.",
        "authentication_error",
    )


def test_decide_answers_config_and_no_flags(team):
    response = post("/decide/?v=3", {"api_key": team.api_token, "distinct_id": "u1"})
    assert (response.status_code, response.json()) == (
        200,
        {
            "featureFlags": {},
            "featureFlagPayloads": {},
            "errorsWhileComputingFlags": False,
            "supportedCompression": SUPPORTED,
            "hasFeatureFlags": False,
            "captureDeadClicks": False,
            "capturePerformance": False,
            "autocapture_opt_out": False,
            "autocaptureExceptions": False,
            "elementsChainAsString": True,
            "sessionRecording": False,
            "heatmaps": False,
            "surveys": False,
            "defaultIdentifiedOnly": True,
            "siteApps": [],
            "config": {"enable_collect_everything": True},
            "toolbarParams": {},
            "isAuthenticated": False,
        },
    )
    assert post("/decide/?v=4", {"api_key": team.api_token, "distinct_id": "u1"}).json()["flags"] == {}


def test_remote_config_for_posthog_js(team):
    response = Client().get(f"/array/{team.api_token}/config", HTTP_ORIGIN="http://site.example")
    assert response.status_code == 200
    assert response.json()["token"] == team.api_token
    assert response.json()["supportedCompression"] == SUPPORTED
    assert response["Access-Control-Allow-Origin"] == "http://site.example"
    script = Client().get(f"/array/{team.api_token}/config.js")
    assert script["Content-Type"] == "application/javascript"
    assert f'window._POSTHOG_REMOTE_CONFIG["{team.api_token}"]' in script.content.decode()


def test_remote_config_of_an_unknown_token_is_404(team):
    response = Client().get("/array/phc_unknown/config")
    assert (response.status_code, response.json()) == (404, error_body("not_found", "Not found.", "invalid_request"))


@pytest.mark.parametrize("token", ["phc_\\u0000", "phc_\\ud800"])
@pytest.mark.parametrize("path", ["/flags/?v=2", "/decide/?v=3"])
def test_flags_with_a_token_no_project_can_have_is_401(team, path, token):
    response = post(path, '{"token": "' + token + '", "distinct_id": "u1"}')
    assert (response.status_code, response.json()) == (401, INVALID)


@pytest.mark.parametrize("version", ["\u00b2", "9" * 5000, "-1", "x"])
def test_decide_with_a_version_that_is_no_number_answers_the_old_shape(team, version):
    response = post(f"/decide/?v={quote(version)}", {"api_key": team.api_token, "distinct_id": "u1"})
    assert response.status_code == 200
    assert "flags" not in response.json()


@pytest.mark.parametrize("token", ["%00", "%ED%A0%80", "%FF"])
def test_remote_config_of_a_token_no_project_can_have_is_404(team, token):
    response = Client().get(f"/array/{token}/config")
    assert (response.status_code, response.json()) == (404, error_body("not_found", "Not found.", "invalid_request"))
