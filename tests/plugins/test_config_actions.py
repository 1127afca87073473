import json

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityLog
from organizations.models import Organization
from plugins.models import PluginSourceFile
from posthog_api.testing import error, not_found, permission_denied
from tests.plugins.builders import (
    DESTINATIONS,
    FRONTEND_APPS,
    config_body,
    configs_url,
    make_config,
    make_frontend_app,
    make_plugin,
)

NO_KEYS = permission_denied("This action does not support personal API key access")
EXPORT_JOB = {
    "Export events": {
        "payload": {
            "dateRange": {"type": "daterange", "required": True},
            "batchSize": {"type": "number"},
            "dryRun": {"type": "boolean"},
            "debug": {"type": "string", "staff_only": True},
        }
    }
}


@pytest.fixture
def session(user) -> APIClient:
    browser = APIClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def plugin(organization):
    return make_plugin(organization, public_jobs=EXPORT_JOB)


def stub(app: dict) -> str:
    return "export function getFrontendApp () { return " + json.dumps(app) + " }"


# --- rearrange ---


def test_rearrange_sets_orders_of_enabled_configs_by_id_and_answers_them_all(session, team, plugin, organization, user):
    first = make_config(team, plugin, order=1, enabled=True)
    second = make_config(team, make_frontend_app(organization), order=2, enabled=True)
    disabled = make_config(team, plugin, order=3)
    body = {"orders": {str(first.id): 5, str(second.id): 2, str(disabled.id): 9, "999999": 1}}

    response = session.patch(f"{configs_url(team)}rearrange/", body, format="json")

    assert response.status_code == 200
    first.refresh_from_db()
    disabled.refresh_from_db()
    assert (first.order, disabled.order) == (5, 3)
    assert response.json() == [config_body(second, with_plugin=False), config_body(first, with_plugin=False)]
    entry = ActivityLog.objects.get()
    assert (entry.scope, entry.activity, entry.item_id, entry.user_id, entry.team_id) == (
        "Plugin",
        "order_changed",
        str(first.id),
        user.id,
        team.id,
    )
    assert entry.detail["changes"] == [
        {"type": "Plugin", "action": "changed", "field": "order", "before": 1, "after": 5}
    ]


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"orders": {"abc": 1}}, "orders"),
        ({"orders": {"1": "x"}}, "orders__1"),
        ({"orders": [1, 2]}, "orders"),
        ({"orders": {"1": 2**31}}, "orders__1"),
        ([{"orders": {"1": 5}}], None),
        ("orders", None),
    ],
)
def test_rearrange_refuses_bad_orders_with_400(session, team, plugin, body, attr):
    plugin_config = make_config(team, plugin, order=1, enabled=True)
    response = session.patch(f"{configs_url(team)}rearrange/", body, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == attr
    plugin_config.refresh_from_db()
    assert plugin_config.order == 1


def test_rearrange_below_config_access_level_is_400(session, team, organization):
    Organization.objects.filter(pk=organization.pk).update(plugins_access_level=Organization.PluginsAccessLevel.NONE)
    response = session.patch(f"{configs_url(team)}rearrange/", {"orders": {}}, format="json")
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "Plugin configuration is not available for the current organization!"
    )


