"""Field sets, enums and fixed values of the project and environment APIs."""

# Settings a project member (below admin) may change; every other setting needs project admin.
MEMBER_SAFE_FIELDS = frozenset(
    {
        "completed_snippet_onboarding",
        "autocapture_exceptions_opt_in",
        "autocapture_web_vitals_opt_in",
        "autocapture_web_vitals_allowed_metrics",
        "session_recording_opt_in",
        "primary_dashboard",
        "has_completed_onboarding_for",
        "surveys_opt_in",
        "onboarding_tasks",
    }
)

# Every writable setting of the project and environment shapes (PostHog's TEAM_CONFIG_FIELDS plus the older
# fields of seed 003), in the order of the environment shape (seed 003).
TEAM_CONFIG_FIELDS = (
    "app_urls",
    "slack_incoming_webhook",
    "anonymize_ips",
    "completed_snippet_onboarding",
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
    "logs_settings",
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
    "cookieless_server_hash_mode",
    "human_friendly_comparison_periods",
    "inject_web_apps",
    "extra_settings",
    "modifiers",
    "has_completed_onboarding_for",
    "surveys_opt_in",
    "heatmaps_opt_in",
    "flags_persistence_default",
    "feature_flag_confirmation_enabled",
    "feature_flag_confirmation_message",
    "default_evaluation_contexts_enabled",
    "require_evaluation_contexts",
    "capture_dead_clicks",
    "default_data_theme",
    "revenue_analytics_config",
    "marketing_analytics_config",
    "customer_analytics_config",
    "workflows_config",
    "onboarding_tasks",
    "base_currency",
    "web_analytics_pre_aggregated_tables_enabled",
    "experiment_recalculation_time",
    "default_experiment_confidence_level",
    "receive_org_level_activity_logs",
    "business_model",
    "conversations_enabled",
    "conversations_settings",
    "proactive_tasks_enabled",
)
ADMIN_ONLY_TEAM_FIELDS = (frozenset(TEAM_CONFIG_FIELDS) - MEMBER_SAFE_FIELDS) | {"name"}
ADMIN_ONLY_PROJECT_FIELDS = ADMIN_ONLY_TEAM_FIELDS | {"product_description"}
# A member creating a (demo) project may still name it and mark it as demo.
CREATION_FIELDS_FOR_MEMBERS = MEMBER_SAFE_FIELDS | {"name", "is_demo"}

# Config objects kept as whole JSON values; a create ignores what is sent and stores the defaults.
ANALYTICS_CONFIG_FIELDS = (
    "revenue_analytics_config",
    "marketing_analytics_config",
    "customer_analytics_config",
    "workflows_config",
)

PRODUCT_KEYS = (
    "actions alerts annotations cohorts comments conversations customer_analytics data_warehouse "
    "data_warehouse_saved_queries early_access_features endpoints error_tracking experiments feature_flags "
    "group_analytics heatmaps history ingestion_warnings integrations links live_debugger llm_analytics llm_clusters "
    "llm_datasets llm_evaluations llm_prompts logs marketing_analytics max mobile_replay notebooks persons "
    "pipeline_batch_exports pipeline_destinations pipeline_transformations platform_and_support product_analytics "
    "product_tours revenue_analytics session_replay site_apps surveys tasks teams toolbar user_interviews "
    "visual_review web_analytics workflows"
).split()

# HogQL query modifiers a team may set in `modifiers`.
MODIFIER_KEYS = frozenset(
    {
        "bounceRateDurationSeconds",
        "bounceRatePageViewMode",
        "convertToProjectTimezone",
        "customChannelTypeRules",
        "dataWarehouseEventsModifiers",
        "debug",
        "formatCsvAllowDoubleQuotes",
        "inCohortVia",
        "materializationMode",
        "optimizeJoinedFilters",
        "optimizeProjections",
        "personsArgMaxVersion",
        "personsJoinMode",
        "personsOnEventsMode",
        "propertyGroupsMode",
        "s3TableUseInvalidColumns",
        "sessionTableVersion",
        "sessionsV2JoinMode",
        "useMaterializedViews",
        "usePresortedEventsTable",
        "useWebAnalyticsPreAggregatedTables",
    }
)
# What queries run with when a team sets nothing (PostHog fills these from flags; this server has one mode).
DEFAULT_MODIFIERS = {
    **dict.fromkeys(sorted(MODIFIER_KEYS)),
    "personsOnEventsMode": "person_id_override_properties_joined",
    "personsArgMaxVersion": "auto",
    "inCohortVia": "auto",
    "materializationMode": "legacy_null_as_null",
    "optimizeJoinedFilters": False,
    "bounceRatePageViewMode": "count_pageviews",
    "sessionTableVersion": "auto",
}

AVAILABLE_SETUP_TASK_IDS = (
    "ingest_first_event set_up_reverse_proxy create_first_insight create_first_dashboard track_custom_events "
    "define_actions set_up_cohorts explore_trends_insight create_funnel explore_retention_insight "
    "explore_paths_insight explore_stickiness_insight explore_lifecycle_insight add_authorized_domain "
    "set_up_web_vitals review_web_analytics_dashboard filter_web_analytics set_up_web_analytics_conversion_goals "
    "visit_web_vitals_dashboard setup_session_recordings watch_session_recording configure_recording_settings "
    "create_recording_playlist enable_console_logs create_feature_flag implement_flag_in_code "
    "update_feature_flag_release_conditions create_multivariate_flag set_up_flag_payloads "
    "set_up_flag_evaluation_runtimes create_experiment implement_experiment_variants launch_experiment "
    "review_experiment_results create_survey launch_survey collect_survey_responses connect_source run_first_query "
    "join_external_data create_saved_view enable_error_tracking upload_source_maps view_first_error "
    "resolve_first_error ingest_first_llm_event view_first_trace track_costs set_up_llm_evaluation "
    "run_ai_playground enable_revenue_analytics_viewset connect_revenue_source set_up_revenue_goal enable_log_capture "
    "view_first_logs create_first_workflow set_up_first_workflow_channel configure_workflow_trigger "
    "add_workflow_action launch_workflow create_first_endpoint configure_endpoint test_endpoint "
    "create_early_access_feature update_feature_stage"
).split()

RETENTION_PERIODS = ("30d", "90d", "1y", "5y")
LOGS_RETENTION_DAYS = (14, 30)
MAX_DEFAULT_EVALUATION_CONTEXTS = 10
# Keys of `conversations_settings` that integrations manage; a client never writes them.
CONVERSATIONS_MANAGED_KEYS = frozenset(
    {"widget_public_token", "slack_bot_token", "slack_team_id", "slack_enabled", "slack_scopes", "email_enabled"}
)
AI_RESOLUTION_CHANNELS = frozenset({"widget", "email", "slack", "teams", "github"})
GENERIC_EMAIL_DOMAINS = frozenset(
    "gmail.com googlemail.com yahoo.com hotmail.com outlook.com live.com msn.com icloud.com me.com mac.com aol.com "
    "protonmail.com proton.me gmx.com gmx.de mail.com yandex.com yandex.ru qq.com 163.com".split()
)
LOCALHOST_FILTER = {
    "key": "$host",
    "operator": "not_regex",
    "value": r"^(localhost|127\.0\.0\.1)($|:)",
    "type": "event",
}
