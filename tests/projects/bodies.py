"""Expected project and environment bodies: a new team's documented defaults, written out, plus what a test changed.

Only values that cannot be known in advance (ids, tokens, timestamps) are read from the rows.
"""

import base64
import json

from projects.models import Team
from tests.organizations.bodies import iso

SETUP_TASK_IDS_HEAD = ["ingest_first_event", "set_up_reverse_proxy", "create_first_insight"]
DEFAULT_MODIFIERS = {
    "bounceRateDurationSeconds": None,
    "bounceRatePageViewMode": "count_pageviews",
    "convertToProjectTimezone": None,
    "customChannelTypeRules": None,
    "dataWarehouseEventsModifiers": None,
    "debug": None,
    "formatCsvAllowDoubleQuotes": None,
    "inCohortVia": "auto",
    "materializationMode": "legacy_null_as_null",
    "optimizeJoinedFilters": False,
    "optimizeProjections": None,
    "personsArgMaxVersion": "auto",
    "personsJoinMode": None,
    "personsOnEventsMode": "person_id_override_properties_joined",
    "propertyGroupsMode": None,
    "s3TableUseInvalidColumns": None,
    "sessionTableVersion": "auto",
    "sessionsV2JoinMode": None,
    "useMaterializedViews": None,
    "usePresortedEventsTable": None,
    "useWebAnalyticsPreAggregatedTables": None,
}
LOCALHOST_FILTER = {
    "key": "$host",
    "operator": "not_regex",
    "value": r"^(localhost|127\.0\.0\.1)($|:)",
    "type": "event",
}


def default_filters(domain: str = "example.com") -> list[dict]:
    return [{"key": "email", "operator": "not_icontains", "value": f"@{domain}", "type": "person"}, LOCALHOST_FILTER]


class LiveEventsToken:
    """Equal to a JWT whose claims name `team` (and `user_id`)."""

    def __init__(self, team: Team, user_id: int | None):
        self.team, self.user_id = team, user_id

    def __eq__(self, other) -> bool:
        if not isinstance(other, str) or other.count(".") != 2:
            return False
        payload = other.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return {k: claims.get(k) for k in ("team_id", "api_token", "user_id", "organization_id", "aud")} == {
            "team_id": self.team.id,
            "api_token": self.team.api_token,
            "user_id": self.user_id,
            "organization_id": str(self.team.organization_id),
            "aud": "posthog:livestream",
        }

    def __repr__(self) -> str:
        return f"<live events token of team {self.team.id}>"


class SetupTaskIds:
    def __eq__(self, other) -> bool:
        return isinstance(other, list) and other[:3] == SETUP_TASK_IDS_HEAD and len(other) == 65

    def __repr__(self) -> str:
        return "<setup task ids>"


