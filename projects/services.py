from django.db import transaction

from projects.models import DEFAULT_PROJECT_NAME, Project, Team, next_team_id


@transaction.atomic
def project_create(*, organization, name: str | None = None, **team_fields) -> tuple[Project, Team]:
    """A project and its first environment, sharing one id from the team sequence."""
    name = name or DEFAULT_PROJECT_NAME
    shared_id = next_team_id()
    project = Project.objects.create(id=shared_id, organization=organization, name=name)
    team = Team.objects.create(id=shared_id, organization=organization, project=project, name=name, **team_fields)
    return project, team
