from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers

from organizations.models import Organization
from organizations.serializers import organization_basic, organization_detail
from posthog_api.parsing import int_or_none, uuid_or_none
from posthog_api.serializers import iso_datetime, team_basic
from projects.models import Team
from users.models import User
from users.selectors import UserTenancy, user_tenancy

NOTIFICATION_SETTINGS_DEFAULTS = {
    "plugin_disabled": True,
    "error_tracking_issue_assigned": True,
    "discussions_mentioned": True,
    "project_weekly_digest_disabled": {},
    "all_weekly_digest_disabled": False,
}
DICT_NOTIFICATION_SETTINGS = frozenset({"project_weekly_digest_disabled"})


class ScenePersonalisationSerializer(serializers.Serializer):
    scene = serializers.CharField()
    dashboard = serializers.IntegerField(allow_null=True)


class UserSerializer(serializers.ModelSerializer):
    """The `/api/users/@me/` shape: the user with their current organization and environment."""

    has_password = serializers.SerializerMethodField()
    is_impersonated = serializers.SerializerMethodField()
    is_impersonated_until = serializers.SerializerMethodField()
    sensitive_session_expires_at = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    organizations = serializers.SerializerMethodField()
    is_2fa_enabled = serializers.SerializerMethodField()
    has_social_auth = serializers.SerializerMethodField()
    has_sso_enforcement = serializers.SerializerMethodField()
    scene_personalisation = serializers.SerializerMethodField()
    notification_settings = serializers.DictField(required=False)
    email = serializers.EmailField(max_length=254, required=False)
    role_at_organization = serializers.ChoiceField(choices=User.RoleAtOrganization.choices, required=False)
    set_current_organization = serializers.CharField(write_only=True, required=False)
    set_current_team = serializers.CharField(write_only=True, required=False)
    password = serializers.CharField(write_only=True, required=False, max_length=128)
    current_password = serializers.CharField(write_only=True, required=False)

    class Meta:
        model = User
        fields = [
            "date_joined",
            "uuid",
            "distinct_id",
            "first_name",
            "last_name",
            "email",
            "pending_email",
            "is_email_verified",
            "notification_settings",
            "anonymize_data",
            "toolbar_mode",
            "has_password",
            "id",
            "is_staff",
            "is_impersonated",
            "is_impersonated_until",
            "sensitive_session_expires_at",
            "team",
            "organization",
            "organizations",
            "set_current_organization",
            "set_current_team",
            "password",
            "current_password",
            "events_column_config",
            "is_2fa_enabled",
            "has_social_auth",
            "has_sso_enforcement",
            "has_seen_product_intro_for",
            "scene_personalisation",
            "theme_mode",
            "hedgehog_config",
            "role_at_organization",
        ]
        read_only_fields = ["date_joined", "uuid", "distinct_id", "pending_email", "is_email_verified", "id"]

    # --- Output ---

    def get_has_password(self, user: User) -> bool:
        return user.has_usable_password()

    def get_is_impersonated(self, user: User) -> bool | None:
        return False

    def get_is_impersonated_until(self, user: User) -> str | None:
        return None

    def get_sensitive_session_expires_at(self, user: User) -> str | None:
        return None

    def get_is_2fa_enabled(self, user: User) -> bool:
        return False

    def get_has_social_auth(self, user: User) -> bool:
        return False

    def get_has_sso_enforcement(self, user: User) -> bool:
        return False

    def get_scene_personalisation(self, user: User) -> list[dict]:
        return []

    def _tenancy(self, user: User) -> UserTenancy:
        cache = self.context.setdefault("user_tenancy", {})
        if user.pk not in cache:
            cache[user.pk] = user_tenancy(user)
        return cache[user.pk]

    def get_team(self, user: User) -> dict | None:
        team = self._tenancy(user).team
        return team_basic(team) if team else None

    def get_organization(self, user: User) -> dict | None:
        tenancy = self._tenancy(user)
        if tenancy.organization is None:
            return None
        return organization_detail(tenancy.organization, teams=tenancy.teams, projects=tenancy.projects)

    def get_organizations(self, user: User) -> list[dict]:
        return [organization_basic(organization) for organization in self._tenancy(user).organizations]

    def to_representation(self, user: User) -> dict:
        """The readable fields above, in their order, built directly: DRF would construct ~30 field objects per
        response (tests/users/test_serializers.py holds this to DRF's own output)."""
        return {
            "date_joined": iso_datetime(user.date_joined),
            "uuid": str(user.uuid),
            "distinct_id": user.distinct_id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "pending_email": user.pending_email,
            "is_email_verified": user.is_email_verified,
            "notification_settings": {**NOTIFICATION_SETTINGS_DEFAULTS, **(user.notification_settings or {})},
            "anonymize_data": user.anonymize_data,
            "toolbar_mode": user.toolbar_mode,
            "has_password": self.get_has_password(user),
            "id": user.id,
            "is_staff": user.is_staff,
            "is_impersonated": self.get_is_impersonated(user),
            "is_impersonated_until": self.get_is_impersonated_until(user),
            "sensitive_session_expires_at": self.get_sensitive_session_expires_at(user),
            "team": self.get_team(user),
            "organization": self.get_organization(user),
            "organizations": self.get_organizations(user),
            "events_column_config": user.events_column_config,
            "is_2fa_enabled": self.get_is_2fa_enabled(user),
            "has_social_auth": self.get_has_social_auth(user),
            "has_sso_enforcement": self.get_has_sso_enforcement(user),
            "has_seen_product_intro_for": user.has_seen_product_intro_for,
            "scene_personalisation": self.get_scene_personalisation(user),
            "theme_mode": user.theme_mode,
            "hedgehog_config": user.hedgehog_config,
            "role_at_organization": user.role_at_organization,
        }

    # --- Input ---

    def validate_is_staff(self, value: bool) -> bool:
        if not self.context["request"].user.is_staff:
            raise exceptions.PermissionDenied("You are not a staff user, contact your instance admin.")
        return value

    def validate_email(self, value: str) -> str:
        value = User.objects.normalize_email(value)
        if User.objects.filter(email__iexact=value).exclude(pk=self.instance.pk).exists():
            raise serializers.ValidationError("There is already an account with this email address.", code="unique")
        return value

    def validate_notification_settings(self, value: dict) -> dict:
        merged = {**(self.instance.notification_settings or {})}
        for key, setting in value.items():
            if key not in NOTIFICATION_SETTINGS_DEFAULTS:
                raise serializers.ValidationError(f"Key {key} is not valid as a key for notification settings")
            if key in DICT_NOTIFICATION_SETTINGS:
                merged[key] = {**merged.get(key, {}), **_per_id_settings(key, setting)}
            elif not isinstance(setting, bool):
                raise serializers.ValidationError(
                    f"{setting} is not a valid type for notification settings, should be {bool}"
                )
            else:
                merged[key] = setting
        return merged

    def validate_set_current_organization(self, value: str) -> Organization:
        organization = Organization.objects.filter(memberships__user=self.instance, pk=uuid_or_none(value)).first()
        if organization is None:
            raise serializers.ValidationError(f"Object with id={value} does not exist.", code="does_not_exist")
        return organization

    def validate_set_current_team(self, value: str) -> Team:
        team = Team.objects.filter(organization__memberships__user=self.instance, pk=int_or_none(value)).first()
        if team is None:
            raise serializers.ValidationError(f"Object with id={value} does not exist.", code="does_not_exist")
        return team

    def validate(self, attrs: dict) -> dict:
        organization, team = attrs.get("set_current_organization"), attrs.get("set_current_team")
        if organization and team and team.organization_id != organization.pk:
            raise serializers.ValidationError(
                {"set_current_team": "Team must belong to the same organization in set_current_organization."}
            )
        if attrs.get("password"):
            self._validate_password_change(attrs)
        return attrs

    def _validate_password_change(self, attrs: dict) -> None:
        user = self.instance
        if user.has_usable_password():
            current = attrs.get("current_password")
            if not current:
                raise serializers.ValidationError(
                    {"current_password": "This field is required when updating your password."}, code="required"
                )
            if not user.check_password(current):
                raise serializers.ValidationError(
                    {"current_password": "Your current password is incorrect."}, code="incorrect_password"
                )
        try:
            password_validation.validate_password(attrs["password"], user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from None

    def update(self, user: User, validated_data: dict) -> User:
        organization = validated_data.pop("set_current_organization", None)
        team = validated_data.pop("set_current_team", None)
        password = validated_data.pop("password", None)
        validated_data.pop("current_password", None)
        if team is not None:
            user.current_team, user.current_organization = team, team.organization
        elif organization is not None:
            user.current_organization = organization
            user.current_team = organization.teams.order_by("id").first()
        if password:
            user.set_password(password)
        self.context.pop("user_tenancy", None)
        return super().update(user, validated_data)


def _per_id_settings(key: str, value) -> dict:
    if not isinstance(value, dict):
        raise serializers.ValidationError(f"{key} must be a dictionary mapping IDs to boolean values")
    for setting in value.values():
        if not isinstance(setting, bool):
            raise serializers.ValidationError(
                f"Notification setting values must be boolean, got {type(setting)} instead"
            )
    return value
