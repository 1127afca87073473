from organizations.models import OrganizationMembership
from organizations.selectors import PROJECT_BASIC_COLUMNS, organizations_with_details
from posthog_api.serializers import TEAM_BASIC_COLUMNS
from posthog_api.testing import add_member, make_organization, make_user
from projects.models import Project, Team
from projects.services import project_create
from users.selectors import user_tenancy


def test_tenancy_takes_the_current_team_from_the_current_organization(
    user, organization, team, django_assert_num_queries
):
    user.refresh_from_db()
    with django_assert_num_queries(1):  # organizations with level; the current one's member count, teams, projects
        tenancy = user_tenancy(user)
    assert tenancy.organization == organization
    assert tenancy.team == team
    assert tenancy.organizations == [organization]


def test_tenancy_loads_a_current_team_outside_the_current_organization(
    user, organization, other_user, django_assert_num_queries
):
    elsewhere = make_organization(other_user, name="Zeta")
    add_member(elsewhere, user)
    other_team = elsewhere.teams.get()
    user.current_organization = organization
    user.current_team = other_team
    user.save()
    with django_assert_num_queries(2):  # and the current environment outside the current organization
        tenancy = user_tenancy(user)
    assert tenancy.organization == organization
    assert tenancy.team == other_team


def basic_fields(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def test_tenancy_loads_what_the_orm_loads_for_the_current_organization_only(user, organization, other_user):
    organization.available_product_features = [{"key": "x", "name": "X"}]
    organization.save()
    project_create(organization=organization, name="Second")
    Team.objects.filter(organization=organization).update(has_completed_onboarding_for={"b": 1, "a": [True, None]})
    add_member(organization, make_user())
    add_member(organization, make_user(is_active=False))
    beta = make_organization(other_user, name="Beta")
    add_member(beta, user, level=OrganizationMembership.Level.ADMIN)
    user.refresh_from_db()

    tenancy = user_tenancy(user)

    expected = list(organizations_with_details(user).order_by("name", "id"))
    assert [o.name for o in tenancy.organizations] == ["Acme", "Beta"]
    assert [o.membership_level for o in tenancy.organizations] == [15, 8]
    for loaded, stored in zip(tenancy.organizations, expected, strict=True):
        names = [field.attname for field in type(stored)._meta.concrete_fields]
        assert basic_fields(loaded, names) == basic_fields(stored, names)
    assert tenancy.organization.member_count == 2 == expected[0].member_count
    assert not hasattr(tenancy.organizations[1], "member_count")
    stored_teams = Team.objects.filter(organization=organization).order_by("id")
    assert [basic_fields(t, TEAM_BASIC_COLUMNS) for t in tenancy.teams] == [
        basic_fields(t, TEAM_BASIC_COLUMNS) for t in stored_teams
    ]
    stored_projects = Project.objects.filter(organization=organization).order_by("id")
    assert [basic_fields(p, PROJECT_BASIC_COLUMNS) for p in tenancy.projects] == [
        basic_fields(p, PROJECT_BASIC_COLUMNS) for p in stored_projects
    ]
    assert len(tenancy.teams) == len(tenancy.projects) == 2


def test_tenancy_of_a_user_without_organizations_is_empty(db):
    assert tuple(user_tenancy(make_user())) == ([], None, None, [], [])
