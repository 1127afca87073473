from django.apps import apps
from django.conf import settings
from rest_framework import exceptions, serializers

from organizations.models import Organization, OrganizationMembership
from posthog_api.permissions import ADMIN, OWNER
from posthog_api.serializers import (
    PlainRepresentation,
    ProjectBasicSerializer,
    TeamBasicSerializer,
    UserBasicSerializer,
    iso_datetime,
    project_basic,
    str_or_none,
    team_basic,
    user_basic,
)


def caller_level(organization: Organization) -> int | None:
    """The caller's level, annotated by `organizations.selectors.organizations_of`."""
    return getattr(organization, "membership_level", None)


def organization_basic(organization: Organization) -> dict:
    """OrganizationBasicSerializer's output, built directly (the declared fields describe it for the schema)."""
    return {
        "id": str(organization.id),
        "name": organization.name,
        "slug": organization.slug,
        "logo_media_id": str_or_none(organization.logo_media_id),
        "membership_level": caller_level(organization),
        "members_can_use_personal_api_keys": organization.members_can_use_personal_api_keys,
    }


class OrganizationBasicSerializer(PlainRepresentation, serializers.ModelSerializer):
    membership_level = serializers.SerializerMethodField()
    plain_representation = staticmethod(organization_basic)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "logo_media_id", "membership_level", "members_can_use_personal_api_keys"]
        read_only_fields = fields

    def get_membership_level(self, organization: Organization) -> OrganizationMembership.Level | None:
        return caller_level(organization)


def organization_detail(organization: Organization, teams=None, projects=None) -> dict:
    """OrganizationSerializer's output, built directly. The organization comes with `membership_level` and
    `member_count`, and its teams and projects prefetched (organizations/selectors.py) or given."""
    teams = organization.teams.all() if teams is None else teams
    projects = organization.projects.all() if projects is None else projects
    return {
        "id": str(organization.id),
        "name": organization.name,
        "slug": organization.slug,
        "logo_media_id": str_or_none(organization.logo_media_id),
        "created_at": iso_datetime(organization.created_at),
        "updated_at": iso_datetime(organization.updated_at),
        "membership_level": caller_level(organization),
        "plugins_access_level": organization.plugins_access_level,
        "teams": [team_basic(team) for team in teams],
        "projects": [project_basic(project) for project in projects],
        "available_product_features": organization.available_product_features,
        "is_member_join_email_enabled": organization.is_member_join_email_enabled,
        "metadata": {"instance_tag": settings.INSTANCE_TAG},
        "customer_id": organization.customer_id,
        "enforce_2fa": organization.enforce_2fa,
        "members_can_invite": organization.members_can_invite,
        "members_can_use_personal_api_keys": organization.members_can_use_personal_api_keys,
        "allow_publicly_shared_resources": organization.allow_publicly_shared_resources,
        "member_count": organization.member_count,
        "is_ai_data_processing_approved": organization.is_ai_data_processing_approved,
        "default_experiment_stats_method": organization.default_experiment_stats_method,
        "default_anonymize_ips": organization.default_anonymize_ips,
        "default_role_id": str_or_none(organization.default_role_id),
    }


class OrganizationSerializer(PlainRepresentation, serializers.ModelSerializer):
    membership_level = serializers.SerializerMethodField()
    teams = TeamBasicSerializer(many=True, read_only=True)
    projects = ProjectBasicSerializer(many=True, read_only=True)
    metadata = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)
    default_role_id = serializers.UUIDField(allow_null=True, required=False)
    plain_representation = staticmethod(organization_detail)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "logo_media_id",
            "created_at",
            "updated_at",
            "membership_level",
            "plugins_access_level",
            "teams",
            "projects",
            "available_product_features",
            "is_member_join_email_enabled",
            "metadata",
            "customer_id",
            "enforce_2fa",
            "members_can_invite",
            "members_can_use_personal_api_keys",
            "allow_publicly_shared_resources",
            "member_count",
            "is_ai_data_processing_approved",
            "default_experiment_stats_method",
            "default_anonymize_ips",
            "default_role_id",
        ]
        read_only_fields = [
            "id",
            "slug",
            "created_at",
            "updated_at",
            "plugins_access_level",
            "available_product_features",
            "customer_id",
        ]

    def get_membership_level(self, organization: Organization) -> OrganizationMembership.Level | None:
        return caller_level(organization)

    def get_metadata(self, organization: Organization) -> dict:
        return {"instance_tag": settings.INSTANCE_TAG}

    def validate_default_role_id(self, value):
        """A role of this organization or null (a new organization has no roles yet)."""
        if value is None:
            return value
        # NOTE: through the app registry because the roles app depends on this one.
        roles = apps.get_model("roles", "Role").objects.filter(pk=value)
        if self.instance is None or not roles.filter(organization=self.instance).exists():
            raise serializers.ValidationError(f'Invalid pk "{value}" - object does not exist.', code="does_not_exist")
        return value


def organization_member(membership: OrganizationMembership) -> dict:
    """OrganizationMemberSerializer's output, built directly (the user comes joined)."""
    user = membership.user
    return {
        "id": str(membership.id),
        "user": user_basic(user),
        "level": membership.level,
        "joined_at": iso_datetime(membership.joined_at),
        "updated_at": iso_datetime(membership.updated_at),
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "last_login": iso_datetime(user.last_login),
    }


class OrganizationMemberSerializer(PlainRepresentation, serializers.ModelSerializer):
    user = UserBasicSerializer(read_only=True)
    is_2fa_enabled = serializers.SerializerMethodField()
    has_social_auth = serializers.SerializerMethodField()
    last_login = serializers.DateTimeField(source="user.last_login", read_only=True)
    plain_representation = staticmethod(organization_member)

    class Meta:
        model = OrganizationMembership
        fields = ["id", "user", "level", "joined_at", "updated_at", "is_2fa_enabled", "has_social_auth", "last_login"]
        read_only_fields = ["id", "joined_at", "updated_at"]

    def get_is_2fa_enabled(self, membership: OrganizationMembership) -> bool:
        return False

    def get_has_social_auth(self, membership: OrganizationMembership) -> bool:
        return False

    def validate(self, attrs: dict) -> dict:
        check_member_change(
            requester=self.context["requester_membership"], target=self.instance, new_level=attrs.get("level")
        )
        return attrs


def check_member_change(*, requester: OrganizationMembership | None, target, new_level: int | None) -> None:
    """PostHog's rules for changing or removing a member, in its order and with its messages (all 403)."""
    if requester is None:
        raise exceptions.PermissionDenied()
    is_self = requester.pk == target.pk
    if new_level is not None:
        if is_self:
            raise exceptions.PermissionDenied("You can't change your own access level.")
        if new_level == OWNER and requester.level != OWNER:
            raise exceptions.PermissionDenied(
                "You can only make another member owner if you're this organization's owner."
            )
        if new_level > requester.level:
            raise exceptions.PermissionDenied(
                "You can only change access level of others to lower or equal to your current one."
            )
    if target.organization_id != requester.organization_id:
        raise exceptions.PermissionDenied("You both need to belong to the same organization.")
    if not is_self and requester.level < ADMIN:
        raise exceptions.PermissionDenied("You can only edit others if you are an admin.")
    if not is_self and target.level > requester.level:
        raise exceptions.PermissionDenied("You can only edit others with level lower or equal to you.")
