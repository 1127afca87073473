import json
import re
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from plugins.models import SECRET_FIELD_VALUE, Plugin, PluginConfig
from plugins.validators import validate_config_schema
from posthog_api.serializers import PrimaryKeyRelatedField
from posthog_api.validators import validate_storable_json

URL_REFUSED = "Must be a GitHub/GitLab repository or a npm package URL!"
ARCHIVE_URL = re.compile(r"^https://(github\.com|gitlab\.com|www\.npmjs\.com/package)/\S+$")
LATEST_TAG_FRESH_FOR = timedelta(minutes=30)


class PluginSerializer(serializers.ModelSerializer):
    url = serializers.CharField(max_length=800, required=False, allow_null=True, allow_blank=True)
    latest_tag = serializers.SerializerMethodField()
    organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    organization_name = serializers.SerializerMethodField()
    hog_function_migration_available = serializers.SerializerMethodField()

    class Meta:
        model = Plugin
        fields = [
            "id",
            "plugin_type",
            "name",
            "description",
            "url",
            "icon",
            "config_schema",
            "tag",
            "latest_tag",
            "is_global",
            "organization_id",
            "organization_name",
            "capabilities",
            "metrics",
            "public_jobs",
            "hog_function_migration_available",
        ]
        read_only_fields = ["id", "latest_tag", "hog_function_migration_available"]

    def to_representation(self, plugin: Plugin) -> dict:
        data = super().to_representation(plugin)
        data["url"] = plugin.url.split("?")[0] if plugin.url else None  # never echo a ?private_token=
        return data

    def get_latest_tag(self, plugin: Plugin) -> str | None:
        if not plugin.latest_tag or not plugin.latest_tag_checked_at:
            return None
        if plugin.latest_tag != plugin.tag or plugin.latest_tag_checked_at > timezone.now() - LATEST_TAG_FRESH_FOR:
            return plugin.latest_tag
        return None

    def get_organization_name(self, plugin: Plugin) -> str:
        return plugin.organization.name if plugin.organization_id else "posthog-inline"

    def get_hog_function_migration_available(self, plugin: Plugin) -> bool:
        return False  # there are no hog functions here to migrate to

    def validate_config_schema(self, value):
        validate_config_schema(value)
        validate_storable_json(value)
        return value

    def validate_capabilities(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        validate_storable_json(value)
        return value

    def validate_metrics(self, value):
        validate_storable_json(value)
        return value

    def validate_public_jobs(self, value):
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object keyed by job name.")
        validate_storable_json(value)
        return value

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None:
            attrs.pop("url", None)  # the URL names the installation; it is not edited
            return attrs
        if attrs.get("plugin_type") == Plugin.PluginType.SOURCE:
            return attrs
        # NOTE: PostHog downloads the archive and reads plugin.json here; nothing is downloaded, so the plugin's
        # name, config schema and capabilities come from the body, as for a source plugin.
        url, plugin_type = attrs.get("url") or "", attrs.get("plugin_type")
        if url.startswith("file:") and plugin_type in (None, Plugin.PluginType.LOCAL):
            attrs["plugin_type"] = Plugin.PluginType.LOCAL
        elif ARCHIVE_URL.match(url) and plugin_type in (None, Plugin.PluginType.CUSTOM, Plugin.PluginType.REPOSITORY):
            attrs["plugin_type"] = plugin_type or Plugin.PluginType.CUSTOM
        else:
            raise serializers.ValidationError(URL_REFUSED)
        return attrs


class NullableBooleanField(serializers.BooleanField):
    """A boolean that stays unset when a form body leaves it out (DRF reads a missing form field as false, or as
    null when the field allows null), so the model default applies."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.default_empty_html = empty


class PluginConfigSerializer(serializers.ModelSerializer):
    # NOTE: PostHog documents these computed fields as strings; `config` and `plugin_info` are objects on the wire.
    config = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    team_id = serializers.IntegerField(read_only=True, allow_null=True)
    plugin_info = serializers.SerializerMethodField()
    delivery_rate_24h = serializers.SerializerMethodField()
    deleted = NullableBooleanField(required=False, allow_null=True)
    serializer_related_field = PrimaryKeyRelatedField

    class Meta:
        model = PluginConfig
        fields = [
            "id",
            "plugin",
            "enabled",
            "order",
            "config",
            "error",
            "team_id",
            "plugin_info",
            "delivery_rate_24h",
            "created_at",
            "updated_at",
            "name",
            "description",
            "deleted",
        ]
        read_only_fields = ["id", "team_id", "plugin_info", "error", "delivery_rate_24h", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organization = self.context.get("organization")
        if organization is not None and "plugin" in self.fields:
            # Deliberately stricter than PostHog: only plugins this organization can see may be configured.
            visible = Plugin.visible_to(organization.pk)
            if isinstance(self.instance, PluginConfig):
                visible |= Q(pk=self.instance.plugin_id)  # a PUT names the config's own plugin again
            self.fields["plugin"].queryset = Plugin.objects.filter(visible)

    @extend_schema_field(OpenApiTypes.STR)
    def get_config(self, plugin_config: PluginConfig):
        secret_fields = plugin_config.plugin.secret_fields()
        config = dict(plugin_config.config or {})
        for key in secret_fields:
            if config.get(key):
                config[key] = SECRET_FIELD_VALUE
        for attachment in plugin_config.attachments.all():
            config[attachment.key] = attachment_overlay(attachment, secret=attachment.key in secret_fields)
        return config

    @extend_schema_field(OpenApiTypes.STR)
    def get_error(self, plugin_config: PluginConfig):
        return None  # PostHog stopped reporting the latest error in 2024

    @extend_schema_field(OpenApiTypes.STR)
    def get_plugin_info(self, plugin_config: PluginConfig):
        view = self.context.get("view")
        if view is None or view.action in ("list", "rearrange"):
            return None
        return PluginSerializer(plugin_config.plugin).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_delivery_rate_24h(self, plugin_config: PluginConfig):
        return None  # no app metrics are collected here

    def to_representation(self, plugin_config: PluginConfig) -> dict:
        data = super().to_representation(plugin_config)
        data["name"] = data["name"] or plugin_config.plugin.name
        data["description"] = data["description"] or plugin_config.plugin.description
        return data

    def validate(self, attrs: dict) -> dict:
        attrs["config"] = self._posted_config()
        return attrs

    def _posted_config(self) -> dict | None:
        """`config` is read-only to DRF: PostHog's UI posts it as a JSON string in a form. A JSON object in a JSON
        body is accepted as well (a deliberate extension); None means no config was sent."""
        raw = self.initial_data.get("config") if hasattr(self.initial_data, "get") else None
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise serializers.ValidationError({"config": ["Must be a JSON-encoded object."]}) from None
        if not isinstance(raw, dict):
            raise serializers.ValidationError({"config": ["Must be a JSON object."]})
        try:
            validate_storable_json(raw)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"config": error.detail}) from None
        return raw


def attachment_overlay(attachment, *, secret: bool) -> dict:
    if secret:
        return {"uid": -1, "saved": True, "size": -1, "name": SECRET_FIELD_VALUE, "type": "application/octet-stream"}
    return {
        "uid": attachment.pk,
        "saved": True,
        "size": attachment.file_size,
        "name": attachment.file_name,
        "type": attachment.content_type,
    }


class RearrangeSerializer(serializers.Serializer):
    orders = serializers.DictField(
        required=False, child=serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1)
    )

    def validate_orders(self, orders: dict) -> dict[int, int]:
        parsed = {}
        for key, order in orders.items():
            try:
                parsed[int(key)] = order
            except ValueError:
                raise serializers.ValidationError(f'"{key}" is not a plugin config id.') from None
        return parsed