def _team_defaults(team: Team) -> dict:
    return {
        "app_urls": [],
        "anonymize_ips": False,
        "completed_snippet_onboarding": False,
        "test_account_filters": default_filters(),
        "test_account_filters_default_checked": None,
        "path_cleaning_filters": [],
        "is_demo": False,
        "timezone": "UTC",
        "data_attributes": ["data-attr"],
        "person_display_name_properties": None,
        "correlation_config": {},
        "autocapture_opt_out": None,
        "autocapture_exceptions_opt_in": None,
        "autocapture_web_vitals_opt_in": None,
        "autocapture_web_vitals_allowed_metrics": None,
        "autocapture_exceptions_errors_to_ignore": None,
        "capture_console_log_opt_in": True,
        "capture_performance_opt_in": True,
        "session_recording_opt_in": False,
        "session_recording_sample_rate": None,
        "session_recording_minimum_duration_milliseconds": None,
        "session_recording_linked_flag": None,
        "session_recording_network_payload_capture_config": None,
        "session_recording_masking_config": None,
        "session_recording_url_trigger_config": [],
        "session_recording_url_blocklist_config": [],
        "session_recording_event_trigger_config": [],
        "session_recording_trigger_match_type_config": None,
        "session_recording_retention_period": "5y",
        "session_replay_config": None,
        "survey_config": None,
        "access_control": False,
        "week_start_day": None,
        "primary_dashboard": None,
        "live_events_columns": None,
        "recording_domains": None,
        "inject_web_apps": None,
        "extra_settings": {"recorder_script": "posthog-recorder"},
        "modifiers": None,
        "has_completed_onboarding_for": None,
        "surveys_opt_in": None,
        "heatmaps_opt_in": None,
        "flags_persistence_default": False,
        "receive_org_level_activity_logs": False,
        "business_model": None,
        "conversations_enabled": None,
        "conversations_settings": None,
        "logs_settings": None,
        "revenue_analytics_config": {"base_currency": "USD", "events": [], "goals": [], "filter_test_accounts": False},
        "marketing_analytics_config": {
            "sources_map": {},
            "conversion_goals": [],
            "attribution_window_days": 90,
            "attribution_mode": "last_touch",
            "campaign_name_mappings": {},
            "custom_source_mappings": {},
            "campaign_field_preferences": {},
        },
        "customer_analytics_config": {
            "activity_event": {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"},
            "signup_pageview_event": None,
            "signup_event": None,
            "subscription_event": None,
            "payment_event": None,
            "account_group_type_index": None,
        },
        "base_currency": "USD",
        "capture_dead_clicks": False,
        "cookieless_server_hash_mode": 0,
        "human_friendly_comparison_periods": False,
        "feature_flag_confirmation_enabled": False,
        "feature_flag_confirmation_message": None,
        "default_evaluation_contexts_enabled": False,
        "require_evaluation_contexts": False,
        "default_data_theme": None,
        "onboarding_tasks": None,
        "web_analytics_pre_aggregated_tables_enabled": False,
        "effective_membership_level": 15,
        "has_group_types": False,
        "group_types": [],
        "default_modifiers": DEFAULT_MODIFIERS,
        "person_on_events_querying_enabled": False,
        "product_intents": [],
        "managed_viewsets": {"revenue_analytics": False},
        "user_access_level": "admin",
    }


def _identity(team: Team, user_id: int | None) -> dict:
    team.refresh_from_db()
    return {
        "id": team.id,
        "uuid": str(team.uuid),
        "organization": str(team.organization_id),
        "project_id": team.project_id,
        "api_token": team.api_token,
        "secret_api_token": team.secret_api_token,
        "secret_api_token_backup": team.secret_api_token_backup,
        "ingested_event": False,
        "updated_at": iso(team.updated_at),
        "live_events_token": LiveEventsToken(team, user_id),
    }


def project_body(team: Team, *, user_id: int | None, **changes) -> dict:
    """The project (seed 000) shape of `team`'s project, with `changes` over the defaults."""
    body = {**_team_defaults(team), **_identity(team, user_id)}
    project = team.project
    project.refresh_from_db()
    body.update(
        {
            "name": project.name,
            "product_description": project.product_description,
            "created_at": iso(project.created_at),
            "session_recording_trigger_groups": None,
            "proactive_tasks_enabled": False,
            "available_setup_task_ids": SetupTaskIds(),
            "is_pending_deletion": False,
            "workflows_config": {"capture_workflows_engagement_events": False},
        }
    )
    body.update(changes)
    return body


def environment_body(team: Team, *, user_id: int | None, **changes) -> dict:
    """The environment (seed 003) shape of `team`, with `changes` over the defaults."""
    body = {**_team_defaults(team), **_identity(team, user_id)}
    body.update(
        {
            "name": team.name,
            "created_at": iso(team.created_at),
            "slack_incoming_webhook": None,
            "experiment_recalculation_time": None,
            "default_experiment_confidence_level": None,
        }
    )
    body.update(changes)
    return body


def compact_body(team: Team, **changes) -> dict:
    team.refresh_from_db()
    return {
        "id": team.id,
        "uuid": str(team.uuid),
        "organization": str(team.organization_id),
        "project_id": team.project_id,
        "api_token": team.api_token,
        "name": team.project.name if team.pk == team.project_id else team.name,
        "completed_snippet_onboarding": False,
        "has_completed_onboarding_for": None,
        "ingested_event": False,
        "is_demo": False,
        "timezone": "UTC",
        "access_control": False,
        **changes,
    }
