import secrets
import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

SHORT_ID_ALPHABET = string.ascii_letters + string.digits
SHORT_ID_LENGTH = 8


def generate_short_id() -> str:
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))


def generate_access_token() -> str:
    return secrets.token_urlsafe(22)


class Insight(models.Model):
    """A saved query of a project, kept to the fields a client of the sharing API reads and writes."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    short_id = models.CharField(max_length=12, default=generate_short_id)
    name = models.CharField(max_length=400, null=True, blank=True)
    derived_name = models.CharField(max_length=400, null=True, blank=True)
    description = models.CharField(max_length=400, null=True, blank=True)
    query = models.JSONField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)  # legacy; kept for rows written by older clients
    order = models.IntegerField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    saved = models.BooleanField(default=False)
    favorited = models.BooleanField(default=False)
    tags = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, null=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    last_modified_at = models.DateTimeField(default=timezone.now)
    last_modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_modified_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["team", "short_id"], name="unique_insight_short_id_per_team")]

    def __str__(self) -> str:
        return self.name or self.derived_name or self.short_id

    @property
    def dashboards(self) -> list[int]:
        return []  # no dashboards exist here

    @property
    def display_name(self) -> str | None:
        return self.name or self.derived_name or None


class SharingConfiguration(models.Model):
    """Public access to an insight by token. The current one has no `expires_at`; a refresh gives the old one a
    short grace period."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    insight = models.ForeignKey(Insight, models.CASCADE, related_name="sharing_configurations")
    created_at = models.DateTimeField(auto_now_add=True)
    enabled = models.BooleanField(default=False)
    access_token = models.CharField(max_length=400, unique=True, null=True, default=generate_access_token)
    expires_at = models.DateTimeField(null=True, blank=True)
    settings = models.JSONField(null=True, blank=True)
    password_required = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["insight"], condition=models.Q(expires_at__isnull=True), name="one_current_sharing_per_insight"
            )
        ]

    def __str__(self) -> str:
        return f"sharing of insight {self.insight_id}"


class SharePassword(models.Model):
    """One of the passwords that unlock a password-protected share; deleting it only deactivates it."""

    sharing_configuration = models.ForeignKey(SharingConfiguration, models.CASCADE, related_name="share_passwords")
    password_hash = models.CharField(max_length=128)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=100, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password_hash)
