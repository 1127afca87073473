import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activity.models import ActivityLog
from organizations.models import Organization
from plugins.models import SECRET_FIELD_VALUE, PluginAttachment, PluginConfig
from posthog_api.testing import error, key_client, make_key, not_found, permission_denied
from tests.plugins.builders import (
    DESTINATIONS,
    FRONTEND_APPS,
    config_body,
    configs_url,
    make_config,
    make_frontend_app,
    make_plugin,
)


@pytest.fixture
def plugin(organization):
    return make_plugin(organization)


def config_entries() -> list[tuple]:
    return [
        (entry.scope, entry.activity, entry.item_id, entry.detail["name"], entry.detail["changes"])
        for entry in ActivityLog.objects.filter(scope="PluginConfig").order_by("created_at", "id")
    ]


# --- List and retrieve ---


def test_list_shows_the_familys_configs_in_order_without_plugin_info(client, team, plugin, organization):
    second = make_config(team, plugin, order=2, config={"url": "https://a.example", "token": "s3cret"})
    first = make_config(team, plugin, order=1, enabled=True)
    make_config(team, make_frontend_app(organization), order=0)
    make_config(team, plugin, order=3, deleted=True)

    response = client.get(configs_url(team))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [config_body(first, with_plugin=False), config_body(second, with_plugin=False)],
    }
    assert response.json()["results"][1]["config"] == {"url": "https://a.example", "token": SECRET_FIELD_VALUE}


def test_list_query_count_does_not_grow_with_configs(client, team, plugin, django_assert_max_num_queries):
    for order in range(5):
        make_config(team, plugin, order=order)
    with django_assert_max_num_queries(9):
        assert client.get(configs_url(team)).json()["count"] == 5
    for order in range(5, 15):
        make_config(team, plugin, order=order)
    with django_assert_max_num_queries(9):
        assert client.get(configs_url(team)).json()["count"] == 15


def test_frontend_apps_list_only_plugins_without_methods_or_scheduled_tasks(client, team, plugin, organization):
    app = make_config(team, make_frontend_app(organization))
    make_config(team, plugin)
    make_config(team, make_plugin(organization, "Import", capabilities={"scheduled_tasks": ["runEveryHour"]}))

    response = client.get(configs_url(team, FRONTEND_APPS))

    assert [row["id"] for row in response.json()["results"]] == [app.id]


def test_retrieve_has_plugin_info_and_still_shows_a_soft_deleted_config(client, team, plugin):
    plugin_config = make_config(team, plugin, deleted=True, name="Mine", description="")

    response = client.get(configs_url(team, plugin_config=plugin_config))

    assert response.status_code == 200
    assert response.json() == config_body(plugin_config)
    assert response.json()["name"] == "Mine"
    assert response.json()["description"] == "Webhook plugin"


def test_a_config_of_another_family_is_404_on_this_route(client, team, organization):
    plugin_config = make_config(team, make_frontend_app(organization))
    response = client.get(configs_url(team, DESTINATIONS, plugin_config))
    assert response.status_code == 404
    assert response.json() == not_found()


def test_the_environment_route_serves_the_same_configs(client, team, plugin):
    plugin_config = make_config(team, plugin)
    response = client.get(configs_url(team, plugin_config=plugin_config, root="environments"))
    assert response.status_code == 200
    assert response.json() == config_body(plugin_config)


def test_attachments_are_shown_over_the_config_and_secret_ones_masked(client, team, organization):
    schema = [{"key": "cert", "type": "attachment"}, {"key": "key", "type": "attachment", "secret": True}]
    plugin_config = make_config(team, make_plugin(organization, config_schema=schema), config={"other": 1})
    cert = plugin_config.attachments.create(
        team=team, key="cert", content_type="text/plain", file_name="cert.pem", file_size=4, contents=b"abcd"
    )
    plugin_config.attachments.create(
        team=team, key="key", content_type="text/plain", file_name="key.pem", file_size=3, contents=b"xyz"
    )

    response = client.get(configs_url(team, plugin_config=plugin_config))

    assert response.json()["config"] == {
        "other": 1,
        "cert": {"uid": cert.id, "saved": True, "size": 4, "name": "cert.pem", "type": "text/plain"},
        "key": {"uid": -1, "saved": True, "size": -1, "name": SECRET_FIELD_VALUE, "type": "application/octet-stream"},
    }


