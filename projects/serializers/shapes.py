"""The response shapes: environment (`Team`), project (`ProjectBackwardCompat`) and the project list's compact one."""

from rest_framework import serializers

from posthog_api.serializers import TeamBasicSerializer
from projects.choices import CURRENCY_CODES
from projects.constants import TEAM_CONFIG_FIELDS
from projects.serializers.configs import TeamWorkflowsConfigSerializer
from projects.serializers.settings import READ_ONLY_TEAM_FIELDS, TeamSettingsSerializer

COMPUTED_FIELDS = [
    "effective_membership_level",
    "has_group_types",
    "group_types",
    "live_events_token",
    "product_intents",
    "managed_viewsets",
    "default_modifiers",
    "person_on_events_querying_enabled",
    "user_access_level",
]
TRIGGER_MATCH_TYPES = ("all", "any")

# Settings the environment shape leaves out of its run of settings: `access_control` stands among the identity
# fields (as in seed 003) and the other three are project-only.
SETTINGS_NOT_IN_TEAM_RUN = {
    "access_control",
    "session_recording_trigger_groups",
    "workflows_config",
    "proactive_tasks_enabled",
}

# Seed 003's field order.
TEAM_FIELDS = [
    "id",
    "uuid",
    "name",
    "access_control",
    "organization",
    "project_id",
    "api_token",
    "secret_api_token",
    "secret_api_token_backup",
    "created_at",
    "updated_at",
    "ingested_event",
    "default_modifiers",
    "person_on_events_querying_enabled",
    "user_access_level",
    *(field for field in TEAM_CONFIG_FIELDS if field not in SETTINGS_NOT_IN_TEAM_RUN),
    "effective_membership_level",
    "has_group_types",
    "group_types",
    "live_events_token",
    "product_intents",
    "managed_viewsets",
]

# Seed 000's field order: the settings are interleaved with the project's own fields and ordered differently from
# seed 003, so they are spelled out.
PROJECT_FIELDS = [
    "id",
    "organization",
    "name",
    "product_description",
    "created_at",
    "effective_membership_level",
    "has_group_types",
    "group_types",
    "live_events_token",
    "updated_at",
    "uuid",
    "api_token",
    "app_urls",
    "anonymize_ips",
    "completed_snippet_onboarding",
    "ingested_event",
    "test_account_filters",
    "test_account_filters_default_checked",
    "path_cleaning_filters",
    "is_demo",
    "timezone",
    "data_attributes",
    "person_display_name_properties",
    "correlation_config",
    "autocapture_opt_out",
    "autocapture_exceptions_opt_in",
    "autocapture_web_vitals_opt_in",
    "autocapture_web_vitals_allowed_metrics",
    "autocapture_exceptions_errors_to_ignore",
    "capture_console_log_opt_in",
    "capture_performance_opt_in",
    "session_recording_opt_in",
    "session_recording_sample_rate",
    "session_recording_minimum_duration_milliseconds",
    "session_recording_linked_flag",
    "session_recording_network_payload_capture_config",
    "session_recording_masking_config",
    "session_recording_url_trigger_config",
    "session_recording_url_blocklist_config",
    "session_recording_event_trigger_config",
    "session_recording_trigger_match_type_config",
    "session_recording_trigger_groups",
    "session_recording_retention_period",
    "session_replay_config",
    "survey_config",
    "access_control",
    "week_start_day",
    "primary_dashboard",
    "live_events_columns",
    "recording_domains",
    "person_on_events_querying_enabled",
    "inject_web_apps",
    "extra_settings",
    "modifiers",
    "default_modifiers",
    "has_completed_onboarding_for",
    "surveys_opt_in",
    "heatmaps_opt_in",
    "product_intents",
    "flags_persistence_default",
    "secret_api_token",
    "secret_api_token_backup",
    "receive_org_level_activity_logs",
    "business_model",
    "conversations_enabled",
    "conversations_settings",
    "logs_settings",
    "proactive_tasks_enabled",
    "available_setup_task_ids",
    "is_pending_deletion",
    "project_id",
    "user_access_level",
    "managed_viewsets",
    "revenue_analytics_config",
    "marketing_analytics_config",
    "customer_analytics_config",
    "workflows_config",
    "base_currency",
    "capture_dead_clicks",
    "cookieless_server_hash_mode",
    "human_friendly_comparison_periods",
    "feature_flag_confirmation_enabled",
    "feature_flag_confirmation_message",
    "default_evaluation_contexts_enabled",
    "require_evaluation_contexts",
    "default_data_theme",
    "onboarding_tasks",
    "web_analytics_pre_aggregated_tables_enabled",
]


class TeamSerializer(TeamSettingsSerializer):
    """An environment (seed 003's shape)."""

    base_currency = serializers.ChoiceField(choices=CURRENCY_CODES, default="USD")

    class Meta(TeamSettingsSerializer.Meta):
        fields = TEAM_FIELDS
        read_only_fields = [*READ_ONLY_TEAM_FIELDS, *COMPUTED_FIELDS]

    def validate_session_recording_trigger_match_type_config(self, value):
        if value is not None and value not in TRIGGER_MATCH_TYPES:
            raise serializers.ValidationError(f'"{value}" is not a valid choice.', code="invalid_choice")
        return value


class ProjectBackwardCompatSerializer(TeamSettingsSerializer):
    """A project (seed 000's shape), read from and written to its passthrough environment.

    `name`, `product_description`, `created_at` and `is_pending_deletion` are the project's own; a write of them
    arrives in `validated_data["project"]`.
    """

    name = serializers.CharField(source="project.name", max_length=200, required=False)
    product_description = serializers.CharField(
        source="project.product_description", max_length=1000, required=False, allow_null=True, allow_blank=True
    )
    created_at = serializers.DateTimeField(source="project.created_at", read_only=True)
    is_pending_deletion = serializers.BooleanField(
        source="project.is_pending_deletion", read_only=True, allow_null=True
    )
    base_currency = serializers.ChoiceField(choices=CURRENCY_CODES, required=False)
    workflows_config = TeamWorkflowsConfigSerializer(required=False)
    available_setup_task_ids = serializers.SerializerMethodField()

    class Meta(TeamSettingsSerializer.Meta):
        fields = PROJECT_FIELDS
        read_only_fields = [*READ_ONLY_TEAM_FIELDS, *COMPUTED_FIELDS, "available_setup_task_ids"]


class ProjectBackwardCompatBasicSerializer(TeamBasicSerializer):
    """A project in a list: everything but `id`, `organization` and `name` comes from its passthrough environment."""

    project_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="project.name", read_only=True)
