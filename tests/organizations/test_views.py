import re
import uuid

import pytest

from organizations.models import Organization, OrganizationMembership
from posthog_api.testing import (
    add_member,
    error,
    key_client,
    make_key,
    make_organization,
    make_user,
    not_found,
    permission_denied,
)
from projects.models import Project, Team
from roles.models import Role
from tests.organizations.bodies import organization_body

INSUFFICIENT = "Your organization access level is insufficient."


def url(organization) -> str:
    return f"/api/organizations/{organization.id}/"


@pytest.fixture
def admin(organization):
    admin = make_user(first_name="Admin")
    add_member(organization, admin, level=OrganizationMembership.Level.ADMIN)
    return admin


@pytest.fixture
def member(organization):
    member = make_user(first_name="Member")
    add_member(organization, member)
    return member


def test_list_shows_only_the_callers_organizations_paginated(
    client, user, organization, other_user, other_organization
):
    beta = make_organization(other_user, name="Beta")
    add_member(beta, user)

    response = client.get("/api/organizations/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            organization_body(organization, level=15),
            organization_body(beta, level=1, member_count=2),
        ],
    }


def test_list_pages_with_limit_and_offset(client, user, organization):
    second = make_organization(user, name="Zulu")

    first_page = client.get("/api/organizations/", {"limit": 1})
    second_page = client.get("/api/organizations/", {"limit": 1, "offset": 1})

    assert first_page.json() == {
        "count": 2,
        "next": "http://testserver/api/organizations/?limit=1&offset=1",
        "previous": None,
        "results": [organization_body(organization, level=15)],
    }
    assert second_page.json() == {
        "count": 2,
        "next": None,
        "previous": "http://testserver/api/organizations/?limit=1",
        "results": [organization_body(second, level=15)],
    }


def test_list_with_an_organization_scoped_key_shows_only_those(user, organization):
    second = make_organization(user, name="Second")
    client = key_client(make_key(user, scopes=["organization:read"], scoped_organizations=[str(second.id)]))

    listed = client.get("/api/organizations/")
    hidden = client.get(url(organization))

    assert [row["id"] for row in listed.json()["results"]] == [str(second.id)]
    assert hidden.status_code == 404
    assert hidden.json() == not_found()


