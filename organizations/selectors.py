from django.db.models import F, Func, OuterRef, Prefetch, QuerySet, Subquery

from organizations.models import Organization, OrganizationMembership
from posthog_api.serializers import TEAM_BASIC_COLUMNS
from projects.models import Project, Team

PROJECT_BASIC_COLUMNS = ("id", "organization_id", "name")


def active_member_count() -> Subquery:
    """Active members of the organization of the outer row: a correlated COUNT, no GROUP BY over the organization."""
    count = Func(F("id"), function="COUNT")
    members = OrganizationMembership.objects.filter(organization=OuterRef("pk"), user__is_active=True)
    return Subquery(members.order_by().annotate(count=count).values("count"))


def organizations_of(user) -> QuerySet[Organization]:
    """The user's organizations with the caller's `membership_level` (from the membership the filter joins; one per
    organization) and `member_count`."""
    return Organization.objects.filter(memberships__user=user).annotate(
        membership_level=F("memberships__level"), member_count=active_member_count()
    )


def detail_prefetches() -> tuple[Prefetch, Prefetch]:
    """The teams and projects the Organization shape lists (only the columns TeamBasic / ProjectBasic read)."""
    return (
        Prefetch("teams", queryset=Team.objects.only(*TEAM_BASIC_COLUMNS)),
        Prefetch("projects", queryset=Project.objects.only(*PROJECT_BASIC_COLUMNS)),
    )


def organizations_with_details(user) -> QuerySet[Organization]:
    return organizations_of(user).prefetch_related(*detail_prefetches())
