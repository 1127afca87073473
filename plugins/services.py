"""Writes with side effects: installing plugins, configuring them per environment, reordering, triggering jobs."""

import json
import uuid
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from activity.services import activity_log_record, change
from organizations.models import Organization
from plugins.models import SECRET_FIELD_VALUE, Plugin, PluginAttachment, PluginConfig, PluginSourceFile
from plugins.validators import validate_config_schema
from posthog_api.validators import validate_storable_json

CONFIG_UNAVAILABLE = "Plugin configuration is not available for the current organization!"
GLOBAL_REFUSED = "This organization can't manage global plugins!"
IN_USE_ELSEWHERE = "Other organizations use this plugin! It cannot be uninstalled while they do."
NAME_MAX_LENGTH = Plugin._meta.get_field("name").max_length


def can_configure_plugins(organization: Organization) -> bool:
    return organization.plugins_access_level >= Organization.PluginsAccessLevel.CONFIG


def require_config_access(organization: Organization) -> None:
    if not can_configure_plugins(organization):
        raise ValidationError(CONFIG_UNAVAILABLE)


@dataclass
class AttachmentChanges:
    """Files posted as `add_attachment[<key>]` and keys posted as `remove_attachment[<key>]`."""

    added: dict[str, UploadedFile] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


# --- Plugins ---


def _log_plugin(plugin: Plugin, activity: str, user, *, organization_id) -> None:
    activity_log_record(
        scope="Plugin",
        activity=activity,
        item_id=plugin.pk,
        user=user,
        organization_id=organization_id,
        name=plugin.name,
    )


@transaction.atomic
def plugin_install(*, organization: Organization, user, url: str | None = None, **fields) -> Plugin:
    if fields.get("is_global") and organization.plugins_access_level < Organization.PluginsAccessLevel.ROOT:
        raise PermissionDenied(GLOBAL_REFUSED)
    duplicate = ValidationError(f'Plugin from URL "{url}" already installed!')
    if url and Plugin.objects.filter(url=url).exists():
        raise duplicate
    try:
        with transaction.atomic():
            plugin = Plugin.objects.create(
                organization=organization, url=url or None, updated_at=timezone.now(), **fields
            )
    except IntegrityError:  # the same URL installed concurrently
        raise duplicate from None
    _log_plugin(plugin, "installed", user, organization_id=organization.pk)
    return plugin


@transaction.atomic
def plugin_update(*, plugin: Plugin, organization: Organization, **fields) -> Plugin:
    if "is_global" in fields and organization.plugins_access_level < Organization.PluginsAccessLevel.ROOT:
        raise PermissionDenied(GLOBAL_REFUSED)
    for name, value in fields.items():
        setattr(plugin, name, value)
    plugin.updated_at = timezone.now()
    plugin.save()
    return plugin


@transaction.atomic
def plugin_uninstall(*, plugin: Plugin, user) -> None:
    if plugin.is_global:
        raise ValidationError("This plugin is marked as global! Make it local before uninstallation")
    # NOTE: deliberately stricter than PostHog, whose global plugins are its own: here any organization may publish
    # one, and deleting it would cascade into the configs other organizations keep for it.
    foreign_configs = plugin.configs.exclude(deleted=True).exclude(team__organization_id=plugin.organization_id)
    if foreign_configs.exists():
        raise ValidationError(IN_USE_ELSEWHERE)
    _log_plugin(plugin, "uninstalled", user, organization_id=plugin.organization_id)
    plugin.delete()


