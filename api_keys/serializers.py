import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api_keys.models import (
    PROJECT_SECRET_API_KEY_SCOPES,
    PersonalAPIKey,
    ProjectSecretAPIKey,
)
from organizations.models import OrganizationMembership
from posthog_api.scopes import API_SCOPE_ACTIONS, WILDCARD, is_valid_user_scope
from posthog_api.serializers import UserBasicSerializer
from projects.models import Team


class PersonalAPIKeySerializer(serializers.ModelSerializer):
    """A personal API key; `value` holds the raw key in the create and roll responses only."""

    value = serializers.SerializerMethodField()
    label = serializers.CharField(max_length=40)
    scopes = serializers.ListField(child=serializers.CharField(max_length=100), required=True)
    scoped_teams = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True)
    scoped_organizations = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, allow_null=True
    )

    class Meta:
        model = PersonalAPIKey
        fields = [
            "id",
            "label",
            "value",
            "mask_value",
            "created_at",
            "last_used_at",
            "user_id",
            "scopes",
            "scoped_teams",
            "scoped_organizations",
            "last_rolled_at",
        ]
        read_only_fields = ["id", "value", "mask_value", "created_at", "last_used_at", "user_id", "last_rolled_at"]

    def get_value(self, key: PersonalAPIKey) -> str | None:
        return getattr(key, "raw_value", None)

    def to_representation(self, key: PersonalAPIKey) -> dict:
        data = super().to_representation(key)
        data["scopes"] = key.scopes if key.scopes is not None else [WILDCARD]
        return data

    def validate_scopes(self, scopes: list[str]) -> list[str]:
        for scope in scopes:
            if not is_valid_user_scope(scope):
                raise serializers.ValidationError(f"Invalid scope: {scope}")
        return scopes

    def validate_scoped_teams(self, team_ids: list[int] | None) -> list[int] | None:
        if not team_ids:
            return team_ids
        user = self.context["request"].user
        member_of = Team.objects.filter(pk__in=team_ids, organization__memberships__user=user).count()
        if member_of != len(set(team_ids)):
            raise serializers.ValidationError("You must be a member of all teams that you are scoping the key to.")
        return team_ids

    def validate_scoped_organizations(self, organization_ids: list[str] | None) -> list[str] | None:
        if not organization_ids:
            return organization_ids
        try:
            parsed = {uuid.UUID(value) for value in organization_ids}
        except ValueError:
            raise serializers.ValidationError("Invalid organization UUID") from None
        user = self.context["request"].user
        member_of = OrganizationMembership.objects.filter(user=user, organization_id__in=parsed).count()
        if member_of != len(parsed):
            raise serializers.ValidationError(
                "You must be a member of all organizations that you are scoping the key to."
            )
        return organization_ids


# A project secret API key; `value` holds the raw key in the create and roll responses only.
class ProjectSecretAPIKeySerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(method_name="get_raw_value")
    created_by = UserBasicSerializer(read_only=True)
    scopes = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=False,
        help_text=(
            "Project-wide API scopes granted to this key. Project secret API keys do not honor object-level access "
            "controls, so a scope can access resources of that type even when per-resource RBAC would hide them "
            "from an individual user."
        ),
    )

    class Meta:
        model = ProjectSecretAPIKey
        fields = [
            "id",
            "label",
            "value",
            "mask_value",
            "created_at",
            "created_by",
            "last_used_at",
            "last_rolled_at",
            "scopes",
        ]
        read_only_fields = ["id", "value", "mask_value", "created_at", "created_by", "last_used_at", "last_rolled_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_raw_value(self, key: ProjectSecretAPIKey) -> str | None:
        return getattr(key, "raw_value", None)

    def validate_scopes(self, scopes: list[str]) -> list[str]:
        for scope in scopes:
            if scope == WILDCARD:
                raise serializers.ValidationError(
                    "Wildcard scope '*' is not allowed for project API keys. Please specify explicit scopes."
                )
            parts = scope.split(":")
            if len(parts) != 2 or parts[1] not in API_SCOPE_ACTIONS:
                raise serializers.ValidationError(f"Invalid scope: {scope}")
            if scope not in PROJECT_SECRET_API_KEY_SCOPES:
                raise serializers.ValidationError(
                    f"Scope '{scope}' is not available for project secret API keys. "
                    f"Allowed scopes: {', '.join(PROJECT_SECRET_API_KEY_SCOPES)}"
                )
        return scopes