def test_team_scoped_key_cannot_use_organization_endpoints(user, organization, team):
    client = key_client(make_key(user, scoped_teams=[team.id]))

    response = client.get(url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied(
        "API keys with scoped projects are only supported on project-based endpoints."
    )


LIST_QUERIES = 5  # key, count, organizations with level and member count, teams, projects


def test_list_runs_a_constant_number_of_queries(client, user, organization, other_user, django_assert_num_queries):
    client.get("/api/organizations/")  # touches last_used_at once
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/api/organizations/").json()["count"] == 1
    for name in ("Second", "Third"):
        add_member(make_organization(other_user, name=name), user)
    make_organization(user, name="Fourth").teams.get()

    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/api/organizations/").json()["count"] == 4


def test_create_makes_the_caller_owner_with_a_first_project_and_environment(client, user, organization):
    response = client.post("/api/organizations/", {"name": "New Org"})

    assert response.status_code == 201
    created = Organization.objects.get(pk=response.json()["id"])
    assert response.json() == organization_body(created, level=15)
    assert created.slug == "new-org"
    assert list(created.memberships.values_list("user_id", "level")) == [(user.id, 15)]
    project = Project.objects.get(organization=created)
    team = Team.objects.get(organization=created)
    assert (project.name, team.name, team.project_id) == ("Default project", "Default project", project.id)
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (created.id, team.id)


def test_create_gives_a_clashing_slug_a_random_suffix(client, organization):
    response = client.post("/api/organizations/", {"name": "Acme"})

    assert response.status_code == 201
    assert organization.slug == "acme"
    assert re.fullmatch(r"acme-[a-z]{4}", response.json()["slug"])


def test_create_ignores_read_only_fields(client):
    response = client.post(
        "/api/organizations/",
        {"name": "Plain", "slug": "custom", "id": str(uuid.uuid4()), "customer_id": "cus_1", "member_count": 9},
    )

    assert response.status_code == 201
    created = Organization.objects.get(pk=response.json()["id"])
    assert (created.slug, created.customer_id) == ("plain", None)
    assert response.json()["member_count"] == 1


def test_create_stores_writable_settings(client):
    response = client.post(
        "/api/organizations/",
        {"name": "Strict", "enforce_2fa": True, "members_can_invite": False, "default_anonymize_ips": True},
    )

    assert response.status_code == 201
    created = Organization.objects.get(pk=response.json()["id"])
    assert (created.enforce_2fa, created.members_can_invite, created.default_anonymize_ips) == (True, False, True)
    assert response.json() == organization_body(created, level=15)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, error("validation_error", "required", "This field is required.", "name")),
        ({"name": ""}, error("validation_error", "blank", "This field may not be blank.", "name")),
        (
            {"name": "x" * 65},
            error("validation_error", "max_length", "Ensure this field has no more than 64 characters.", "name"),
        ),
        ({"name": ["a"]}, error("validation_error", "invalid_input", "Not a valid string.", "name")),
        (
            {"name": "Ok", "enforce_2fa": "maybe"},
            error("validation_error", "invalid_input", "Must be a valid boolean.", "enforce_2fa"),
        ),
        (
            {"name": "Ok", "default_experiment_stats_method": "magic"},
            error(
                "validation_error",
                "invalid_choice",
                '"magic" is not a valid choice.',
                "default_experiment_stats_method",
            ),
        ),
        (
            {"name": "Ok", "logo_media_id": "nope"},
            error("validation_error", "invalid_input", "Must be a valid UUID.", "logo_media_id"),
        ),
    ],
)
def test_create_with_bad_input_is_400_and_writes_nothing(client, user, organization, payload, expected):
    counts = (Organization.objects.count(), Team.objects.count(), OrganizationMembership.objects.count())

    response = client.post("/api/organizations/", payload)

    assert response.status_code == 400
    assert response.json() == expected
    assert (Organization.objects.count(), Team.objects.count(), OrganizationMembership.objects.count()) == counts
    user.refresh_from_db()
    assert user.current_organization_id == organization.id


def test_create_needs_organization_write_scope(user, organization):
    client = key_client(make_key(user, scopes=["organization:read"]))

    response = client.post("/api/organizations/", {"name": "Nope"})

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization:write'")
    assert not Organization.objects.filter(name="Nope").exists()


def test_retrieve_own_organization(client, organization):
    response = client.get(url(organization))

    assert response.status_code == 200
    assert response.json() == organization_body(organization, level=15)


def test_retrieve_as_member_shows_the_members_level(member, organization):
    response = key_client(make_key(member)).get(url(organization))

    assert response.status_code == 200
    assert response.json() == organization_body(organization, level=1, member_count=2)


@pytest.mark.parametrize("target", ["other", "unknown", "garbage"])
def test_retrieve_an_organization_the_caller_is_not_in_is_404(client, other_organization, target):
    path = {
        "other": url(other_organization),
        "unknown": f"/api/organizations/{uuid.uuid4()}/",
        "garbage": "/api/organizations/not-a-uuid/",
    }[target]

    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == not_found()


def test_current_is_the_users_current_organization(client, user, organization):
    second = make_organization(user, name="Second")

    response = client.get("/api/organizations/@current/")

    assert response.status_code == 200
    assert response.json() == organization_body(second, level=15)


def test_current_without_any_organization_is_404(db):
    loner = make_user()

    response = key_client(make_key(loner)).get("/api/organizations/@current/")

    assert response.status_code == 404
    assert response.json() == not_found("Current organization not found.")


def test_current_needs_organization_read_scope(user, organization):
    client = key_client(make_key(user, scopes=["project:read"]))

    response = client.get("/api/organizations/@current/")

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization:read'")


