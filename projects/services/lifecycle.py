"""Deleting projects and environments, and moving a project to another organization."""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from rest_framework.exceptions import ValidationError

from activity.services import change
from projects.models import Project, Team
from projects.services.activity_log import log_project_activity, log_team_activity

PRIMARY_ENVIRONMENT_DELETE_MESSAGE = (
    "The project's primary environment cannot be deleted on its own. Delete the project instead."
)


@transaction.atomic
def project_delete(*, project: Project, user) -> None:
    """Delete the project, its environments and all their data in one transaction.

    PostHog marks the project `is_pending_deletion` and deletes in a background workflow because its data lives in
    ClickHouse. Here everything is in PostgreSQL and foreign keys cascade, so one transaction removes it all at once
    and atomically: a GET afterwards answers 404. The project row is locked first, so a concurrent second delete
    waits and then finds nothing. A project already flagged as pending is refused, as PostHog does.
    Activity entries are kept (they hold tenants by id only).
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_pending_deletion:
        raise ValidationError("This project is already being deleted.")
    teams = list(Team.objects.filter(project=project).order_by("id"))
    for team in teams:
        log_team_activity(team=team, activity="deleted", user=user)
    log_project_activity(project=project, activity="deleted", user=user)
    delete_unlinked_team_rows([team.id for team in teams])
    Team.objects.filter(project=project).delete()
    project.delete()


@transaction.atomic
def environment_delete(*, team: Team, user) -> None:
    if team.is_passthrough:
        raise ValidationError(PRIMARY_ENVIRONMENT_DELETE_MESSAGE)
    log_team_activity(team=team, activity="deleted", user=user)
    delete_unlinked_team_rows([team.id])
    team.delete()


def delete_unlinked_team_rows(team_ids: list[int]) -> None:
    """Rows that point at a team without a cascading constraint (e.g. the partitioned events table)."""
    for relation in Team._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.auto_created and relation.on_delete is models.DO_NOTHING:
            relation.related_model._base_manager.filter(**{f"{relation.field.name}_id__in": team_ids}).delete()


@transaction.atomic
def project_change_organization(*, project: Project, organization, user) -> Project:
    """Move the project and all its environments; users whose current environment moved follow it if they can."""
    old_organization_id = project.organization_id
    project.organization = organization
    project.save(update_fields=["organization", "updated_at"])
    team_ids = list(Team.objects.filter(project=project).values_list("id", flat=True))
    Team.objects.filter(id__in=team_ids).update(organization=organization)
    affected = get_user_model().objects.filter(current_team_id__in=team_ids)
    affected.filter(organization_memberships__organization=organization).update(current_organization=organization)
    affected.exclude(organization_memberships__organization=organization).update(
        current_team=None, current_organization=None
    )
    log_project_activity(
        project=project,
        activity="updated",
        user=user,
        name="moved to another organization",
        changes=[change("Project", "organization_id", str(old_organization_id), str(organization.id))],
    )
    return project
