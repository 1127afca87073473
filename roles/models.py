import uuid

from django.conf import settings
from django.db import models


class Role(models.Model):
    class FeatureFlagsAccessLevel(models.IntegerChoices):
        CAN_ONLY_VIEW = 21, "can only view"
        CAN_ALWAYS_EDIT = 37, "can always edit"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("organizations.Organization", models.CASCADE, related_name="roles")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    # Legacy and unused by any check; kept because seed clients may still send and read it.
    feature_flags_access_level = models.PositiveSmallIntegerField(
        choices=FeatureFlagsAccessLevel.choices, default=FeatureFlagsAccessLevel.CAN_ALWAYS_EDIT
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_role_name")]

    def __str__(self) -> str:
        return self.name


class RoleMembership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.ForeignKey(Role, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_memberships")
    organization_member = models.ForeignKey(
        "organizations.OrganizationMembership", models.CASCADE, null=True, related_name="role_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["role", "user"], name="unique_user_and_role")]