@transaction.atomic
def plugin_sources_update(*, plugin: Plugin, files: dict[str, str | None], transpiled: dict[str, str]) -> dict:
    """Write source files (a null source deletes one). `frontend.tsx`/`site.ts` need PostHog's transpiler, which
    does not run here: with a `transpiled` text given they are stored as TRANSPILED, else left untranspiled."""
    existing = {source.filename: source for source in plugin.source_files.select_for_update()}
    for filename, text in files.items():
        source = existing.get(filename)
        if text is None:
            if source is not None:
                source.delete()
                del existing[filename]
            continue
        if source is None:
            source = existing[filename] = PluginSourceFile(plugin=plugin, filename=filename)
        source.source = text
        source.transpiled = transpiled.get(filename)
        source.status = PluginSourceFile.Status.TRANSPILED if filename in transpiled else None
        source.error = None
        source.save()
    plugin_json = existing.get("plugin.json")
    if plugin_json is not None:
        _apply_plugin_json(plugin, plugin_json.source)
    plugin.updated_at = timezone.now()
    plugin.save()
    return {filename: source.source for filename, source in existing.items()}


def _apply_plugin_json(plugin: Plugin, text: str) -> None:
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ValidationError({"plugin.json": ["plugin.json is not valid JSON."]}) from None
    if not isinstance(manifest, dict):
        raise ValidationError({"plugin.json": ["plugin.json must hold a JSON object."]})
    name, config_schema = manifest.get("name", plugin.name), manifest.get("config", plugin.config_schema)
    if name is not None and not (isinstance(name, str) and len(name) <= NAME_MAX_LENGTH):
        raise ValidationError({"plugin.json": [f"`name` must be a string of at most {NAME_MAX_LENGTH} characters."]})
    try:
        validate_config_schema(config_schema)
        validate_storable_json([name, config_schema])
    except ValidationError as error:
        raise ValidationError({"plugin.json": [f"plugin.json: {error.detail[0]}"]}) from None
    plugin.name, plugin.config_schema = name, config_schema


# --- Plugin configs ---


def _log_config(config: PluginConfig, activity: str, user, **detail) -> None:
    activity_log_record(
        scope="PluginConfig",
        activity=activity,
        item_id=config.pk,
        user=user,
        team_id=config.team_id,
        organization_id=config.team.organization_id,
        name=config.plugin.name,
        **detail,
    )


def config_changes(old: dict, new: dict, secret_fields: set[str]) -> list[dict]:
    """One change per added, changed or removed key; secret values are shown as the mask on both sides."""
    changes = []
    for key in dict.fromkeys([*new, *old]):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        item = change("Plugin", key, before, after)
        if key in secret_fields:
            item.update(type="PluginConfig", before=SECRET_FIELD_VALUE, after=SECRET_FIELD_VALUE)
        changes.append(item)
    return changes


def _merge_secrets(supplied: dict, stored: dict, secret_fields: set[str]) -> dict:
    """A secret left out, sent as null or sent back as the mask keeps its stored value; "" clears it."""
    merged = dict(supplied)
    for key in secret_fields:
        if merged.get(key) is None or merged.get(key) == SECRET_FIELD_VALUE:
            merged.pop(key, None)
            if key in stored:
                merged[key] = stored[key]
    return merged


@transaction.atomic
def plugin_config_create(
    *, team, user, config: dict | None, attachments: AttachmentChanges | None = None, **fields
) -> PluginConfig:
    require_config_access(team.organization)
    plugin = fields["plugin"]
    values = _merge_secrets(config or {}, {}, plugin.secret_fields())
    plugin_config = PluginConfig.objects.create(team=team, config=values, **fields)
    plugin_config.team = team
    if plugin_config.enabled:
        changes = config_changes({}, plugin_config.config, plugin.secret_fields())
        _log_config(plugin_config, "enabled", user, changes=changes)
    _apply_attachments(plugin_config, attachments, user)
    return plugin_config


