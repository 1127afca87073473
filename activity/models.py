import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class ActivityLog(models.Model):
    """One recorded change. Tenants are stored by id (no foreign keys), so entries outlive what they describe."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team_id = models.BigIntegerField(null=True, blank=True)
    organization_id = models.UUIDField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    was_impersonated = models.BooleanField(null=True, blank=True)
    is_system = models.BooleanField(null=True, blank=True)
    activity = models.CharField(max_length=79)
    scope = models.CharField(max_length=79)
    item_id = models.CharField(max_length=72, null=True, blank=True)
    detail = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["team_id", "scope", "item_id"], name="activity_team_scope_item_idx"),
            models.Index(fields=["organization_id", "scope", "item_id"], name="activity_org_scope_item_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team_id__isnull=False) | models.Q(organization_id__isnull=False),
                name="activity_log_has_team_or_organization",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.item_id} {self.activity}"
