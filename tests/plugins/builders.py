"""Plugins and configs for the plugin tests, and the response bodies expected of them."""

from plugins.models import SECRET_FIELD_VALUE, Plugin, PluginConfig
from tests.organizations.bodies import iso

DESTINATIONS, FRONTEND_APPS = "pipeline_destination_configs", "pipeline_frontend_apps_configs"
DESTINATION_CAPABILITIES = {"methods": ["onEvent"], "jobs": [], "scheduled_tasks": []}
SECRET_SCHEMA = [
    {"key": "url", "name": "Webhook URL", "type": "string", "required": True},
    {"key": "token", "name": "Token", "type": "string", "secret": True},
]


def configs_url(team, family: str = DESTINATIONS, plugin_config=None, root: str = "projects") -> str:
    base = f"/api/{root}/{team.id}/{family}/"
    return f"{base}{plugin_config.id}/" if plugin_config is not None else base


def make_plugin(organization, name: str = "Webhook", **fields) -> Plugin:
    fields.setdefault("capabilities", DESTINATION_CAPABILITIES)
    fields.setdefault("plugin_type", Plugin.PluginType.SOURCE)
    fields.setdefault("config_schema", SECRET_SCHEMA)
    return Plugin.objects.create(organization=organization, name=name, description=f"{name} plugin", **fields)


def make_frontend_app(organization, name: str = "Banner") -> Plugin:
    return make_plugin(organization, name, capabilities={}, config_schema=[])


def make_config(team, plugin, order: int = 1, **fields) -> PluginConfig:
    return PluginConfig.objects.create(team=team, plugin=plugin, order=order, **fields)


def plugin_body(plugin: Plugin) -> dict:
    plugin.refresh_from_db()
    return {
        "id": plugin.id,
        "plugin_type": plugin.plugin_type,
        "name": plugin.name,
        "description": plugin.description,
        "url": plugin.url.split("?")[0] if plugin.url else None,
        "icon": plugin.icon,
        "config_schema": plugin.config_schema,
        "tag": plugin.tag,
        "latest_tag": None,
        "is_global": plugin.is_global,
        "organization_id": str(plugin.organization_id) if plugin.organization_id else None,
        "organization_name": plugin.organization.name if plugin.organization_id else "posthog-inline",
        "capabilities": plugin.capabilities,
        "metrics": plugin.metrics,
        "public_jobs": plugin.public_jobs,
        "hog_function_migration_available": False,
    }


def config_body(plugin_config: PluginConfig, *, with_plugin: bool = True, config: dict | None = None) -> dict:
    plugin_config.refresh_from_db()
    plugin = plugin_config.plugin
    shown = dict(plugin_config.config) if config is None else config
    if config is None:
        for key in plugin.secret_fields():
            if shown.get(key):
                shown[key] = SECRET_FIELD_VALUE
    return {
        "id": plugin_config.id,
        "plugin": plugin.id,
        "enabled": plugin_config.enabled,
        "order": plugin_config.order,
        "config": shown,
        "error": None,
        "team_id": plugin_config.team_id,
        "plugin_info": plugin_body(plugin) if with_plugin else None,
        "delivery_rate_24h": None,
        "created_at": iso(plugin_config.created_at),
        "updated_at": iso(plugin_config.updated_at),
        "name": plugin_config.name or plugin.name,
        "description": plugin_config.description or plugin.description,
        "deleted": plugin_config.deleted,
    }
