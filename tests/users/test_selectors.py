from posthog_api.testing import add_member, make_organization
from users.selectors import user_tenancy


def test_tenancy_takes_the_current_team_from_the_prefetched_organization(
    user, organization, team, django_assert_num_queries
):
    user.refresh_from_db()
    with django_assert_num_queries(3):  # organizations with level and member count, then its teams and projects
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
    with django_assert_num_queries(4):  # and the current environment outside the current organization
        tenancy = user_tenancy(user)
    assert tenancy.organization == organization
    assert tenancy.team == other_team
