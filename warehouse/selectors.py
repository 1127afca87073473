from django.db.models import Q, QuerySet

from warehouse.models import DataWarehouseTable

# Tables every team's HogQL database already has; a warehouse table may not shadow them.
BUILT_IN_TABLES = frozenset(
    {
        "events",
        "groups",
        "persons",
        "person_distinct_ids",
        "person_distinct_id_overrides",
        "person_overrides",
        "sessions",
        "session_replay_events",
        "cohort_people",
        "static_cohort_people",
        "log_entries",
        "heatmaps",
        "exchange_rate",
        "error_tracking_issue_fingerprint_overrides",
        "query_log",
        "logs",
        "numbers",
        "raw_persons",
        "raw_groups",
        "raw_person_distinct_ids",
        "raw_person_distinct_id_overrides",
        "raw_person_overrides",
        "raw_sessions",
        "raw_session_replay_events",
        "raw_cohort_people",
        "raw_error_tracking_issue_fingerprint_overrides",
    }
)


def live_tables() -> QuerySet:
    """Tables not deleted; `deleted` null counts as not deleted."""
    return DataWarehouseTable.objects.filter(Q(deleted=False) | Q(deleted__isnull=True))


def name_is_taken(*, team_id: int, name: str, exclude_id=None) -> bool:
    if name in BUILT_IN_TABLES:
        return True
    return live_tables().filter(team_id=team_id, name=name).exclude(pk=exclude_id).exists()
