from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizations.serializers import OrganizationMemberSerializer
from posthog_api.serializers import UserBasicSerializer
from roles.models import Role, RoleMembership

DUPLICATE_NAME_MESSAGE = "There is already a role with this name."


# PostHog documents the nested member as its `OrganizationMember` component but leaves `last_login` out here.
@extend_schema_field(OrganizationMemberSerializer)
class RoleOrganizationMemberSerializer(OrganizationMemberSerializer):
    last_login = None

    class Meta(OrganizationMemberSerializer.Meta):
        fields = ["id", "user", "level", "joined_at", "updated_at", "is_2fa_enabled", "has_social_auth"]


class RoleMembershipSerializer(serializers.ModelSerializer):
    role_id = serializers.UUIDField(read_only=True)
    organization_member = RoleOrganizationMemberSerializer(read_only=True)
    user = UserBasicSerializer(read_only=True)
    user_uuid = serializers.UUIDField(write_only=True)

    class Meta:
        model = RoleMembership
        fields = ["id", "role_id", "organization_member", "user", "joined_at", "updated_at", "user_uuid"]
        read_only_fields = ["id", "role_id", "organization_member", "user", "joined_at", "updated_at"]


class RoleSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True)
    members = RoleMembershipSerializer(many=True, read_only=True, source="memberships")
    is_default = serializers.SerializerMethodField()
    associated_flags = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "created_at",
            "created_by",
            "members",
            "is_default",
            "feature_flags_access_level",
            "associated_flags",
        ]
        read_only_fields = ["id", "created_at", "created_by", "members", "is_default", "associated_flags"]

    def get_is_default(self, role: Role) -> bool:
        return role.organization.default_role_id == role.id

    def get_associated_flags(self, role: Role) -> list[dict]:
        return []

    def validate_name(self, name: str) -> str:
        duplicates = Role.objects.filter(organization=self.context["organization"], name__iexact=name)
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError(DUPLICATE_NAME_MESSAGE, code="unique")
        return name
