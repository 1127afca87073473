import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models


class ProductIntent(models.Model):
    """A team's recorded interest in a product, and when its onboarding was completed."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="product_intents")
    product_type = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    onboarding_completed_at = models.DateTimeField(null=True, blank=True)
    contexts = models.JSONField(default=dict, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activation_last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "product_type"], name="unique_team_product_intent")]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.product_type}"


class EvaluationContext(models.Model):
    """A feature-flag evaluation context (older name: evaluation tag) known to a team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="evaluation_contexts")
    name = models.CharField(max_length=255)
    hidden_from_suggestions = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_team_evaluation_context")]

    def __str__(self) -> str:
        return self.name


class TeamDefaultEvaluationContext(models.Model):
    """An evaluation context applied to every new feature flag of the team."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="default_evaluation_contexts")
    evaluation_context = models.ForeignKey(EvaluationContext, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "evaluation_context"], name="unique_team_default_context")
        ]


class TeamFeatureFlagDefaultsConfig(models.Model):
    """Default release conditions for new feature flags; created on first access."""

    team = models.OneToOneField("projects.Team", models.CASCADE, related_name="feature_flag_defaults_config")
    enabled = models.BooleanField(default=False)
    default_groups = models.JSONField(default=list)


class EventIngestionRestriction(models.Model):
    """A staff-managed ingestion rule keyed by project token (there is no API to write them)."""

    class RestrictionType(models.TextChoices):
        SKIP_PERSON_PROCESSING = "skip_person_processing"
        DROP_EVENT_FROM_INGESTION = "drop_event_from_ingestion"
        FORCE_OVERFLOW_FROM_INGESTION = "force_overflow_from_ingestion"

    token = models.CharField(max_length=100)
    restriction_type = models.CharField(max_length=100, choices=RestrictionType.choices)
    distinct_ids = ArrayField(models.CharField(max_length=450), null=True, blank=True)
    session_ids = ArrayField(models.CharField(max_length=450), null=True, blank=True)
    note = models.TextField(null=True, blank=True)
    pipelines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["restriction_type"]
        constraints = [
            models.UniqueConstraint(fields=["token", "restriction_type"], name="unique_token_restriction_type")
        ]
