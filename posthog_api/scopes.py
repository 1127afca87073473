"""API scope objects and how an action maps to a required scope (PostHog's newest `posthog/scopes.py`)."""

from collections.abc import Iterable

API_SCOPE_ACTIONS = ("read", "write")

API_SCOPE_OBJECTS = (
    "action access_control account activity_log alert annotation approvals batch_export batch_import "
    "batch_import_support billing business_knowledge canvas clickhouse_test_cluster_perf cohort comment conversation "
    "customer_analytics customer_task customer_journey customer_profile_config data_catalog data_catalog_approval "
    "dashboard event_filter dashboard_template dataset early_access_feature endpoint engineering_analytics "
    "error_tracking evaluation element event_definition experiment experiment_holdout experiment_saved_metric export "
    "external_data_schema external_data_source feature_flag file_system file_system_shortcut group health_issue "
    "heatmap hog_flow hog_function ingestion_warning insight insight_variable integration interactive_run "
    "internal_run legal_document link live_debugger llm_analytics ai_observability_clusters llm_gateway "
    "llm_playground llm_prompt llm_provider_key llm_skill logs loop loop_context_internal marketing_analytics "
    "mcp_builtin_agent mcp_analytics metrics notebook organization organization_integration organization_member "
    "person plugin product_enablement product_tour project property_definition query query_performance "
    "replay_scanner review_hog revenue_analytics session_recording session_recording_playlist sharing_configuration "
    "signal_scout signal_scout_internal signal_scout_report signal_scratchpad_internal stamphog streamlit_app "
    "subscription survey tagger ticket task toolbar tracing field_note uploaded_media usage_metric user "
    "user_interview vision_action vision_alert visual_review warehouse_objects warehouse_table warehouse_view "
    "web_analytics webhook wizard_session"
).split()

# Minted by the server only; refused by every user-facing validator.
INTERNAL_API_SCOPE_OBJECTS = frozenset(
    {
        "clickhouse_test_cluster_perf",
        "interactive_run",
        "internal_run",
        "loop_context_internal",
        "mcp_builtin_agent",
        "signal_scout_internal",
        "signal_scout_report",
        "signal_scratchpad_internal",
    }
)

INTERNAL = "INTERNAL"
WILDCARD = "*"
DEFAULT_READ_ACTIONS = frozenset({"list", "retrieve"})
DEFAULT_WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "patch", "destroy"})

VALID_USER_SCOPES = frozenset(
    f"{obj}:{action}"
    for obj in API_SCOPE_OBJECTS
    if obj not in INTERNAL_API_SCOPE_OBJECTS
    for action in API_SCOPE_ACTIONS
)


def is_valid_user_scope(scope: str) -> bool:
    return scope == WILDCARD or scope in VALID_USER_SCOPES


def required_scopes_for(
    *,
    scope_object: str,
    action: str | None,
    method: str,
    read_actions: Iterable[str] | None = None,
    write_actions: Iterable[str] | None = None,
) -> list[str]:
    """The scope an action needs; empty means the action cannot be reached with an API key."""
    if scope_object == INTERNAL:
        return []
    if action in (write_actions if write_actions is not None else DEFAULT_WRITE_ACTIONS):
        return [f"{scope_object}:write"]
    if action in (read_actions if read_actions is not None else DEFAULT_READ_ACTIONS) or method == "OPTIONS":
        return [f"{scope_object}:read"]
    return []


def scopes_satisfy(held: Iterable[str], required: Iterable[str]) -> str | None:
    """The first required scope that `held` does not grant, or None. `:write` also grants `:read`."""
    held = set(held)
    for scope in required:
        obj, _, action = scope.partition(":")
        if scope in held or (action == "read" and f"{obj}:write" in held):
            continue
        return scope
    return None
