import uuid

from django.conf import settings
from django.db import models


class Organization(models.Model):
    class PluginsAccessLevel(models.IntegerChoices):
        NONE = 0
        CONFIG = 3
        INSTALL = 6
        ROOT = 9

    class StatsMethod(models.TextChoices):
        BAYESIAN = "bayesian"
        FREQUENTIST = "frequentist"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=48, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_member_join_email_enabled = models.BooleanField(default=True)
    enforce_2fa = models.BooleanField(null=True, blank=True)
    members_can_invite = models.BooleanField(null=True, blank=True, default=True)
    members_can_use_personal_api_keys = models.BooleanField(default=True)
    allow_publicly_shared_resources = models.BooleanField(default=True)
    is_ai_data_processing_approved = models.BooleanField(null=True, blank=True)
    default_experiment_stats_method = models.CharField(
        max_length=20, choices=StatsMethod.choices, null=True, blank=True, default=StatsMethod.BAYESIAN
    )
    default_anonymize_ips = models.BooleanField(default=False)
    # NOTE: a plain UUID until the roles app exists; it names a role of this organization or is null.
    default_role_id = models.UUIDField(null=True, blank=True)
    logo_media_id = models.UUIDField(null=True, blank=True)
    # NOTE: stricter than self-hosted PostHog (ROOT for every organization): ROOT may publish global plugins, whose
    # frontend code other organizations' configs then serve, so only the bootstrap organization gets it.
    plugins_access_level = models.PositiveSmallIntegerField(
        choices=PluginsAccessLevel.choices, default=PluginsAccessLevel.INSTALL
    )
    available_product_features = models.JSONField(null=True, blank=True, default=list)
    customer_id = models.CharField(max_length=200, null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="OrganizationMembership", related_name="organizations"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(models.Model):
    class Level(models.IntegerChoices):
        MEMBER = 1, "member"
        ADMIN = 8, "administrator"
        OWNER = 15, "owner"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="organization_memberships")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_organization_membership")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.level})"