# --- Create ---


def test_create_with_a_json_config_inserts_a_row_and_logs_enabling(client, team, plugin, user, other_organization):
    body = {"plugin": plugin.id, "order": 4, "enabled": True, "config": {"url": "https://x.example", "token": "t"}}
    body["team_id"] = other_organization.teams.get().id

    response = client.post(configs_url(team), body, format="json")

    assert response.status_code == 201
    plugin_config = PluginConfig.objects.get()
    assert (plugin_config.team_id, plugin_config.order, plugin_config.enabled) == (team.id, 4, True)
    assert plugin_config.config == {"url": "https://x.example", "token": "t"}
    assert len(plugin_config.web_token) == 44
    assert response.json() == config_body(plugin_config)
    assert config_entries() == [
        (
            "PluginConfig",
            "enabled",
            str(plugin_config.id),
            "Webhook",
            [
                {"type": "Plugin", "action": "created", "field": "url", "before": None, "after": "https://x.example"},
                {
                    "type": "PluginConfig",
                    "action": "created",
                    "field": "token",
                    "before": SECRET_FIELD_VALUE,
                    "after": SECRET_FIELD_VALUE,
                },
            ],
        )
    ]
    assert ActivityLog.objects.get().organization_id == team.organization_id


def test_create_from_a_form_reads_the_config_json_string_and_stores_attachments(client, team, plugin):
    upload = SimpleUploadedFile("cert.pem", b"PEM!", content_type="application/x-pem-file")
    body = {
        "plugin": plugin.id,
        "order": 1,
        "enabled": "false",
        "config": '{"url": "u"}',
        "add_attachment[cert]": upload,
    }

    response = client.post(configs_url(team), body, format="multipart")

    assert response.status_code == 201
    plugin_config = PluginConfig.objects.get()
    attachment = plugin_config.attachments.get()
    assert (attachment.key, attachment.file_name, bytes(attachment.contents)) == ("cert", "cert.pem", b"PEM!")
    assert response.json()["config"] == {
        "url": "u",
        "cert": {"uid": attachment.id, "saved": True, "size": 4, "name": "cert.pem", "type": "application/x-pem-file"},
    }
    assert plugin_config.deleted is False
    assert [entry[1] for entry in config_entries()] == ["attachment_created"]


def test_create_without_config_stores_an_empty_one_and_logs_nothing_when_disabled(client, team, plugin):
    response = client.post(configs_url(team), {"plugin": plugin.id, "order": 1}, format="json")
    assert response.status_code == 201
    assert PluginConfig.objects.get().config == {}
    assert config_entries() == []


def test_create_does_not_check_the_family(client, team, organization):
    app = make_frontend_app(organization)
    response = client.post(configs_url(team, DESTINATIONS), {"plugin": app.id, "order": 1}, format="json")
    assert response.status_code == 201
    assert client.get(configs_url(team, DESTINATIONS)).json()["count"] == 0
    assert client.get(configs_url(team, FRONTEND_APPS)).json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"order": 1}, error("validation_error", "required", "This field is required.", "plugin")),
        (
            {"plugin": 99999, "order": 1},
            error("validation_error", "does_not_exist", 'Invalid pk "99999" - object does not exist.', "plugin"),
        ),
        (
            {"plugin": "abc", "order": 1},
            error("validation_error", "incorrect_type", "Incorrect type. Expected pk value, received str.", "plugin"),
        ),
        ({"plugin": "PLUGIN"}, error("validation_error", "required", "This field is required.", "order")),
        (
            {"plugin": "PLUGIN", "order": 2**31},
            error("validation_error", "max_value", "Ensure this value is less than or equal to 2147483647.", "order"),
        ),
        (
            {"plugin": "PLUGIN", "order": 1, "name": "n" * 401},
            error("validation_error", "max_length", "Ensure this field has no more than 400 characters.", "name"),
        ),
        (
            {"plugin": "PLUGIN", "order": 1, "description": "d" * 1001},
            error(
                "validation_error", "max_length", "Ensure this field has no more than 1000 characters.", "description"
            ),
        ),
        (
            {"plugin": "PLUGIN", "order": 1, "enabled": "maybe"},
            error("validation_error", "invalid", "Must be a valid boolean.", "enabled"),
        ),
        (
            {"plugin": "PLUGIN", "order": 1, "config": "{not json"},
            error("validation_error", "invalid_input", "Must be a JSON-encoded object.", "config"),
        ),
        (
            {"plugin": "PLUGIN", "order": 1, "config": [1, 2]},
            error("validation_error", "invalid_input", "Must be a JSON object.", "config"),
        ),
    ],
)
def test_invalid_create_is_400_and_writes_nothing(client, team, plugin, body, expected):
    body = {key: plugin.id if value == "PLUGIN" else value for key, value in body.items()}
    response = client.post(configs_url(team), body, format="json")
    expected["code"] = "invalid_input" if expected["code"] == "invalid" else expected["code"]
    assert response.status_code == 400
    assert response.json() == expected
    assert not PluginConfig.objects.exists()


