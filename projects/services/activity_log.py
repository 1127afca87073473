"""Activity entries about a project or an environment itself, logged in its own activity log."""

from activity.services import activity_log_record
from projects.models import Project, Team


def log_team_activity(*, team: Team, activity: str, user, **details) -> None:
    activity_log_record(
        scope="Team",
        activity=activity,
        item_id=team.id,
        user=user,
        team_id=team.id,
        organization_id=team.organization_id,
        name=team.name,
        **details,
    )


def log_project_activity(*, project: Project, activity: str, user, name: str | None = None, **details) -> None:
    """`name` defaults to the project's."""
    activity_log_record(
        scope="Project",
        activity=activity,
        item_id=project.id,
        user=user,
        team_id=project.id,
        organization_id=project.organization_id,
        name=project.name if name is None else name,
        **details,
    )
