import json

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityLog
from organizations.models import Organization
from plugins.models import Plugin, PluginConfig, PluginSourceFile
from posthog_api.testing import error, not_found, permission_denied
from tests.plugins.builders import FRONTEND_APPS, configs_url, make_config, make_frontend_app, make_plugin, plugin_body

LEVEL = Organization.PluginsAccessLevel
SOURCE_PLUGIN = {
    "plugin_type": "source",
    "name": "My app",
    "capabilities": {},
    "config_schema": [{"key": "api_key", "type": "string", "secret": True}],
}


def plugins_url(organization, plugin=None) -> str:
    base = f"/api/organizations/{organization.id}/plugins/"
    return f"{base}{plugin.id}/" if plugin is not None else base


def set_level(organization, level) -> None:
    Organization.objects.filter(pk=organization.pk).update(plugins_access_level=level)


@pytest.fixture
def session(user) -> APIClient:
    browser = APIClient()
    browser.force_login(user)
    return browser


def test_installing_a_source_plugin_takes_the_body_and_logs_it(client, organization, user):
    response = client.post(plugins_url(organization), SOURCE_PLUGIN, format="json")

    assert response.status_code == 201
    plugin = Plugin.objects.get()
    assert (plugin.organization_id, plugin.name, plugin.capabilities) == (organization.id, "My app", {})
    assert response.json() == plugin_body(plugin)
    entry = ActivityLog.objects.get()
    assert (entry.scope, entry.activity, entry.item_id, entry.organization_id, entry.detail["name"]) == (
        "Plugin",
        "installed",
        str(plugin.id),
        organization.id,
        "My app",
    )


def test_installing_from_a_repository_url_keeps_the_url_but_never_shows_its_token(client, organization):
    url = "https://github.com/PostHog/helloworldplugin?private_token=abc"
    response = client.post(plugins_url(organization), {"url": url, "name": "Hello"}, format="json")
    assert response.status_code == 201
    assert response.json()["url"] == "https://github.com/PostHog/helloworldplugin"
    assert response.json()["plugin_type"] == "custom"
    assert Plugin.objects.get().url == url


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"url": "https://example.com/plugin"}, "Must be a GitHub/GitLab repository or a npm package URL!"),
        ({"name": "no url"}, "Must be a GitHub/GitLab repository or a npm package URL!"),
        (
            {"url": "https://github.com/a/b", "plugin_type": "inline"},
            "Must be a GitHub/GitLab repository or a npm package URL!",
        ),
    ],
)
def test_installing_needs_a_source_plugin_or_an_archive_url(client, organization, body, detail):
    response = client.post(plugins_url(organization), body, format="json")
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", detail)
    assert not Plugin.objects.exists()


