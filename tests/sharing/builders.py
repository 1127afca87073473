"""Rows and expected bodies for the sharing tests."""

from activity.models import ActivityLog
from sharing.models import Insight, SharePassword, SharingConfiguration
from sharing.services import insight_create
from tests.organizations.bodies import iso, user_basic_body

TRENDS = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode"}]}}
ADVANCED_PERMISSIONS = [{"key": "advanced_permissions", "name": "Advanced permissions"}]
SECURITY_SETTINGS = [{"key": "organization_security_settings", "name": "Organization security settings"}]
WHITE_LABELLING = [{"key": "white_labelling", "name": "White labelling"}]


def make_insight(team, user, **fields) -> Insight:
    return insight_create(team=team, created_by=user, **{"name": "Weekly users", "query": TRENDS, **fields})


def give_features(organization, features: list[dict]) -> None:
    organization.available_product_features = features
    organization.save(update_fields=["available_product_features"])


def insight_body(insight: Insight, *, access: str | None = "manager", timezone: str = "UTC") -> dict:
    insight.refresh_from_db()
    nothing = dict.fromkeys(
        [
            "last_refresh",
            "cache_target_age",
            "next_allowed_client_refresh",
            "result",
            "hasMore",
            "columns",
            "is_cached",
            "query_status",
            "hogql",
            "types",
            "alerts",
            "last_viewed_at",
        ]
    )
    return {
        "id": insight.id,
        "short_id": insight.short_id,
        "name": insight.name,
        "derived_name": insight.derived_name,
        "query": insight.query,
        "order": insight.order,
        "deleted": insight.deleted,
        "dashboards": [],
        "dashboard_tiles": [],
        **nothing,
        "created_at": iso(insight.created_at),
        "created_by": user_basic_body(insight.created_by) if insight.created_by else None,
        "description": insight.description,
        "updated_at": iso(insight.updated_at),
        "tags": insight.tags,
        "favorited": insight.favorited,
        "last_modified_at": iso(insight.last_modified_at),
        "last_modified_by": user_basic_body(insight.last_modified_by) if insight.last_modified_by else None,
        "is_sample": False,
        # An anonymous viewer of a share sees an insight only collaborators could edit, as PostHog says.
        "effective_restriction_level": 21 if access else 37,
        "effective_privilege_level": 37 if access else 21,
        "user_access_level": access,
        "timezone": timezone,
    }


def password_body(password: SharePassword) -> dict:
    return {
        "id": password.id,
        "created_at": iso(password.created_at),
        "note": password.note,
        "created_by_email": password.created_by.email if password.created_by else "deleted user",
        "is_active": password.is_active,
    }


def configuration_body(configuration: SharingConfiguration) -> dict:
    configuration.refresh_from_db()
    return {
        "created_at": iso(configuration.created_at),
        "enabled": configuration.enabled,
        "access_token": configuration.access_token,
        "settings": configuration.settings,
        "password_required": configuration.password_required,
        "share_passwords": [password_body(p) for p in configuration.share_passwords.filter(is_active=True)],
    }


def activity_entries(scope: str = "Insight") -> list[dict]:
    return [
        {
            "activity": entry.activity,
            "item_id": entry.item_id,
            "user_id": entry.user_id,
            "is_system": entry.is_system,
            "team_id": entry.team_id,
            "organization_id": entry.organization_id,
            "detail": entry.detail,
        }
        for entry in ActivityLog.objects.filter(scope=scope).order_by("created_at", "id")
    ]


def detail(insight: Insight, changes=None) -> dict:
    return {
        "name": insight.name or insight.derived_name,
        "short_id": insight.short_id,
        "type": None,
        "changes": changes,
        "trigger": None,
        "context": None,
    }