# --- frontend ---


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (None, stub({"no_frontend": True})),
        ({"status": None}, stub({"transpiling": True})),
        ({"status": "LOCKED"}, stub({"transpiling": True})),
        ({"status": "ERROR", "error": "Unexpected token"}, stub({"error": "Unexpected token"})),
        ({"status": "ERROR"}, stub({"error": "Error Compiling Plugin"})),
        ({"status": "TRANSPILED", "transpiled": "export const app = 1"}, "export const app = 1"),
        ({"status": "TRANSPILED"}, ""),
    ],
)
def test_frontend_answers_javascript_for_each_state_of_frontend_tsx(session, team, organization, source, expected):
    app = make_frontend_app(organization)
    if source is not None:
        PluginSourceFile.objects.create(plugin=app, filename="frontend.tsx", source="tsx", **source)
    plugin_config = make_config(team, app)

    response = session.get(f"{configs_url(team, FRONTEND_APPS, plugin_config)}frontend/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=UTF-8"
    assert response.content.decode() == expected


def test_frontend_of_a_config_outside_the_family_is_a_json_404(session, team, plugin):
    plugin_config = make_config(team, plugin)
    response = session.get(f"{configs_url(team, FRONTEND_APPS, plugin_config)}frontend/")
    assert response.status_code == 404
    assert response.json() == not_found()


# --- job ---


def test_job_records_a_job_triggered_activity_and_answers_an_empty_200(session, team, plugin, user):
    plugin_config = make_config(team, plugin)
    payload = {"dateRange": ["2024-01-01", "2024-01-31"], "batchSize": 100, "dryRun": True}

    response = session.post(
        f"{configs_url(team, plugin_config=plugin_config)}job/",
        {"job": {"type": "Export events", "payload": payload}},
        format="json",
    )

    assert response.status_code == 200
    assert response.content == b""
    entry = ActivityLog.objects.get()
    assert (entry.scope, entry.activity, entry.item_id, entry.user_id) == (
        "PluginConfig",
        "job_triggered",
        str(plugin_config.id),
        user.id,
    )
    trigger = entry.detail["trigger"]
    assert (trigger["job_type"], trigger["payload"]) == ("Export events", payload)
    assert len(trigger["job_id"]) == 36


@pytest.mark.parametrize(
    ("job", "detail"),
    [
        ({}, "The job type must be specified!"),
        ("Export events", "The job type must be specified!"),
        ({"type": "Unknown"}, 'Unknown job type "Unknown" for this plugin.'),
        ({"type": "Export events", "payload": []}, "The job payload must be an object."),
        ({"type": "Export events"}, 'The job payload is missing the required field "dateRange".'),
        (
            {"type": "Export events", "payload": {"dateRange": ["2024-01-01"]}},
            'The job payload field "dateRange" must be a list of two ISO 8601 dates.',
        ),
        (
            {"type": "Export events", "payload": {"dateRange": ["2024-01-01", "2024-02-01"], "batchSize": "10"}},
            'The job payload field "batchSize" must be a number.',
        ),
        (
            {"type": "Export events", "payload": {"dateRange": ["2024-01-01", "2024-02-01"], "dryRun": 1}},
            'The job payload field "dryRun" must be a boolean.',
        ),
        (
            {"type": "Export events", "payload": {"dateRange": ["2024-01-01", "2024-02-01"], "debug": "x"}},
            'Only staff users can set the job payload field "debug".',
        ),
    ],
)
def test_job_validation_errors_are_400_and_record_nothing(session, team, plugin, job, detail):
    plugin_config = make_config(team, plugin)
    response = session.post(f"{configs_url(team, plugin_config=plugin_config)}job/", {"job": job}, format="json")
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", detail)
    assert not ActivityLog.objects.exists()


def test_staff_may_set_staff_only_job_fields(session, team, plugin, user):
    user.is_staff = True
    user.save()
    plugin_config = make_config(team, plugin)
    job = {"type": "Export events", "payload": {"dateRange": ["2024-01-01", "2024-02-01"], "debug": "x"}}
    response = session.post(f"{configs_url(team, plugin_config=plugin_config)}job/", {"job": job}, format="json")
    assert response.status_code == 200


def test_job_on_a_config_outside_the_family_is_404(session, team, organization):
    plugin_config = make_config(team, make_frontend_app(organization))
    response = session.post(
        f"{configs_url(team, DESTINATIONS, plugin_config)}job/", {"job": {"type": "x"}}, format="json"
    )
    assert response.status_code == 404


# --- activity ---


def test_activity_pages_the_configs_entries(session, team, plugin):
    plugin_config = make_config(team, plugin)
    other = make_config(team, plugin, order=2)
    for name in ("a", "b", "c"):
        session.patch(configs_url(team, plugin_config=plugin_config), {"config": {"url": name}}, format="json")
    session.patch(configs_url(team, plugin_config=other), {"config": {"url": "z"}}, format="json")

    response = session.get(f"{configs_url(team, plugin_config=plugin_config)}activity/?limit=2")

    body = response.json()
    assert response.status_code == 200
    assert body["total_count"] == 3
    assert [entry["detail"]["changes"][0]["after"] for entry in body["results"]] == ["c", "b"]
    assert body["next"].endswith("activity/?limit=2&page=2")
    assert body["previous"] is None


# --- session-only actions ---


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("patch", "rearrange/"), ("get", "{id}/frontend/"), ("post", "{id}/job/"), ("get", "{id}/activity/")],
)
def test_custom_actions_refuse_personal_api_keys(client, team, plugin, method, suffix):
    plugin_config = make_config(team, plugin)
    response = getattr(client, method)(configs_url(team) + suffix.format(id=plugin_config.id), {}, format="json")
    assert response.status_code == 403
    assert response.json() == NO_KEYS


