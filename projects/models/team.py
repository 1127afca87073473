import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models

from projects.models.project import DEFAULT_PROJECT_NAME, Project, generate_project_token


def default_data_attributes() -> list:
    return ["data-attr"]


def default_extra_settings() -> dict:
    return {"recorder_script": "posthog-recorder"}


def default_revenue_analytics_config() -> dict:
    return {"base_currency": "USD", "events": [], "goals": [], "filter_test_accounts": False}


def default_marketing_analytics_config() -> dict:
    return {
        "sources_map": {},
        "conversion_goals": [],
        "attribution_window_days": 90,
        "attribution_mode": "last_touch",
        "campaign_name_mappings": {},
        "custom_source_mappings": {},
        "campaign_field_preferences": {},
    }


def default_customer_analytics_config() -> dict:
    return {
        "activity_event": {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"},
        "signup_pageview_event": None,
        "signup_event": None,
        "subscription_event": None,
        "payment_event": None,
        "account_group_type_index": None,
    }


def default_workflows_config() -> dict:
    return {"capture_workflows_engagement_events": False}


class Team(models.Model):
    """An environment of a project (PostHog's Team): its tokens and every setting the API exposes.

    The four analytics configs, which PostHog keeps in one-to-one rows, are JSON columns here: the API shape is the
    same and a detail response needs no joins.
    """

    class RetentionPeriod(models.TextChoices):
        DAYS_30 = "30d", "30 Days"
        DAYS_90 = "90d", "90 Days"
        YEAR_1 = "1y", "1 Year"
        YEARS_5 = "5y", "5 Years"

    class WeekStartDay(models.IntegerChoices):
        SUNDAY = 0, "Sunday"
        MONDAY = 1, "Monday"

    class CookielessServerHashMode(models.IntegerChoices):
        DISABLED = 0, "Disabled"
        STATELESS = 1, "Stateless"
        STATEFUL = 2, "Stateful"

    class BusinessModel(models.TextChoices):
        B2B = "b2b", "B2B"
        B2C = "b2c", "B2C"
        OTHER = "other", "Other"

    class StatsMethod(models.TextChoices):
        BAYESIAN = "bayesian", "Bayesian"
        FREQUENTIST = "frequentist", "Frequentist"

    organization = models.ForeignKey("organizations.Organization", models.CASCADE, related_name="teams")
    project = models.ForeignKey(Project, models.CASCADE, related_name="teams")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, default=DEFAULT_PROJECT_NAME)
    api_token = models.CharField(max_length=200, unique=True, default=generate_project_token)
    secret_api_token = models.CharField(max_length=200, unique=True, null=True, blank=True)
    secret_api_token_backup = models.CharField(max_length=200, unique=True, null=True, blank=True)
    timezone = models.CharField(max_length=240, default="UTC")
    is_demo = models.BooleanField(default=False)
    ingested_event = models.BooleanField(default=False)
    completed_snippet_onboarding = models.BooleanField(default=False)
    has_completed_onboarding_for = models.JSONField(null=True, blank=True)
    access_control = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    app_urls = ArrayField(models.CharField(max_length=200, null=True), default=list, blank=True)
    slack_incoming_webhook = models.CharField(max_length=500, null=True, blank=True)
    anonymize_ips = models.BooleanField(default=False)
    test_account_filters = models.JSONField(default=list)
    test_account_filters_default_checked = models.BooleanField(null=True, blank=True)
    path_cleaning_filters = models.JSONField(default=list, null=True, blank=True)
    data_attributes = models.JSONField(default=default_data_attributes)
    person_display_name_properties = ArrayField(models.CharField(max_length=400), null=True, blank=True)
    correlation_config = models.JSONField(default=dict, null=True, blank=True)
    autocapture_opt_out = models.BooleanField(null=True, blank=True)
    autocapture_exceptions_opt_in = models.BooleanField(null=True, blank=True)
    autocapture_web_vitals_opt_in = models.BooleanField(null=True, blank=True)
    autocapture_web_vitals_allowed_metrics = models.JSONField(null=True, blank=True)
    autocapture_exceptions_errors_to_ignore = models.JSONField(null=True, blank=True)
    capture_console_log_opt_in = models.BooleanField(null=True, blank=True, default=True)
    capture_performance_opt_in = models.BooleanField(null=True, blank=True, default=True)
    capture_dead_clicks = models.BooleanField(null=True, blank=True, default=False)

    session_recording_opt_in = models.BooleanField(default=False)
    session_recording_sample_rate = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    session_recording_minimum_duration_milliseconds = models.IntegerField(null=True, blank=True)
    session_recording_linked_flag = models.JSONField(null=True, blank=True)
    session_recording_network_payload_capture_config = models.JSONField(null=True, blank=True)
    session_recording_masking_config = models.JSONField(null=True, blank=True)
    session_recording_url_trigger_config = ArrayField(models.JSONField(), default=list, null=True, blank=True)
    session_recording_url_blocklist_config = ArrayField(models.JSONField(), default=list, null=True, blank=True)
    session_recording_event_trigger_config = ArrayField(models.TextField(), default=list, null=True, blank=True)
    session_recording_trigger_match_type_config = models.CharField(max_length=24, null=True, blank=True)
    session_recording_trigger_groups = models.JSONField(null=True, blank=True)
    session_recording_retention_period = models.CharField(
        max_length=3, choices=RetentionPeriod.choices, default=RetentionPeriod.DAYS_30
    )
    session_replay_config = models.JSONField(null=True, blank=True)
    survey_config = models.JSONField(null=True, blank=True)
    surveys_opt_in = models.BooleanField(null=True, blank=True)
    heatmaps_opt_in = models.BooleanField(null=True, blank=True)

    week_start_day = models.SmallIntegerField(null=True, blank=True, choices=WeekStartDay.choices)
    # NOTE: a dashboard id; a plain column until a dashboards app exists.
    primary_dashboard = models.BigIntegerField(null=True, blank=True)
    live_events_columns = ArrayField(models.TextField(), null=True, blank=True)
    recording_domains = ArrayField(models.CharField(max_length=200, null=True), null=True, blank=True)
    cookieless_server_hash_mode = models.SmallIntegerField(
        default=CookielessServerHashMode.DISABLED, choices=CookielessServerHashMode.choices, null=True
    )
    human_friendly_comparison_periods = models.BooleanField(null=True, blank=True, default=False)
    inject_web_apps = models.BooleanField(null=True, blank=True)
    extra_settings = models.JSONField(null=True, blank=True, default=default_extra_settings)
    modifiers = models.JSONField(null=True, blank=True)
    flags_persistence_default = models.BooleanField(null=True, blank=True, default=False)
    feature_flag_confirmation_enabled = models.BooleanField(null=True, blank=True, default=False)
    feature_flag_confirmation_message = models.TextField(null=True, blank=True)
    default_evaluation_contexts_enabled = models.BooleanField(null=True, blank=True, default=False)
    require_evaluation_contexts = models.BooleanField(null=True, blank=True, default=False)
    default_data_theme = models.IntegerField(null=True, blank=True)
    onboarding_tasks = models.JSONField(null=True, blank=True)
    base_currency = models.CharField(max_length=3, null=True, blank=True, default="USD")
    web_analytics_pre_aggregated_tables_enabled = models.BooleanField(null=True, blank=True, default=False)
    receive_org_level_activity_logs = models.BooleanField(null=True, blank=True, default=False)
    business_model = models.CharField(max_length=10, choices=BusinessModel.choices, null=True, blank=True)
    conversations_enabled = models.BooleanField(null=True, blank=True)
    conversations_settings = models.JSONField(null=True, blank=True)
    logs_settings = models.JSONField(null=True, blank=True)
    proactive_tasks_enabled = models.BooleanField(null=True, blank=True, default=False)

    revenue_analytics_config = models.JSONField(default=default_revenue_analytics_config)
    marketing_analytics_config = models.JSONField(default=default_marketing_analytics_config)
    customer_analytics_config = models.JSONField(default=default_customer_analytics_config)
    workflows_config = models.JSONField(default=default_workflows_config)

    # Experiments configuration (PostHog's TeamExperimentsConfig row; the first two also sit on seed 003's shape).
    experiment_recalculation_time = models.TimeField(null=True, blank=True)
    default_experiment_confidence_level = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    default_experiment_stats_method = models.CharField(
        max_length=20, choices=StatsMethod.choices, default=StatsMethod.BAYESIAN
    )
    experiment_precomputation_enabled = models.BooleanField(default=False)
    default_only_count_matured_users = models.BooleanField(default=False)
    default_cuped_enabled = models.BooleanField(default=False)
    default_cuped_lookback_days = models.PositiveSmallIntegerField(null=True, blank=True)
    default_minimum_detectable_effect = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_passthrough(self) -> bool:
        """The project's own environment, which carries the project's settings."""
        return self.pk == self.project_id
