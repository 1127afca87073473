"""Creating projects and environments with PostHog's defaults, the same way for bootstrap and for the API."""

from django.db import transaction
from django.db.models.functions import Lower, Trim

from projects.constants import GENERIC_EMAIL_DOMAINS, LOCALHOST_FILTER
from projects.models import DEFAULT_PROJECT_NAME, Project, Team, next_team_id
from projects.services.activity_log import log_project_activity, log_team_activity

# This server is self-hosted: recordings are kept as long as PostHog's longest plan allows.
SELF_HOSTED_RETENTION_PERIOD = Team.RetentionPeriod.YEARS_5


def default_test_account_filters(organization, created_by=None) -> list[dict]:
    """Exclude the team's own email domain (unless it is a webmail provider) and localhost traffic."""
    emails = [created_by.email] if created_by is not None else []
    emails += list(organization.memberships.order_by("joined_at").values_list("user__email", flat=True))
    domain = next((e.rsplit("@", 1)[-1].lower() for e in emails if "@" in e and not _is_generic(e)), None)
    filters = [{"key": "email", "operator": "not_icontains", "value": f"@{domain}", "type": "person"}] if domain else []
    return [*filters, dict(LOCALHOST_FILTER)]


def _is_generic(email: str) -> bool:
    return email.rsplit("@", 1)[-1].lower() in GENERIC_EMAIL_DOMAINS


def default_project_name(organization) -> str:
    """ "Default project", or the first free "Default project N" in the organization (trimmed, case-insensitive)."""
    taken = set(
        Project.objects.filter(organization=organization)
        .annotate(normalized=Lower(Trim("name")))
        .values_list("normalized", flat=True)
    )
    name, number = DEFAULT_PROJECT_NAME, 1
    while name.lower() in taken:
        number += 1
        name = f"{DEFAULT_PROJECT_NAME} {number}"
    return name


def team_defaults(*, organization, created_by=None) -> dict:
    return {
        "anonymize_ips": organization.default_anonymize_ips,
        "test_account_filters": default_test_account_filters(organization, created_by),
        "session_recording_retention_period": SELF_HOSTED_RETENTION_PERIOD,
    }


@transaction.atomic
def project_create(
    *, organization, created_by=None, name: str | None = None, product_description: str | None = None, **team_fields
) -> tuple[Project, Team]:
    """A project and its first (passthrough) environment, sharing one id from the team sequence."""
    name = name or default_project_name(organization)
    shared_id = next_team_id()
    project = Project.objects.create(
        id=shared_id, organization=organization, name=name, product_description=product_description
    )
    fields = {**team_defaults(organization=organization, created_by=created_by), **team_fields}
    team = Team.objects.create(id=shared_id, organization=organization, project=project, name=name, **fields)
    return project, team


@transaction.atomic
def project_create_by_user(*, organization, user, **fields) -> tuple[Project, Team]:
    """The API's create: the project, the caller switched to it, and a "created" entry for each of the two rows."""
    project, team = project_create(organization=organization, created_by=user, **fields)
    user_switch_team(user=user, team=team)
    log_project_activity(project=project, activity="created", user=user)
    log_team_activity(team=team, activity="created", user=user)
    return project, team


@transaction.atomic
def environment_create(*, project: Project, user, name: str | None = None, **fields) -> Team:
    """Another environment of `project`; the caller is switched to it."""
    organization = project.organization
    team = Team.objects.create(
        organization=organization,
        project=project,
        name=name or DEFAULT_PROJECT_NAME,
        **{**team_defaults(organization=organization, created_by=user), **fields},
    )
    user_switch_team(user=user, team=team)
    log_team_activity(team=team, activity="created", user=user)
    return team


def user_switch_team(*, user, team: Team) -> None:
    user.current_team = team
    user.current_organization_id = team.organization_id
    user.save(update_fields=["current_team", "current_organization"])