def test_rearrange_without_orders_answers_the_enabled_configs(session, team, plugin):
    enabled = make_config(team, plugin, order=1, enabled=True)
    make_config(team, plugin, order=2)
    response = session.patch(f"{configs_url(team)}rearrange/", {}, format="json")
    assert response.status_code == 200
    assert response.json() == [config_body(enabled, with_plugin=False)]
    assert not ActivityLog.objects.exists()


def test_rearrange_query_count_does_not_grow_with_configs(session, team, plugin, django_assert_max_num_queries):
    def rearranged(count: int) -> list:
        for order in range(count):
            plugin_config = make_config(team, plugin, order=order, enabled=True)
            plugin_config.attachments.create(
                team=team, key="cert", content_type="text/plain", file_name="c.pem", file_size=1, contents=b"c"
            )
        with django_assert_max_num_queries(12):
            return session.patch(f"{configs_url(team)}rearrange/", {"orders": {}}, format="json").json()

    assert len(rearranged(2)) == 2
    assert len(rearranged(10)) == 12


def test_a_job_payload_the_database_cannot_hold_is_400_and_records_nothing(session, team, plugin):
    plugin_config = make_config(team, plugin)
    job = {"type": "Export events", "payload": {"dateRange": ["2024-01-01", "2024-02-01"], "note": "a\x00b"}}
    response = session.post(f"{configs_url(team, plugin_config=plugin_config)}job/", {"job": job}, format="json")
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "null_characters_not_allowed", "Null characters are not allowed."
    )
    assert not ActivityLog.objects.exists()


@pytest.mark.parametrize(
    ("query", "attr"), [("page=99999999999999999999", "page"), ("limit=99999999999999&page=99999999", "limit")]
)
def test_activity_paging_beyond_the_database_range_is_400(session, team, plugin, query, attr):
    plugin_config = make_config(team, plugin)
    response = session.get(f"{configs_url(team, plugin_config=plugin_config)}activity/?{query}")
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "max_value", "Ensure this value is less than or equal to 2147483647.", attr
    )


@pytest.mark.parametrize(
    ("capabilities", "public_jobs", "status"),
    [
        ({"methods": ["onEvent"], "jobs": [{"x": 1}]}, {}, 400),
        ({"methods": ["onEvent"], "jobs": 5}, {}, 400),
        ({"methods": ["onEvent"], "jobs": ["Export"]}, {}, 200),
        ({"methods": ["onEvent"]}, {"Export": {"payload": [1]}}, 200),
        ({"methods": ["onEvent"]}, {"Export": {"payload": {"n": {"type": ["number"], "required": True}}}}, 200),
    ],
)
def test_malformed_job_declarations_declare_nothing_rather_than_fail(
    session, team, organization, capabilities, public_jobs, status
):
    plugin_config = make_config(team, make_plugin(organization, capabilities=capabilities, public_jobs=public_jobs))
    job = {"type": "Export", "payload": {"n": 1}}
    response = session.post(f"{configs_url(team, plugin_config=plugin_config)}job/", {"job": job}, format="json")
    assert response.status_code == status
    if status == 400:
        assert response.json() == error(
            "validation_error", "invalid_input", 'Unknown job type "Export" for this plugin.'
        )
    assert ActivityLog.objects.filter(activity="job_triggered").count() == (1 if status == 200 else 0)
