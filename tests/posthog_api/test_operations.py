import json
import re
from html.parser import HTMLParser
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS

from posthog_api.models import mask_key_value
from posthog_api.testing import make_user, not_authenticated

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
PASSWORD = "pw-Secret-123"


def request_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "posthog_api.requests"]


def test_health_answers_ok_without_touching_anything(anonymous):
    response = anonymous.get("/_health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_ok_when_the_database_answers(anonymous, db):
    response = anonymous.get("/_ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_ready_answers_503_when_the_database_check_fails(anonymous, db):
    with mock.patch("posthog_api.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = anonymous.get("/_ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}
    assert GENERATED_ID.match(response["X-Request-Id"])


@pytest.mark.parametrize("path", ["/_health", "/api/users/@me/", "/api/no-such-route/"])
def test_every_response_carries_a_generated_request_id(anonymous, db, path):
    first = anonymous.get(path)
    second = anonymous.get(path)
    assert GENERATED_ID.match(first["X-Request-Id"])
    assert GENERATED_ID.match(second["X-Request-Id"])
    assert first["X-Request-Id"] != second["X-Request-Id"]


def test_a_sane_caller_request_id_is_echoed(client):
    response = client.get("/api/users/@me/", HTTP_X_REQUEST_ID="trace-42_abc.DEF")
    assert response.status_code == 200
    assert response["X-Request-Id"] == "trace-42_abc.DEF"


@pytest.mark.parametrize("incoming", ["", "has space", "x" * 129, "semi;colon", "new\nline", "ünïcode"])
def test_an_unsafe_caller_request_id_is_replaced(anonymous, incoming):
    response = anonymous.get("/_health", HTTP_X_REQUEST_ID=incoming)
    assert GENERATED_ID.match(response["X-Request-Id"])


def test_one_log_line_per_request_with_the_key_mask_and_never_the_key(client, key, request_log):
    response = client.get("/api/users/@me/", HTTP_X_REQUEST_ID="req-1")
    assert response.status_code == 200
    lines = request_lines(request_log)
    assert len(lines) == 1
    assert re.fullmatch(
        rf"GET /api/users/@me/ 200 \d+\.\dms key={re.escape(mask_key_value(key))} request_id=req-1", lines[0]
    )
    assert key not in lines[0]


def test_a_key_in_the_query_string_is_not_logged(anonymous, key, request_log):
    response = anonymous.get(f"/api/users/@me/?personal_api_key={key}")
    assert response.status_code == 200
    lines = request_lines(request_log)
    assert len(lines) == 1
    assert lines[0].startswith("GET /api/users/@me/ 200 ")
    assert f"key={mask_key_value(key)} request_id={response['X-Request-Id']}" in lines[0]
    assert key not in "\n".join(record.getMessage() + repr(record.args) for record in request_log.records)


def test_a_refused_key_is_logged_without_mask_or_value(anonymous, db, request_log):
    value = "phx_" + "A" * 47
    response = anonymous.get("/api/users/@me/", HTTP_AUTHORIZATION=f"Bearer {value}")
    assert response.status_code == 401
    lines = request_lines(request_log)
    assert len(lines) == 1
    assert re.fullmatch(
        rf"GET /api/users/@me/ 401 \d+\.\dms key=- request_id={response['X-Request-Id']}",
        lines[0],
    )
    assert value not in "\n".join(record.getMessage() + repr(record.args) for record in request_log.records)


def test_an_anonymous_request_is_logged_with_its_method_and_status(anonymous, db, request_log):
    response = anonymous.post("/api/users/@me/", {}, format="json")
    assert response.status_code == 401
    assert response.json() == not_authenticated()
    assert len(request_lines(request_log)) == 1
    assert request_lines(request_log)[0].startswith("POST /api/users/@me/ 401 ")


def test_admin_login_page_is_served(db):
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_staff_user_logs_into_the_admin_with_a_password(db):
    staff = make_user(is_staff=True)
    browser = Client()
    response = browser.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    response = browser.get("/admin/")
    assert response.status_code == 200
    assert b"Site administration" in response.content


def test_admin_refuses_anonymous_and_non_staff_users(db):
    member = make_user()
    browser = Client()
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = browser.post("/admin/login/?next=/admin/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"errornote" in response.content
    assert browser.get("/admin/").status_code == 302


class AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize(
    "page, expected_assets",
    [
        (
            "/api/schema/swagger-ui/",
            {
                "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
                "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
                "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
            },
        ),
        ("/api/schema/redoc/", {"/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"}),
    ],
)
def test_api_reference_pages_use_only_assets_served_by_this_server(anonymous, db, page, expected_assets):
    response = anonymous.get(page)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    assert "/api/schema/" in html
    collector = AssetCollector()
    collector.feed(html)
    assert set(collector.urls) == expected_assets
    for url in expected_assets:
        asset = Client().get(url)
        assert asset.status_code == 200, url
        assert int(asset["Content-Length"]) > 0
        asset.close()


def test_schema_is_served_as_yaml_and_as_json(anonymous):
    as_yaml = anonymous.get("/api/schema/")
    as_json = anonymous.get("/api/schema/?format=json")
    assert as_yaml.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi;")
    assert as_json.status_code == 200
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = yaml.safe_load(as_yaml.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "PostHog API"
    assert "/api/users/{uuid}/" in schema["paths"]
    assert json.loads(as_json.content) == schema


def test_schema_generates_without_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert not GENERATOR_STATS
    assert yaml.safe_load(target.read_text())["info"]["title"] == "PostHog API"