@transaction.atomic
def plugin_config_update(
    *, plugin_config: PluginConfig, user, config: dict | None, attachments: AttachmentChanges | None = None, **fields
) -> PluginConfig:
    fields.pop("plugin", None)  # a config never moves to another plugin
    if fields.get("deleted") is True:
        fields["enabled"] = False
    secret_fields = plugin_config.plugin.secret_fields()
    old_config, old_enabled = plugin_config.config or {}, plugin_config.enabled
    if config is not None:
        fields["config"] = _merge_secrets(config, old_config, secret_fields)
    for name, value in fields.items():
        setattr(plugin_config, name, value)
    plugin_config.save()
    changes = config_changes(old_config, plugin_config.config, secret_fields)
    if changes:
        _log_config(plugin_config, "config_updated", user, changes=changes)
    if plugin_config.enabled != old_enabled:
        _log_config(plugin_config, "enabled" if plugin_config.enabled else "disabled", user)
    _apply_attachments(plugin_config, attachments, user)
    return plugin_config


@transaction.atomic
def plugin_config_disable(*, plugin_config: PluginConfig) -> None:
    """DELETE only switches a config off; it stays listed (PostHog's UI soft-deletes with `deleted` instead)."""
    plugin_config.enabled = False
    plugin_config.save(update_fields=["enabled", "updated_at"])


def _apply_attachments(plugin_config: PluginConfig, attachments: AttachmentChanges | None, user) -> None:
    if attachments is None:
        return
    existing = {attachment.key: attachment for attachment in plugin_config.attachments.defer("contents")}
    for key, upload in attachments.added.items():
        attachment = existing.get(key)
        before = attachment.file_name if attachment is not None else None
        attachment = attachment or PluginAttachment(team_id=plugin_config.team_id, plugin_config=plugin_config, key=key)
        attachment.content_type = str(upload.content_type or "application/octet-stream")
        attachment.file_name = upload.name
        attachment.file_size = upload.size
        attachment.contents = upload.read()
        attachment.save()
        activity = "attachment_updated" if before is not None else "attachment_created"
        _log_config(plugin_config, activity, user, changes=[change("PluginConfig", key, before, upload.name)])
    for key in attachments.removed:
        attachment = existing.get(key)
        if attachment is None or key in attachments.added:
            continue
        attachment.delete()
        _log_config(
            plugin_config, "attachment_deleted", user, changes=[change("PluginConfig", key, attachment.file_name, None)]
        )


@transaction.atomic
def plugin_configs_rearrange(*, team, user, orders: dict[int, int]) -> list[PluginConfig]:
    """Set `order` on the environment's enabled configs named by id, whatever their family; others are ignored."""
    require_config_access(team.organization)
    configs = list(
        PluginConfig.objects.select_related("plugin")
        .prefetch_related(Prefetch("attachments", queryset=PluginAttachment.objects.defer("contents")))
        .select_for_update(of=("self",))
        .filter(team=team, enabled=True)
    )
    for plugin_config in configs:
        plugin_config.team = team
        new_order = orders.get(plugin_config.pk)
        if new_order is None or new_order == plugin_config.order:
            continue
        old_order, plugin_config.order = plugin_config.order, new_order
        plugin_config.save(update_fields=["order", "updated_at"])
        # PostHog files order changes under the Plugin scope so that they show in the plugins' unified history.
        activity_log_record(
            scope="Plugin",
            activity="order_changed",
            item_id=plugin_config.pk,
            user=user,
            team_id=team.pk,
            organization_id=team.organization_id,
            name=plugin_config.plugin.name,
            changes=[change("Plugin", "order", old_order, new_order, action="changed")],
        )
    return sorted(configs, key=lambda item: (item.order, item.plugin_id, item.pk))


@transaction.atomic
def plugin_config_job_trigger(*, plugin_config: PluginConfig, user, job_type: str, payload: dict) -> str:
    """Record a triggered job. There is no plugin server to run it, so the activity entry is all that remains."""
    job_id = str(uuid.uuid4())
    trigger = {"job_type": job_type, "job_id": job_id, "payload": payload}
    _log_config(plugin_config, "job_triggered", user, trigger=trigger)
    return job_id
