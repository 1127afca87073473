import re

import pytest

from organizations import services
from organizations.models import Organization, OrganizationMembership
from organizations.services import organization_create, organization_member_remove
from posthog_api.testing import add_member, make_organization, make_user
from projects.models import Project, Team
from roles.models import Role, RoleMembership


def test_organization_create_makes_the_creator_owner_of_a_first_project(user):
    organization = organization_create(name="Acme Corp", created_by=user, enforce_2fa=True)

    assert (organization.name, organization.slug, organization.enforce_2fa) == ("Acme Corp", "acme-corp", True)
    assert list(organization.memberships.values_list("user_id", "level")) == [
        (user.id, OrganizationMembership.Level.OWNER)
    ]
    project = Project.objects.get(organization=organization)
    team = Team.objects.get(organization=organization)
    assert (project.id, project.name) == (team.id, "Default project")
    assert team.project_id == project.id
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (organization.id, team.id)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ünïcode Org!!", "unicode-org"),
        ("UPPER lower", "upper-lower"),
        ("x" * 64, "x" * 48),
        ("!!!", "organization"),
    ],
)
def test_organization_create_slugifies_the_name(user, name, slug):
    assert organization_create(name=name, created_by=user).slug == slug


def test_organization_create_suffixes_a_clashing_slug_after_43_characters(user):
    name = "A" * 60
    first = organization_create(name=name, created_by=user)
    second = organization_create(name=name, created_by=user)

    assert first.slug == "a" * 48
    assert re.fullmatch(r"a{43}-[a-z]{4}", second.slug)


def test_organization_create_gives_up_after_ten_clashes(user, monkeypatch):
    monkeypatch.setattr(services.random, "choices", lambda letters, k: list("Abcd"))
    organization_create(name="Acme", created_by=user)
    assert organization_create(name="Acme", created_by=user).slug == "acme-abcd"

    with pytest.raises(RuntimeError):
        organization_create(name="Acme", created_by=user)
    assert Organization.objects.filter(name="Acme").count() == 2


def test_organization_create_writes_nothing_when_a_step_fails(user, organization, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("projects.services.project_create", fail)
    counts = (Organization.objects.count(), OrganizationMembership.objects.count(), Team.objects.count())

    with pytest.raises(RuntimeError):
        organization_create(name="Broken", created_by=user)

    assert (Organization.objects.count(), OrganizationMembership.objects.count(), Team.objects.count()) == counts
    user.refresh_from_db()
    assert user.current_organization_id == organization.id


def test_member_remove_deletes_the_membership_and_keeps_another_current_organization(user, organization):
    member = make_user()
    elsewhere = make_organization(member, name="Elsewhere")
    membership = add_member(organization, member)

    organization_member_remove(membership=membership)

    assert not OrganizationMembership.objects.filter(pk=membership.pk).exists()
    member.refresh_from_db()
    assert (member.current_organization_id, member.current_team_id) == (elsewhere.id, elsewhere.teams.get().id)


def test_member_remove_moves_the_current_organization_to_the_earliest_joined_other_one(user, organization, other_user):
    member = make_user()
    first = make_organization(other_user, name="First")
    second = make_organization(other_user, name="Second")
    add_member(second, member)
    add_member(first, member)
    membership = add_member(organization, member)
    member.current_organization = organization
    member.current_team = organization.teams.get()
    member.save()

    organization_member_remove(membership=membership)

    member.refresh_from_db()
    assert (member.current_organization_id, member.current_team_id) == (second.id, second.teams.get().id)


def test_member_remove_of_the_last_organization_leaves_none_current(user, organization):
    member = make_user()
    membership = add_member(organization, member)
    member.current_organization = organization
    member.current_team = organization.teams.get()
    member.save()

    organization_member_remove(membership=membership)

    member.refresh_from_db()
    assert (member.current_organization_id, member.current_team_id) == (None, None)


def test_member_remove_drops_the_members_roles_in_that_organization_only(user, organization, other_user):
    member = make_user()
    membership = add_member(organization, member)
    other = make_organization(other_user, name="Other")
    other_membership = add_member(other, member)
    role = Role.objects.create(organization=organization, name="Engineers")
    legacy_role = Role.objects.create(organization=organization, name="Legacy")
    other_role = Role.objects.create(organization=other, name="Theirs")
    RoleMembership.objects.create(role=role, user=member, organization_member=membership)
    RoleMembership.objects.create(role=legacy_role, user=member, organization_member=None)
    kept = RoleMembership.objects.create(role=other_role, user=member, organization_member=other_membership)

    organization_member_remove(membership=membership)

    assert list(RoleMembership.objects.filter(user=member)) == [kept]
