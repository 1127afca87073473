from typing import NamedTuple

from organizations.models import Organization
from organizations.selectors import organizations_of, prefetch_details
from posthog_api.serializers import TEAM_BASIC_COLUMNS
from posthog_api.tenancy import current_organization_id, current_team_id
from projects.models import Team


class UserTenancy(NamedTuple):
    organizations: list[Organization]
    organization: Organization | None
    team: Team | None


def user_tenancy(user) -> UserTenancy:
    """The user's organizations (with their level and member count), the current one with its teams and projects, and
    the current environment: three queries, whatever the number of organizations."""
    organizations = list(organizations_of(user).order_by("name", "id"))
    org_id = current_organization_id(user)
    team_id = current_team_id(user)
    organization = next((o for o in organizations if o.pk == org_id), None)
    if organization is not None:
        prefetch_details([organization])  # only the current organization is shown in full
    # The current environment is almost always among the current organization's teams.
    team = next((t for t in organization.teams.all() if t.pk == team_id), None) if organization and team_id else None
    if team is None and team_id:
        team = Team.objects.only(*TEAM_BASIC_COLUMNS).filter(pk=team_id).first()
    return UserTenancy(organizations=organizations, organization=organization, team=team)
