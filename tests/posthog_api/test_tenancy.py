import uuid

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.test import APIRequestFactory

from api_keys.authentication import ProjectUser
from organizations.models import OrganizationMembership
from posthog_api import tenancy
from posthog_api.testing import add_member, make_user
from projects.models import Team


def request_of(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return request


def test_the_organization_comes_with_the_callers_membership_in_one_query(user, organization, django_assert_num_queries):
    request = request_of(user)

    with django_assert_num_queries(1):
        resolved = tenancy.resolve_organization(request, str(organization.pk))
        membership = tenancy.membership_of(request, resolved.pk)

    stored = OrganizationMembership.objects.get(organization=organization, user=user)
    assert resolved == organization and resolved.name == "Acme"
    assert (membership.pk, membership.level, membership.user_id) == (stored.pk, 15, user.pk)
    assert membership.organization is resolved


def test_another_members_row_is_not_the_callers_membership(user, organization, other_user):
    add_member(organization, make_user(), level=OrganizationMembership.Level.ADMIN)
    request = request_of(other_user)

    resolved = tenancy.resolve_organization(request, str(organization.pk))

    assert resolved == organization
    assert tenancy.membership_of(request, organization.pk) is None


def test_a_project_key_user_gets_the_organization_without_a_membership(organization, django_assert_num_queries):
    request = request_of(ProjectUser(organization.teams.get().pk, organization.pk))

    with django_assert_num_queries(1):
        assert tenancy.resolve_organization(request, str(organization.pk)) == organization
        assert tenancy.membership_of(request, organization.pk) is None


@pytest.mark.parametrize("value", ["not-a-uuid", str(uuid.uuid4())])
def test_unknown_organizations_are_not_found(user, value):
    with pytest.raises(NotFound):
        tenancy.resolve_organization(request_of(user), value)


def test_current_names_the_users_current_organization(user, organization):
    user.refresh_from_db()

    assert tenancy.resolve_organization(request_of(user), tenancy.CURRENT) == organization


def test_the_environment_comes_with_its_organization_project_and_the_callers_membership_in_one_query(
    user, organization, team, django_assert_num_queries
):
    request = request_of(user)

    with django_assert_num_queries(1):
        resolved = tenancy.get_team(team.pk, request)
        membership = tenancy.membership_of(request, resolved.organization.pk)
        names = (resolved.organization.name, resolved.project.name, resolved.name)

    stored = Team.objects.select_related("organization", "project").get(pk=team.pk)
    for field in Team._meta.concrete_fields:
        assert getattr(resolved, field.attname) == getattr(stored, field.attname), field.name
    assert names == (stored.organization.name, stored.project.name, stored.name)
    assert (membership.user_id, membership.level, membership.organization) == (user.pk, 15, resolved.organization)


def test_the_environment_of_another_organization_comes_without_a_membership(other_user, team):
    request = request_of(other_user)

    assert tenancy.get_team(team.pk, request) == team
    assert tenancy.membership_of(request, team.organization_id) is None


def test_the_environment_without_a_request_caches_no_membership(team, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert tenancy.get_team(team.pk).project_id == team.project_id


@pytest.mark.parametrize("team_id", [0, -1, 10**20])
def test_unknown_environments_are_not_found(user, team_id):
    with pytest.raises(NotFound):
        tenancy.get_team(team_id, request_of(user))