@pytest.mark.parametrize("method", ["patch", "put"])
def test_admin_can_update(admin, organization, method):
    client = key_client(make_key(admin))

    response = getattr(client, method)(
        url(organization), {"name": "Renamed", "members_can_use_personal_api_keys": False, "slug": "ignored"}
    )

    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.name, organization.members_can_use_personal_api_keys, organization.slug) == (
        "Renamed",
        False,
        "acme",
    )
    assert response.json() == organization_body(organization, level=8, member_count=2)


def test_owner_can_update_through_current(client, organization):
    response = client.patch("/api/organizations/@current/", {"is_member_join_email_enabled": False})

    assert response.status_code == 200
    organization.refresh_from_db()
    assert organization.is_member_join_email_enabled is False


@pytest.mark.parametrize("method", ["patch", "put"])
def test_member_cannot_update(member, organization, method):
    client = key_client(make_key(member))

    response = getattr(client, method)(url(organization), {"name": "Renamed"})

    assert response.status_code == 403
    assert response.json() == permission_denied(INSUFFICIENT)
    organization.refresh_from_db()
    assert organization.name == "Acme"


def test_put_needs_the_name(client, organization):
    response = client.put(url(organization), {"enforce_2fa": True})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "required", "This field is required.", "name")
    organization.refresh_from_db()
    assert organization.enforce_2fa is None


def test_update_with_bad_input_is_400_and_writes_nothing(client, organization):
    response = client.patch(url(organization), {"name": "x" * 65, "enforce_2fa": True})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "max_length", "Ensure this field has no more than 64 characters.", "name"
    )
    organization.refresh_from_db()
    assert (organization.name, organization.enforce_2fa) == ("Acme", None)


def test_update_another_organization_is_404(client, other_organization):
    response = client.patch(url(other_organization), {"name": "Hijacked"})

    assert response.status_code == 404
    assert response.json() == not_found()
    other_organization.refresh_from_db()
    assert other_organization.name == "Other Inc"


def test_default_role_id_accepts_null_and_a_role_of_the_organization(client, user, organization):
    role = Role.objects.create(organization=organization, name="Engineers", created_by=user)

    set_role = client.patch(url(organization), {"default_role_id": str(role.id)})
    organization.refresh_from_db()
    stored = organization.default_role_id
    cleared = client.patch(url(organization), {"default_role_id": None})

    assert (set_role.status_code, cleared.status_code) == (200, 200)
    assert set_role.json()["default_role_id"] == str(role.id)
    assert stored == role.id
    assert cleared.json() == organization_body(organization, level=15)
    assert cleared.json()["default_role_id"] is None


@pytest.mark.parametrize("target", ["other", "unknown"])
def test_default_role_id_must_be_a_role_of_the_organization(
    client, organization, other_user, other_organization, target
):
    role_id = (
        Role.objects.create(organization=other_organization, name="Theirs", created_by=other_user).id
        if target == "other"
        else uuid.uuid4()
    )

    response = client.patch(url(organization), {"default_role_id": str(role_id)})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "does_not_exist", f'Invalid pk "{role_id}" - object does not exist.', "default_role_id"
    )
    organization.refresh_from_db()
    assert organization.default_role_id is None


def test_owner_can_delete_the_organization_and_its_projects(client, user, organization, team):
    response = client.delete(url(organization))

    assert response.status_code == 204
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not Project.objects.filter(organization_id=organization.pk).exists()
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (None, None)


@pytest.mark.parametrize("level", [OrganizationMembership.Level.ADMIN, OrganizationMembership.Level.MEMBER])
def test_only_the_owner_can_delete(organization, level):
    caller = make_user()
    add_member(organization, caller, level=level)

    response = key_client(make_key(caller)).delete(url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied(INSUFFICIENT)
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_delete_another_organization_is_404(client, other_organization):
    response = client.delete(url(other_organization))

    assert response.status_code == 404
    assert Organization.objects.filter(pk=other_organization.pk).exists()


def test_delete_needs_organization_write_scope(user, organization):
    response = key_client(make_key(user, scopes=["organization:read"])).delete(url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization:write'")
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_anonymous_requests_are_401(anonymous, organization):
    responses = [anonymous.get("/api/organizations/"), anonymous.get(url(organization))]

    assert [r.status_code for r in responses] == [401, 401]