def test_a_plugin_another_organization_owns_cannot_be_configured(client, team, other_organization):
    foreign = make_plugin(other_organization)
    response = client.post(configs_url(team), {"plugin": foreign.id, "order": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist"


def test_a_global_plugin_of_another_organization_can_be_configured(client, team, other_organization):
    shared = make_plugin(other_organization, is_global=True)
    response = client.post(configs_url(team), {"plugin": shared.id, "order": 1}, format="json")
    assert response.status_code == 201


def test_below_config_access_level_create_is_refused_and_lists_are_empty(client, team, organization, plugin):
    make_config(team, plugin)
    Organization.objects.filter(pk=organization.pk).update(plugins_access_level=Organization.PluginsAccessLevel.NONE)

    created = client.post(configs_url(team), {"plugin": plugin.id, "order": 1}, format="json")
    listed = client.get(configs_url(team))

    assert created.status_code == 400
    assert created.json() == error(
        "validation_error", "invalid_input", "Plugin configuration is not available for the current organization!"
    )
    assert listed.json()["count"] == 0
    assert PluginConfig.objects.count() == 1


@pytest.mark.parametrize(
    ("config", "detail"),
    [
        ({"url": "a\x00b"}, "Null characters are not allowed."),
        ({"a\x00": "b"}, "Null characters are not allowed."),
        ({"url": ["\ud800"]}, "Surrogate characters are not allowed: U+D800."),
        (json.dumps({"url": {"deep": "a\x00b"}}), "Null characters are not allowed."),
    ],
)
def test_a_config_the_database_cannot_hold_is_400_on_create_and_update(client, team, plugin, config, detail):
    plugin_config = make_config(team, plugin, config={"url": "kept"})
    expected = error("validation_error", "invalid_input", detail, "config")
    body = json.dumps({"plugin": plugin.id, "order": 2, "config": config})  # escaped: lone surrogates are not UTF-8

    created = client.post(configs_url(team), body, content_type="application/json")
    updated = client.patch(configs_url(team, plugin_config=plugin_config), body, content_type="application/json")

    assert (created.status_code, updated.status_code) == (400, 400)
    assert created.json()["detail"] == updated.json()["detail"] == detail
    assert created.json()["attr"] == updated.json()["attr"] == expected["attr"]
    assert list(PluginConfig.objects.values_list("config", flat=True)) == [{"url": "kept"}]


@pytest.mark.parametrize(
    ("attachment_key", "file_name", "content_type"),
    [("k" * 201, "a.pem", "text/plain"), ("k", "f" * 197 + ".pem", "text/plain"), ("k", "a.pem", "text/" + "p" * 200)],
)
def test_an_attachment_too_long_for_its_columns_is_400_and_nothing_is_written(
    client, team, plugin, attachment_key, file_name, content_type
):
    plugin_config = make_config(team, plugin, config={"url": "kept"})
    upload = SimpleUploadedFile(file_name, b"PEM!", content_type=content_type)
    body = {"plugin": plugin.id, "order": 2, "config": '{"url": "new"}', f"add_attachment[{attachment_key}]": upload}

    created = client.post(configs_url(team), body, format="multipart")
    upload.seek(0)
    updated = client.patch(configs_url(team, plugin_config=plugin_config), body, format="multipart")

    for response in (created, updated):
        assert response.status_code == 400
        assert response.json() == error(
            "validation_error",
            "invalid_input",
            "An attachment's key, file name and content type are at most 200 characters.",
            f"add_attachment[{attachment_key}]",
        )
    assert list(PluginConfig.objects.values_list("config", flat=True)) == [{"url": "kept"}]
    assert not PluginAttachment.objects.exists()


# --- Update ---


def test_patch_replaces_the_config_but_keeps_omitted_null_and_masked_secrets(client, team, plugin):
    plugin_config = make_config(team, plugin, config={"url": "old", "token": "secret", "extra": 1})

    client.patch(configs_url(team, plugin_config=plugin_config), {"config": {"url": "new"}}, format="json")
    plugin_config.refresh_from_db()
    assert plugin_config.config == {"url": "new", "token": "secret"}

    body = {"config": {"url": "new", "token": SECRET_FIELD_VALUE}}
    client.patch(configs_url(team, plugin_config=plugin_config), body, format="json")
    plugin_config.refresh_from_db()
    assert plugin_config.config == {"url": "new", "token": "secret"}

    response = client.patch(
        configs_url(team, plugin_config=plugin_config), {"config": {"url": "new", "token": ""}}, format="json"
    )
    plugin_config.refresh_from_db()
    assert plugin_config.config == {"url": "new", "token": ""}
    assert response.json() == config_body(plugin_config)


def test_patch_without_config_leaves_it_and_never_moves_to_another_plugin(client, team, plugin, organization):
    plugin_config = make_config(team, plugin, config={"url": "u"})
    other = make_plugin(organization, "Other")

    response = client.patch(
        configs_url(team, plugin_config=plugin_config), {"plugin": other.id, "name": "Renamed"}, format="json"
    )

    assert response.status_code == 200
    plugin_config.refresh_from_db()
    assert (plugin_config.plugin_id, plugin_config.name, plugin_config.config) == (plugin.id, "Renamed", {"url": "u"})


def test_soft_delete_also_disables(client, team, plugin):
    plugin_config = make_config(team, plugin, enabled=True)
    response = client.patch(configs_url(team, plugin_config=plugin_config), {"deleted": True}, format="json")
    assert response.status_code == 200
    plugin_config.refresh_from_db()
    assert (plugin_config.deleted, plugin_config.enabled) == (True, False)
    assert client.get(configs_url(team)).json()["count"] == 0


def test_put_needs_plugin_and_order(client, team, plugin):
    plugin_config = make_config(team, plugin)
    response = client.put(configs_url(team, plugin_config=plugin_config), {"enabled": True}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "plugin"
    response = client.put(
        configs_url(team, plugin_config=plugin_config), {"plugin": plugin.id, "order": 7}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["order"] == 7


def test_update_logs_config_changes_with_masked_secrets_and_the_enabled_flip(client, team, plugin, user):
    plugin_config = make_config(team, plugin, config={"url": "a", "token": "one"})

    client.patch(
        configs_url(team, plugin_config=plugin_config),
        {"enabled": True, "config": {"url": "b", "token": "two"}},
        format="json",
    )

    item = str(plugin_config.id)
    assert config_entries() == [
        (
            "PluginConfig",
            "config_updated",
            item,
            "Webhook",
            [
                {"type": "Plugin", "action": "changed", "field": "url", "before": "a", "after": "b"},
                {
                    "type": "PluginConfig",
                    "action": "changed",
                    "field": "token",
                    "before": SECRET_FIELD_VALUE,
                    "after": SECRET_FIELD_VALUE,
                },
            ],
        ),
        ("PluginConfig", "enabled", item, "Webhook", None),
    ]
    assert set(ActivityLog.objects.values_list("user_id", "team_id")) == {(user.id, team.id)}


def test_form_update_replaces_and_removes_attachments(client, team, plugin):
    plugin_config = make_config(team, plugin)
    plugin_config.attachments.create(
        team=team, key="a", content_type="text/plain", file_name="a.txt", file_size=1, contents=b"a"
    )
    plugin_config.attachments.create(
        team=team, key="b", content_type="text/plain", file_name="b.txt", file_size=1, contents=b"b"
    )
    body = {
        "add_attachment[a]": SimpleUploadedFile("a2.txt", b"aa", content_type="text/plain"),
        "remove_attachment[b]": "1",
    }

    response = client.patch(configs_url(team, plugin_config=plugin_config), body, format="multipart")

    assert response.status_code == 200
    assert list(plugin_config.attachments.values_list("key", "file_name", "file_size")) == [("a", "a2.txt", 2)]
    assert set(response.json()["config"]) == {"a"}
    assert [(entry[1], entry[4]) for entry in config_entries()] == [
        (
            "attachment_updated",
            [{"type": "PluginConfig", "action": "changed", "field": "a", "before": "a.txt", "after": "a2.txt"}],
        ),
        (
            "attachment_deleted",
            [{"type": "PluginConfig", "action": "deleted", "field": "b", "before": "b.txt", "after": None}],
        ),
    ]


# --- Delete ---


def test_delete_only_disables_and_ignores_the_family(client, team, organization):
    plugin_config = make_config(team, make_frontend_app(organization), enabled=True)

    response = client.delete(configs_url(team, DESTINATIONS, plugin_config))

    assert response.status_code == 204
    assert response.content == b""
    plugin_config.refresh_from_db()
    assert (plugin_config.enabled, plugin_config.deleted) == (False, False)


def test_delete_of_an_unknown_or_foreign_config_is_404(client, team, plugin, other_organization):
    foreign = make_config(other_organization.teams.get(), make_plugin(other_organization), enabled=True)
    assert client.delete(f"{configs_url(team)}999999/").status_code == 404
    response = client.delete(configs_url(team, plugin_config=foreign))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.enabled is True


def test_delete_below_config_access_level_is_an_empty_404(client, team, organization, plugin):
    plugin_config = make_config(team, plugin, enabled=True)
    Organization.objects.filter(pk=organization.pk).update(plugins_access_level=Organization.PluginsAccessLevel.NONE)
    response = client.delete(configs_url(team, plugin_config=plugin_config))
    assert (response.status_code, response.content) == (404, b"")
    plugin_config.refresh_from_db()
    assert plugin_config.enabled is True


# --- Scopes and tenancy ---


@pytest.mark.parametrize(
    ("scopes", "method", "status"),
    [
        (["plugin:read"], "get", 200),
        (["plugin:write"], "get", 200),
        (["person:read"], "get", 403),
        (["plugin:read"], "patch", 403),
        (["plugin:write"], "patch", 200),
        (["plugin:read"], "delete", 403),
        (["plugin:write"], "delete", 204),
    ],
)
def test_config_routes_need_the_plugin_scope(user, team, plugin, scopes, method, status):
    plugin_config = make_config(team, plugin)
    response = getattr(key_client(make_key(user, scopes)), method)(
        configs_url(team, plugin_config=plugin_config), {"name": "x"} if method == "patch" else None, format="json"
    )
    assert response.status_code == status
    if status == 403:
        needed = "plugin:read" if method == "get" else "plugin:write"
        assert response.json() == permission_denied(f"API key missing required scope '{needed}'")


def test_another_organizations_key_cannot_reach_the_project(team, plugin, other_user, other_organization):
    plugin_config = make_config(team, plugin)
    stranger = key_client(make_key(other_user))
    for response in (
        stranger.get(configs_url(team)),
        stranger.get(configs_url(team, plugin_config=plugin_config)),
        stranger.post(configs_url(team), {"plugin": plugin.id, "order": 1}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json() == permission_denied("You don't have access to the project.")


def test_a_config_of_another_environment_is_404(client, team, other_organization):
    foreign = make_config(other_organization.teams.get(), make_plugin(other_organization))
    response = client.get(configs_url(team, plugin_config=foreign))
    assert response.status_code == 404
    assert client.patch(configs_url(team, plugin_config=foreign), {"name": "x"}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("plugin_value", "received"),
    [("1e999", "float"), ("1.0", "float"), ("true", "bool"), ("[" * 200 + "]" * 200, "list"), ('{"id": 1}', "dict")],
)
def test_a_plugin_that_is_no_id_is_400_on_create_and_update_and_writes_nothing(
    client, team, plugin, plugin_value, received
):
    existing = make_config(team, plugin)
    body = '{"plugin": ' + plugin_value + ', "order": 1}'
    detail = f"Incorrect type. Expected pk value, received {received}."
    expected = error("validation_error", "incorrect_type", detail, "plugin")

    created = client.post(configs_url(team), body, content_type="application/json")
    updated = client.patch(configs_url(team, plugin_config=existing), body, content_type="application/json")

    assert (created.status_code, created.json()) == (400, expected)
    assert (updated.status_code, updated.json()) == (400, expected)
    assert list(PluginConfig.objects.values_list("id", "plugin_id", "order")) == [(existing.id, plugin.id, 1)]