def test_the_same_url_is_installed_once(client, organization, other_organization):
    make_plugin(other_organization, url="https://github.com/a/b")
    response = client.post(plugins_url(organization), {"url": "https://github.com/a/b"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == 'Plugin from URL "https://github.com/a/b" already installed!'


def test_global_plugins_need_the_root_access_level(client, organization):
    set_level(organization, LEVEL.INSTALL)
    response = client.post(plugins_url(organization), {**SOURCE_PLUGIN, "is_global": True}, format="json")
    assert response.status_code == 403
    assert response.json() == permission_denied("This organization can't manage global plugins!")


def test_the_list_holds_own_global_and_used_plugins_only(client, organization, team, other_organization):
    own = make_plugin(organization, "Own")
    shared = make_plugin(other_organization, "Shared", is_global=True)
    used = make_plugin(other_organization, "Used")
    make_config(team, used)
    make_plugin(other_organization, "Hidden")

    response = client.get(plugins_url(organization))

    assert response.status_code == 200
    assert response.json()["results"] == [plugin_body(own), plugin_body(shared), plugin_body(used)]


def test_another_organizations_plugin_is_read_only_and_otherwise_404(client, organization, other_organization):
    shared = make_plugin(other_organization, "Shared", is_global=True)
    hidden = make_plugin(other_organization, "Hidden")

    assert client.get(plugins_url(organization, shared)).status_code == 200
    response = client.patch(plugins_url(organization, shared), {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert response.json() == permission_denied("This plugin installation is managed by another organization")
    assert client.get(plugins_url(organization, hidden)).json() == not_found()


def test_access_levels_gate_reading_and_installing(client, organization):
    plugin = make_plugin(organization)
    set_level(organization, LEVEL.CONFIG)
    assert client.get(plugins_url(organization)).status_code == 200
    response = client.patch(plugins_url(organization, plugin), {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json() == permission_denied("Your organization's plugin access level is insufficient.")
    set_level(organization, LEVEL.NONE)
    assert client.get(plugins_url(organization)).status_code == 403


def test_updating_sets_capabilities_and_updated_at(client, organization):
    plugin = make_plugin(organization, capabilities={})
    response = client.patch(
        plugins_url(organization, plugin), {"capabilities": {"methods": ["onEvent"]}}, format="json"
    )
    assert response.status_code == 200
    plugin.refresh_from_db()
    assert plugin.capabilities == {"methods": ["onEvent"]}
    assert plugin.updated_at is not None


def test_uninstalling_deletes_the_plugin_and_its_configs(client, organization, team):
    plugin = make_plugin(organization)
    make_config(team, plugin)
    response = client.delete(plugins_url(organization, plugin))
    assert response.status_code == 204
    assert not Plugin.objects.exists()
    assert not PluginConfig.objects.exists()
    assert ActivityLog.objects.get().activity == "uninstalled"


def test_a_global_plugin_is_not_uninstalled(client, organization):
    plugin = make_plugin(organization, is_global=True)
    response = client.delete(plugins_url(organization, plugin))
    assert response.status_code == 400
    assert response.json()["detail"] == "This plugin is marked as global! Make it local before uninstallation"
    assert Plugin.objects.exists()


def test_a_plugin_other_organizations_configured_is_not_uninstalled(client, organization, team, other_organization):
    plugin = make_plugin(organization)
    own = make_config(team, plugin)
    theirs = make_config(other_organization.teams.get(), plugin)  # configured while the plugin was global

    response = client.delete(plugins_url(organization, plugin))

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "Other organizations use this plugin! It cannot be uninstalled while they do.",
    )
    assert set(PluginConfig.objects.values_list("id", flat=True)) == {own.id, theirs.id}
    assert not ActivityLog.objects.exists()

    PluginConfig.objects.filter(pk=theirs.pk).update(deleted=True)  # soft-deleted by its organization
    assert client.delete(plugins_url(organization, plugin)).status_code == 204
    assert not PluginConfig.objects.exists()


def test_sources_are_written_read_and_served_to_the_frontend_route(session, organization, team):
    app = make_frontend_app(organization)
    plugin_config = make_config(team, app)
    body = {
        "plugin.json": '{"name": "Renamed app", "config": [{"key": "x"}]}',
        "frontend.tsx": {"source": "export const x = <div/>", "transpiled": "export const x = 1"},
        "index.ts": "export function onEvent() {}",
    }

    response = session.patch(f"{plugins_url(organization, app)}update_source/", body, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "plugin.json": body["plugin.json"],
        "frontend.tsx": "export const x = <div/>",
        "index.ts": "export function onEvent() {}",
    }
    app.refresh_from_db()
    assert (app.name, app.config_schema) == ("Renamed app", [{"key": "x"}])
    frontend = session.get(f"{configs_url(team, FRONTEND_APPS, plugin_config)}frontend/")
    assert frontend.content == b"export const x = 1"

    session.patch(f"{plugins_url(organization, app)}update_source/", {"frontend.tsx": None}, format="json")
    assert not PluginSourceFile.objects.filter(filename="frontend.tsx").exists()
    assert session.get(f"{plugins_url(organization, app)}source/").json() == {
        "index.ts": "export function onEvent() {}",
        "plugin.json": body["plugin.json"],
    }


def test_a_plain_source_is_stored_untranspiled(session, organization):
    app = make_frontend_app(organization)
    session.patch(f"{plugins_url(organization, app)}update_source/", {"frontend.tsx": "x"}, format="json")
    source = PluginSourceFile.objects.get()
    assert (source.source, source.status, source.transpiled) == ("x", None, None)


@pytest.mark.parametrize(
    "body",
    [{"plugin.json": "{nope"}, {"index.ts": 5}, {"frontend.tsx": {"source": "x", "transpiled": 1}}],
)
def test_bad_sources_are_400(session, organization, body):
    app = make_frontend_app(organization)
    response = session.patch(f"{plugins_url(organization, app)}update_source/", body, format="json")
    assert response.status_code == 400
    assert not PluginSourceFile.objects.exists()


def test_sources_of_another_organizations_plugin_are_404(session, organization, other_organization):
    shared = make_plugin(other_organization, is_global=True)
    assert session.get(f"{plugins_url(organization, shared)}source/").status_code == 404


def test_source_editing_needs_the_install_level(session, organization):
    app = make_frontend_app(organization)
    set_level(organization, LEVEL.CONFIG)
    response = session.get(f"{plugins_url(organization, app)}source/")
    assert response.status_code == 403
    assert response.json() == permission_denied("Plugin source editing is not available for the current organization!")


def test_source_actions_refuse_personal_api_keys(client, organization):
    app = make_frontend_app(organization)
    response = client.get(f"{plugins_url(organization, app)}source/")
    assert response.status_code == 403
    assert response.json() == permission_denied("This action does not support personal API key access")


def test_a_file_url_installs_a_local_plugin(client, organization):
    response = client.post(plugins_url(organization), {"url": "file:../my-plugin", "name": "Local"}, format="json")
    assert response.status_code == 201
    assert response.json()["plugin_type"] == "local"


NUL = "a\x00b"


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("capabilities", {"methods": [NUL]}, "Null characters are not allowed."),
        ("config_schema", [{"key": "k", "hint": NUL}], "Null characters are not allowed."),
        ("config_schema", [{"key": "k", "hint": "\ud800"}], "Surrogate characters are not allowed: U+D800."),
        ("metrics", {NUL: 1}, "Null characters are not allowed."),
        ("public_jobs", {"Export": {"payload": {"x": {"type": NUL}}}}, "Null characters are not allowed."),
        ("config_schema", [{"key": ["k"], "secret": True}], "A config field's `key` must be a string."),
        ("config_schema", [{"key": 5, "secret": True}], "A config field's `key` must be a string."),
        ("config_schema", ["k"], "Each config field must be an object."),
    ],
)
def test_installing_refuses_json_the_database_or_the_masking_cannot_hold(client, organization, field, value, detail):
    body = json.dumps({**SOURCE_PLUGIN, field: value})  # escaped, as a lone surrogate cannot be sent as UTF-8
    response = client.post(plugins_url(organization), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["attr"] == field
    assert response.json()["detail"] == detail
    assert not Plugin.objects.exists()


def test_a_stored_schema_key_that_is_not_a_string_masks_nothing_and_breaks_nothing(client, organization, team):
    plugin = make_plugin(organization, config_schema=[{"key": ["k"], "secret": True}, {"key": "t", "secret": True}])
    make_config(team, plugin, config={"t": "s3cret", "u": "plain"})
    response = client.get(configs_url(team))
    assert response.status_code == 200
    assert response.json()["results"][0]["config"] == {
        "t": "**************** POSTHOG SECRET FIELD ****************",
        "u": "plain",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"index.ts": NUL},
        {NUL: "x"},
        {"frontend.tsx": {"source": "x", "transpiled": "\ud800"}},
        {"plugin.json": '{"name": "a\\u0000b"}'},
        {"plugin.json": '{"config": [{"key": "k", "hint": "a\\u0000b"}]}'},
        {"plugin.json": '{"name": "%s"}' % ("n" * 201)},
        {"plugin.json": '{"name": 5}'},
        {"plugin.json": '{"config": 7}'},
        {"plugin.json": '{"config": [{"key": 1, "secret": true}]}'},
    ],
)
def test_sources_the_database_cannot_hold_are_400_and_write_nothing(session, organization, body):
    app = make_frontend_app(organization)
    url = f"{plugins_url(organization, app)}update_source/"
    response = session.patch(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not PluginSourceFile.objects.exists()
    app.refresh_from_db()
    assert (app.name, app.config_schema) == ("Banner", [])
