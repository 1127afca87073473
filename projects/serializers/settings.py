"""The settings shared by the project and environment detail shapes: fields, validation and computed values."""

from django.apps import apps
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from posthog_api.permissions import ADMIN
from posthog_api.serializers import Int64Field
from projects import selectors
from projects.choices import TIMEZONES
from projects.constants import AVAILABLE_SETUP_TASK_IDS, DEFAULT_MODIFIERS, RETENTION_PERIODS
from projects.models import Team
from projects.serializers import validation
from projects.serializers.configs import (
    TeamCustomerAnalyticsConfigSerializer,
    TeamMarketingAnalyticsConfigSerializer,
    TeamRevenueAnalyticsConfigSerializer,
)

ACCESS_CONTROL_DEPRECATED = (
    "The 'access_control' field has been deprecated and is no longer supported. Please use the new access control "
    "system instead. For more information, visit: https://posthog.com/docs/settings/access-control"
)
READ_ONLY_TEAM_FIELDS = [
    "id",
    "uuid",
    "organization",
    "project_id",
    "api_token",
    "secret_api_token",
    "secret_api_token_backup",
    "ingested_event",
    "created_at",
    "updated_at",
]
RETENTION_PERIOD_MESSAGE = f"Must provide a valid retention period. Options are: {list(RETENTION_PERIODS)}."
MEMBERSHIP_LEVELS = [(1, "member"), (8, "administrator"), (15, "owner")]


class TeamSettingsSerializer(serializers.ModelSerializer):
    """Base of `TeamSerializer` and `ProjectBackwardCompatSerializer`. The context carries `membership_level`
    (the caller's level in the team's organization) and `request`."""

    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = Int64Field(read_only=True)
    primary_dashboard = serializers.IntegerField(required=False, allow_null=True)
    timezone = serializers.ChoiceField(choices=TIMEZONES, required=False)
    week_start_day = serializers.ChoiceField(choices=Team.WeekStartDay.choices, required=False, allow_null=True)
    revenue_analytics_config = TeamRevenueAnalyticsConfigSerializer(required=False)
    marketing_analytics_config = TeamMarketingAnalyticsConfigSerializer(required=False)
    customer_analytics_config = TeamCustomerAnalyticsConfigSerializer(required=False)

    effective_membership_level = serializers.SerializerMethodField()
    has_group_types = serializers.SerializerMethodField()
    group_types = serializers.SerializerMethodField()
    live_events_token = serializers.SerializerMethodField()
    product_intents = serializers.SerializerMethodField()
    managed_viewsets = serializers.SerializerMethodField()
    default_modifiers = serializers.SerializerMethodField()
    person_on_events_querying_enabled = serializers.SerializerMethodField()
    user_access_level = serializers.SerializerMethodField()

    class Meta:
        model = Team
        read_only_fields = READ_ONLY_TEAM_FIELDS
        extra_kwargs = {
            "session_recording_sample_rate": {"min_value": 0, "max_value": 1},
            "session_recording_minimum_duration_milliseconds": {"min_value": 0, "max_value": 30000},
            "person_display_name_properties": {"child": serializers.CharField(max_length=400)},
            "session_recording_retention_period": {"error_messages": {"invalid_choice": RETENTION_PERIOD_MESSAGE}},
        }

    # --- Computed ---

    def _level(self) -> int | None:
        return self.context.get("membership_level")

    @extend_schema_field(serializers.ChoiceField(choices=MEMBERSHIP_LEVELS, allow_null=True))
    def get_effective_membership_level(self, team: Team) -> int | None:
        return self._level()

    def _group_types(self, team: Team) -> list[dict]:
        cache = self.context.setdefault("group_types", {})
        if team.project_id not in cache:
            cache[team.project_id] = selectors.group_types_of(team.project_id)
        return cache[team.project_id]

    def get_has_group_types(self, team: Team) -> bool:
        return bool(self._group_types(team))

    def get_group_types(self, team: Team) -> list[dict]:
        return self._group_types(team)

    def get_live_events_token(self, team: Team) -> str | None:
        request = self.context.get("request")
        return selectors.live_events_token(team, getattr(request, "user", None))

    @extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
    def get_product_intents(self, team: Team) -> list[dict]:
        return [
            {
                "product_type": intent.product_type,
                "created_at": intent.created_at,
                "onboarding_completed_at": intent.onboarding_completed_at,
                "updated_at": intent.updated_at,
            }
            for intent in team.product_intents.all()
        ]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "boolean"}})
    def get_managed_viewsets(self, team: Team) -> dict:
        return {"revenue_analytics": bool((team.revenue_analytics_config or {}).get("events"))}

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_default_modifiers(self, team: Team) -> dict:
        return dict(DEFAULT_MODIFIERS)

    def get_person_on_events_querying_enabled(self, team: Team) -> bool:
        return False

    def get_user_access_level(self, team: Team) -> str | None:
        """`admin` for organization admins and owners, `member` for members (this server has no per-project RBAC)."""
        level = self._level()
        if level is None:
            return "none" if self.context.get("request") is not None else None
        return "admin" if level >= ADMIN else "member"

    def get_available_setup_task_ids(self, team: Team) -> list[str]:
        return list(AVAILABLE_SETUP_TASK_IDS)

    # --- Validation ---

    def validate_access_control(self, value):
        if value is not None:
            raise serializers.ValidationError(ACCESS_CONTROL_DEPRECATED)
        return value

    def validate_primary_dashboard(self, value):
        if value is None:
            return None
        if self.instance is None:
            raise serializers.ValidationError("Primary dashboard cannot be set on project creation.")
        if value == self.instance.primary_dashboard or _dashboard_of_team(value, self.instance):
            return value
        raise serializers.ValidationError("Dashboard does not belong to this team.")

    def validate_app_urls(self, value):
        return validation.urls_without_nulls(value, check_wildcards=True)

    def validate_recording_domains(self, value):
        return validation.urls_without_nulls(value, check_wildcards=False)

    def validate_test_account_filters(self, value):
        return validation.property_filters(value)

    def validate_path_cleaning_filters(self, value):
        return validation.path_cleaning_filters(value)

    def validate_session_recording_linked_flag(self, value):
        return validation.linked_flag(value)

    def validate_session_recording_network_payload_capture_config(self, value):
        return validation.network_payload_capture_config(value)

    def validate_session_recording_masking_config(self, value):
        return validation.masking_config(value)

    def validate_session_recording_trigger_groups(self, value):
        return validation.trigger_groups(value)

    def validate_session_replay_config(self, value):
        return validation.session_replay_config(value)

    def validate_autocapture_exceptions_errors_to_ignore(self, value):
        return validation.errors_to_ignore(value)

    def validate_modifiers(self, value):
        return validation.modifiers(value)

    def validate_conversations_settings(self, value):
        return validation.conversations_settings(value)

    def validate_logs_settings(self, value):
        return validation.logs_settings(value)

    def validate_survey_config(self, value):
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must provide a dictionary or None.")
        return value

    def validate_correlation_config(self, value):
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must provide a dictionary or None.")
        return value


def _dashboard_of_team(dashboard_id: int, team: Team) -> bool:
    """Dashboards belong to a future app; until it exists no dashboard id can be valid."""
    try:
        model = apps.get_model("dashboards", "Dashboard")
    except LookupError:
        return False
    return model.objects.filter(pk=dashboard_id, team_id=team.pk).exists()
