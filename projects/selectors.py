"""Reads for the project and environment APIs."""

import base64
import hashlib
import hmac
import json
import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet

from projects.models import Team

LIVE_EVENTS_AUDIENCE = "posthog:livestream"
DAY_SECONDS = 24 * 60 * 60


def passthrough_teams() -> QuerySet[Team]:
    """The environments that carry their project's settings: one per project, with the project's id."""
    return Team.objects.filter(pk=F("project_id")).select_related("project")


def teams_of_user(user) -> QuerySet[Team]:
    return Team.objects.filter(organization__memberships__user=user)


def group_types_of(project_id: int) -> list[dict]:
    """The project's group types by index (the `groups` app owns them; none when it is not installed)."""
    try:
        model = apps.get_model("groups", "GroupTypeMapping")
    except LookupError:
        return []
    return list(
        model.objects.filter(project_id=project_id)
        .order_by("group_type_index")
        .values(
            "group_type",
            "group_type_index",
            "name_singular",
            "name_plural",
            "default_columns",
            "detail_dashboard",
            "created_at",
        )
    )


def live_events_token(team: Team, user) -> str:
    """An HS256 JWT for PostHog's livestream service; issued per day, so it is stable within a day."""
    issued = int(time.time()) // DAY_SECONDS * DAY_SECONDS
    claims = {
        "team_id": team.id,
        "api_token": team.api_token,
        "user_id": getattr(user, "id", None),
        "organization_id": str(team.organization_id),
        "aud": LIVE_EVENTS_AUDIENCE,
        "exp": issued + 8 * DAY_SECONDS,
    }
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(claims)
    signature = hmac.new(settings.SECRET_KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def is_generating_demo_data(team: Team) -> bool:
    """Set while demo data is generated for the team (this server creates demo projects empty, so never)."""
    return bool(cache.get(f"is_generating_demo_data_{team.pk}"))


def event_ingestion_restrictions_of(team: Team) -> list[dict]:
    model = apps.get_model("projects", "EventIngestionRestriction")
    return list(model.objects.filter(token=team.api_token).values("restriction_type", "distinct_ids"))
