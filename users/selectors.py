from functools import cache
from typing import NamedTuple

from django.db import connection

from organizations.models import Organization, OrganizationMembership
from organizations.selectors import PROJECT_BASIC_COLUMNS
from posthog_api.rows import Columns, column, table
from posthog_api.serializers import TEAM_BASIC_COLUMNS
from posthog_api.tenancy import current_organization_id, current_team_id
from projects.models import Project, Team
from users.models import User


class UserTenancy(NamedTuple):
    organizations: list[Organization]  # each with `membership_level`
    organization: Organization | None  # the current one, also with `member_count`
    team: Team | None  # the current environment (TeamBasic columns)
    teams: list[Team]  # of the current organization, by id (TeamBasic columns)
    projects: list[Project]  # of the current organization, by id (ProjectBasic columns)


@cache
def _statement() -> tuple[str, Columns, Columns, Columns]:
    """The user's organizations with their level; for the current one only, its active member count and its teams
    and projects as JSON arrays of their basic columns (ordered as the ORM orders them)."""
    organizations = Columns(Organization)
    teams, projects = Columns(Team, TEAM_BASIC_COLUMNS), Columns(Project, PROJECT_BASIC_COLUMNS)
    membership, organization_id = table(OrganizationMembership), column(OrganizationMembership, "organization")
    org_pk, user_id = column(Organization, "id"), column(OrganizationMembership, "user")
    team_org, project_org = column(Team, "organization"), column(Project, "organization")
    sql = f"""
SELECT {organizations.select("o")}, m.{column(OrganizationMembership, "level")},
    CASE WHEN o.{org_pk} = %(current)s THEN (
        SELECT count(*) FROM {membership} cm JOIN {table(User)} cu ON cu.{column(User, "id")} = cm.{user_id}
        WHERE cm.{organization_id} = o.{org_pk} AND cu.{column(User, "is_active")}
    ) END,
    CASE WHEN o.{org_pk} = %(current)s THEN (
        SELECT json_agg(json_build_array({teams.select("t")}) ORDER BY t.{column(Team, "id")})
        FROM {table(Team)} t WHERE t.{team_org} = o.{org_pk}
    ) END,
    CASE WHEN o.{org_pk} = %(current)s THEN (
        SELECT json_agg(json_build_array({projects.select("p")}) ORDER BY p.{column(Project, "id")})
        FROM {table(Project)} p WHERE p.{project_org} = o.{org_pk}
    ) END
FROM {table(Organization)} o JOIN {membership} m ON m.{organization_id} = o.{org_pk}
WHERE m.{user_id} = %(user)s
ORDER BY o.{column(Organization, "name")}, o.{org_pk}
"""
    return sql, organizations, teams, projects


def user_tenancy(user) -> UserTenancy:
    """What `@me` shows of the user's organizations, in one query (two if the current environment lies outside the
    current organization). Hand-written (posthog_api/rows.py): the three ORM queries it replaces cost ~2 ms."""
    org_id = current_organization_id(user)
    team_id = current_team_id(user)
    sql, organization_columns, team_columns, project_columns = _statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"current": org_id, "user": user.pk})
        rows = cursor.fetchall()
    width = len(organization_columns)
    organizations, organization, teams, projects = [], None, [], []
    for row in rows:
        listed = organization_columns.load(row[:width])
        listed.membership_level = row[width]
        organizations.append(listed)
        if listed.pk == org_id:
            organization, listed.member_count = listed, row[width + 1]
            teams = [team_columns.load_json(values) for values in row[width + 2] or []]
            projects = [project_columns.load_json(values) for values in row[width + 3] or []]
    team = next((t for t in teams if t.pk == team_id), None)
    if team is None and team_id:
        team = Team.objects.only(*TEAM_BASIC_COLUMNS).filter(pk=team_id).first()
    return UserTenancy(organizations, organization, team, teams, projects)
