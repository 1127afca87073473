"""Plugins installed for an organization, their source files, and the per-environment configs that use them."""

from django.db import models
from django.db.models import Q

from posthog_api.models import generate_random_token

# The mask every secret config value is shown as (PostHog's frontend compares against the same literal).
SECRET_FIELD_VALUE = "**************** POSTHOG SECRET FIELD ****************"


class Plugin(models.Model):
    class PluginType(models.TextChoices):
        LOCAL = "local"
        CUSTOM = "custom"
        REPOSITORY = "repository"
        SOURCE = "source"
        INLINE = "inline"

    organization = models.ForeignKey(
        "organizations.Organization", models.CASCADE, null=True, blank=True, related_name="plugins"
    )
    plugin_type = models.CharField(max_length=200, choices=PluginType.choices, null=True, blank=True)
    is_global = models.BooleanField(default=False)
    is_preinstalled = models.BooleanField(default=False)
    is_stateless = models.BooleanField(default=False, null=True, blank=True)
    name = models.CharField(max_length=200, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    url = models.CharField(max_length=800, null=True, blank=True, unique=True)
    icon = models.CharField(max_length=800, null=True, blank=True)
    config_schema = models.JSONField(default=dict, blank=True)
    tag = models.CharField(max_length=200, null=True, blank=True)
    latest_tag = models.CharField(max_length=800, null=True, blank=True)
    latest_tag_checked_at = models.DateTimeField(null=True, blank=True)
    # Filled in by PostHog's plugin server: {"methods": [...], "jobs": [...], "scheduled_tasks": [...]}.
    capabilities = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, null=True, blank=True)
    public_jobs = models.JSONField(default=dict, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or f"Plugin {self.pk}"

    def secret_fields(self) -> set[str]:
        """Keys of `config_schema` entries marked secret; a dict-form schema declares none."""
        schema = self.config_schema if isinstance(self.config_schema, list) else []
        fields = [field for field in schema if isinstance(field, dict) and field.get("secret")]
        return {field["key"] for field in fields if isinstance(field.get("key"), str)}

    @classmethod
    def visible_to(cls, organization_id) -> Q:
        """Plugins an organization may see and configure: its own, global ones, and any its environments use."""
        in_use = PluginConfig.objects.filter(team__organization_id=organization_id).exclude(deleted=True)
        return Q(organization_id=organization_id) | Q(is_global=True) | Q(pk__in=in_use.values("plugin_id"))


class PluginSourceFile(models.Model):
    class Status(models.TextChoices):
        LOCKED = "LOCKED"
        TRANSPILED = "TRANSPILED"
        ERROR = "ERROR"

    plugin = models.ForeignKey(Plugin, models.CASCADE, related_name="source_files")
    filename = models.CharField(max_length=200)
    source = models.TextField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, null=True, blank=True)
    transpiled = models.TextField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plugin", "filename"], name="unique_plugin_source_filename")]

    def __str__(self) -> str:
        return f"{self.plugin_id}/{self.filename}"


class PluginConfig(models.Model):
    team = models.ForeignKey("projects.Team", models.CASCADE, null=True, blank=True, related_name="plugin_configs")
    plugin = models.ForeignKey(Plugin, models.CASCADE, related_name="configs")
    enabled = models.BooleanField(default=False)
    order = models.IntegerField()
    config = models.JSONField(default=dict, blank=True)
    # Never serialized: it names the config in public site-app URLs.
    web_token = models.CharField(max_length=64, default=generate_random_token, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    name = models.CharField(max_length=400, null=True, blank=True)
    description = models.CharField(max_length=1000, null=True, blank=True)
    deleted = models.BooleanField(default=False, null=True, blank=True)
    filters = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "enabled"], name="plugin_config_team_enabled")]

    def __str__(self) -> str:
        return f"{self.plugin_id} in {self.team_id}"


class PluginAttachment(models.Model):
    team = models.ForeignKey("projects.Team", models.CASCADE, null=True, blank=True, related_name="+")
    plugin_config = models.ForeignKey(PluginConfig, models.CASCADE, related_name="attachments")
    key = models.CharField(max_length=200)
    content_type = models.CharField(max_length=200)
    file_name = models.CharField(max_length=200)
    file_size = models.PositiveIntegerField()
    contents = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plugin_config", "key"], name="unique_plugin_attachment_key")]

    def __str__(self) -> str:
        return f"{self.plugin_config_id}/{self.key}"
