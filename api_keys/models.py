from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from posthog_api.models import generate_random_token

PERSONAL_API_KEY_PREFIX = "phx_"
MAX_PERSONAL_API_KEYS_PER_USER = 10


def generate_personal_api_key_value() -> str:
    return f"{PERSONAL_API_KEY_PREFIX}{generate_random_token(35)}"


def generate_key_id() -> str:
    return generate_random_token(24)


class PersonalAPIKey(models.Model):
    is_project_credential = False

    id = models.CharField(primary_key=True, max_length=50, default=generate_key_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="personal_api_keys")
    label = models.CharField(max_length=40)
    mask_value = models.CharField(max_length=11, null=True, editable=False)
    secure_value = models.CharField(max_length=300, unique=True, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_rolled_at = models.DateTimeField(null=True, blank=True)
    scopes = ArrayField(models.CharField(max_length=100), null=True)
    scoped_teams = ArrayField(models.IntegerField(), null=True)
    scoped_organizations = ArrayField(models.CharField(max_length=100), null=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "personal API key"

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"


PROJECT_SECRET_API_KEY_PREFIX = "phs_"
MAX_PROJECT_SECRET_API_KEYS_PER_PROJECT = 10
# Newest PostHog: the only scopes a project secret key may carry.
PROJECT_SECRET_API_KEY_SCOPES = ("endpoint:read", "feature_flag:read", "account:read", "loop:write", "experiment:read")


def generate_project_secret_api_key_value() -> str:
    return f"{PROJECT_SECRET_API_KEY_PREFIX}{generate_random_token(35)}"


class ProjectSecretAPIKey(models.Model):
    """A key that authenticates as a project (not a user), on the few actions that allow it."""

    is_project_credential = True
    scoped_teams = None
    scoped_organizations = None

    id = models.CharField(primary_key=True, max_length=50, default=generate_key_id, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="project_secret_api_keys")
    label = models.CharField(max_length=40)
    mask_value = models.CharField(max_length=11, null=True, editable=False)
    secure_value = models.CharField(max_length=300, unique=True, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_rolled_at = models.DateTimeField(null=True, blank=True)
    scopes = ArrayField(models.CharField(max_length=100), default=list)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "project secret API key"
        constraints = [models.UniqueConstraint(fields=["team", "label"], name="unique_team_label")]

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"
