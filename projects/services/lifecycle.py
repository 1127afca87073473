"""Deleting projects and environments, and moving a project to another organization."""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from rest_framework.exceptions import ValidationError

from activity.services import activity_log_record, change
from projects.models import Project, Team

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
        _log_deleted(scope="Team", item_id=team.id, name=team.name, team_id=team.id, project=project, user=user)
    _log_deleted(scope="Project", item_id=project.id, name=project.name, team_id=project.id, project=project, user=user)
    delete_unlinked_team_rows([team.id for team in teams])
    Team.objects.filter(project=project).delete()
    project.delete()


@transaction.atomic
def environment_delete(*, team: Team, user) -> None:
    if team.is_passthrough:
        raise ValidationError(PRIMARY_ENVIRONMENT_DELETE_MESSAGE)
    _log_deleted(scope="Team", item_id=team.id, name=team.name, team_id=team.id, project=team.project, user=user)
    delete_unlinked_team_rows([team.id])
    team.delete()


def delete_unlinked_team_rows(team_ids: list[int]) -> None:
    """Rows that point at a team without a cascading constraint (e.g. the partitioned events table)."""
    for relation in Team._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.auto_created and relation.on_delete is models.DO_NOTHING:
            relation.related_model._base_manager.filter(**{f"{relation.field.name}_id__in": team_ids}).delete()


def _log_deleted(*, scope: str, item_id, name: str, team_id: int, project: Project, user) -> None:
    activity_log_record(
        scope=scope,
        activity="deleted",
        item_id=item_id,
        name=name,
        user=user,
        team_id=team_id,
        organization_id=project.organization_id,
    )


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
    activity_log_record(
        scope="Project",
        activity="updated",
        item_id=project.id,
        name="moved to another organization",
        user=user,
        team_id=project.id,
        organization_id=organization.id,
        changes=[change("Project", "organization_id", str(old_organization_id), str(organization.id))],
    )
    return project
