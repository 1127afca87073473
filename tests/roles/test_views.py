import threading
import uuid

import pytest
from django.db import connection

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
from roles.models import Role, RoleMembership
from tests.organizations.bodies import iso, member_body, user_basic_body

NEED_ADMIN = "You need to have admin level or higher."
DUPLICATE = error("validation_error", "unique", "There is already a role with this name.", "name")
ADMIN, MEMBER = OrganizationMembership.Level.ADMIN, OrganizationMembership.Level.MEMBER


def roles_url(organization, role=None) -> str:
    base = f"/api/organizations/{organization.id}/roles/"
    return f"{base}{role.id}/" if role is not None else base


def memberships_url(organization, role, membership=None) -> str:
    base = f"{roles_url(organization, role)}role_memberships/"
    return f"{base}{membership.id}/" if membership is not None else base


def role_membership_body(role_membership: RoleMembership) -> dict:
    role_membership.refresh_from_db()
    member = member_body(role_membership.organization_member)
    del member["last_login"]  # PostHog leaves it out of the nested member
    return {
        "id": str(role_membership.id),
        "role_id": str(role_membership.role_id),
        "organization_member": member,
        "user": user_basic_body(role_membership.user),
        "joined_at": iso(role_membership.joined_at),
        "updated_at": iso(role_membership.updated_at),
    }


def role_body(role: Role) -> dict:
    role.refresh_from_db()
    organization = Organization.objects.get(pk=role.organization_id)
    return {
        "id": str(role.id),
        "name": role.name,
        "created_at": iso(role.created_at),
        "created_by": user_basic_body(role.created_by) if role.created_by else None,
        "members": [role_membership_body(m) for m in role.memberships.order_by("joined_at", "id")],
        "is_default": organization.default_role_id == role.id,
        "feature_flags_access_level": role.feature_flags_access_level,
        "associated_flags": [],
    }


def make_role(organization, name: str, created_by=None) -> Role:
    return Role.objects.create(organization=organization, name=name, created_by=created_by)


def add_to_role(role: Role, user) -> RoleMembership:
    membership = OrganizationMembership.objects.get(organization_id=role.organization_id, user=user)
    return RoleMembership.objects.create(role=role, user=user, organization_member=membership)


def client_of(organization, level, **user_fields):
    person = make_user(**user_fields)
    add_member(organization, person, level=level)
    return person, key_client(make_key(person))


@pytest.fixture
def member(organization):
    return client_of(organization, MEMBER, first_name="Member")


@pytest.fixture
def engineers(organization, user):
    return make_role(organization, "Engineers", created_by=user)


# --- Roles: every operation ---


def test_admin_creates_a_role_in_the_organization_of_the_url(client, user, organization):
    response = client.post(roles_url(organization), {"name": "Engineers"})

    assert response.status_code == 201
    role = Role.objects.get()
    assert (role.organization_id, role.name, role.created_by_id) == (organization.id, "Engineers", user.id)
    assert response.json() == role_body(role)
    assert response.json()["created_by"]["uuid"] == str(user.uuid)
    assert response.json()["members"] == []
    assert response.json()["is_default"] is False


def test_list_returns_the_organizations_roles_with_their_members(client, user, organization, engineers):
    designers = make_role(organization, "Designers")
    person, _ = client_of(organization, MEMBER)
    add_to_role(engineers, person)
    add_to_role(engineers, user)
    organization.default_role_id = designers.id
    organization.save()
    make_role(make_organization(make_user()), "Elsewhere")

    response = client.get(roles_url(organization))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [role_body(engineers), role_body(designers)],
    }
    assert [len(r["members"]) for r in response.json()["results"]] == [2, 0]
    assert response.json()["results"][1]["is_default"] is True


def test_list_is_paginated_by_limit_and_offset(client, organization):
    roles = [make_role(organization, f"Role {i}") for i in range(3)]

    response = client.get(roles_url(organization), {"limit": 1, "offset": 1})

    assert response.status_code == 200
    base = f"http://testserver{roles_url(organization)}"
    assert response.json() == {
        "count": 3,
        "next": f"{base}?limit=1&offset=2",
        "previous": f"{base}?limit=1",
        "results": [role_body(roles[1])],
    }


def test_list_filters_by_exact_name(client, organization, engineers):
    make_role(organization, "Engineers 2")

    response = client.get(roles_url(organization), {"name": "Engineers"})

    assert response.status_code == 200
    assert response.json()["results"] == [role_body(engineers)]
    assert client.get(roles_url(organization), {"name": "nobody"}).json()["count"] == 0


def test_retrieve_returns_the_role(client, organization, engineers):
    response = client.get(roles_url(organization, engineers))

    assert response.status_code == 200
    assert response.json() == role_body(engineers)


def test_current_organization_resolves_in_the_url(client, organization, engineers):
    response = client.get("/api/organizations/@current/roles/")

    assert response.status_code == 200
    assert response.json()["results"] == [role_body(engineers)]


def test_put_replaces_the_name(client, organization, engineers):
    response = client.put(roles_url(organization, engineers), {"name": "Builders", "feature_flags_access_level": 21})

    assert response.status_code == 200
    engineers.refresh_from_db()
    assert (engineers.name, engineers.feature_flags_access_level) == ("Builders", 21)
    assert response.json() == role_body(engineers)


def test_patch_renames_and_ignores_read_only_fields(client, user, organization, engineers):
    other = make_user()
    response = client.patch(
        roles_url(organization, engineers),
        {"name": "Builders", "id": str(uuid.uuid4()), "created_by": other.id, "is_default": True},
    )

    assert response.status_code == 200
    engineers.refresh_from_db()
    assert (engineers.name, engineers.created_by_id) == ("Builders", user.id)
    organization.refresh_from_db()
    assert organization.default_role_id is None
    assert response.json() == role_body(engineers)


def test_delete_removes_the_role_and_its_memberships_and_clears_the_default_role(client, user, organization, engineers):
    add_to_role(engineers, user)
    organization.default_role_id = engineers.id
    organization.save()
    elsewhere = make_organization(make_user())
    elsewhere_default = make_role(elsewhere, "Engineers")
    elsewhere.default_role_id = elsewhere_default.id
    elsewhere.save()

    response = client.delete(roles_url(organization, engineers))

    assert response.status_code == 204
    assert not Role.objects.filter(pk=engineers.pk).exists()
    assert not RoleMembership.objects.filter(role_id=engineers.pk).exists()
    organization.refresh_from_db()
    elsewhere.refresh_from_db()
    assert organization.default_role_id is None
    assert elsewhere.default_role_id == elsewhere_default.id
    assert client.get(roles_url(organization, engineers)).json() == not_found()


# --- Names ---


@pytest.mark.parametrize(
    "body, expected",
    [
        ({}, error("validation_error", "required", "This field is required.", "name")),
        ({"name": ""}, error("validation_error", "blank", "This field may not be blank.", "name")),
        (
            {"name": "x" * 201},
            error("validation_error", "max_length", "Ensure this field has no more than 200 characters.", "name"),
        ),
    ],
)
def test_create_validates_the_name(client, organization, body, expected):
    response = client.post(roles_url(organization), body)

    assert response.status_code == 400
    assert response.json() == expected
    assert not Role.objects.exists()


def test_duplicate_names_are_refused_case_insensitively(client, organization, engineers):
    response = client.post(roles_url(organization), {"name": "eNGINEERS"})

    assert response.status_code == 400
    assert response.json() == DUPLICATE
    assert Role.objects.count() == 1


def test_renaming_onto_another_roles_name_is_refused_in_any_case(client, organization, engineers):
    designers = make_role(organization, "Designers")

    for method in (client.patch, client.put):
        response = method(roles_url(organization, designers), {"name": "engineers"})
        assert response.status_code == 400
        assert response.json() == DUPLICATE
    designers.refresh_from_db()
    assert designers.name == "Designers"


def test_renaming_a_role_to_its_own_name_is_allowed(client, organization, engineers):
    assert client.put(roles_url(organization, engineers), {"name": "Engineers"}).status_code == 200

    response = client.patch(roles_url(organization, engineers), {"name": "ENGINEERS"})

    assert response.status_code == 200
    assert response.json()["name"] == "ENGINEERS"


def test_the_same_name_is_free_in_another_organization(client, user, organization, engineers):
    other = make_organization(user, name="Second")

    response = client.post(roles_url(other), {"name": "Engineers"})

    assert response.status_code == 201
    assert Role.objects.get(pk=response.json()["id"]).organization_id == other.id


# --- Who may read and write ---


def test_a_member_reads_roles_and_role_memberships(member, organization, engineers, user):
    _, member_client = member
    role_membership = add_to_role(engineers, user)

    assert member_client.get(roles_url(organization)).json()["results"] == [role_body(engineers)]
    assert member_client.get(roles_url(organization, engineers)).json() == role_body(engineers)
    assert member_client.get(memberships_url(organization, engineers)).json()["results"] == [
        role_membership_body(role_membership)
    ]


def test_a_member_is_refused_every_write(member, organization, engineers, user):
    person, member_client = member
    role_membership = add_to_role(engineers, user)
    attempts = [
        member_client.post(roles_url(organization), {"name": "Mine"}),
        member_client.put(roles_url(organization, engineers), {"name": "Mine"}),
        member_client.patch(roles_url(organization, engineers), {"name": "Mine"}),
        member_client.delete(roles_url(organization, engineers)),
        member_client.post(memberships_url(organization, engineers), {"user_uuid": str(person.uuid)}),
        member_client.delete(memberships_url(organization, engineers, role_membership)),
    ]

    for response in attempts:
        assert response.status_code == 403
        assert response.json() == permission_denied(NEED_ADMIN)
    assert list(Role.objects.values_list("name", flat=True)) == ["Engineers"]
    assert list(RoleMembership.objects.values_list("user_id", flat=True)) == [user.id]


def test_an_admin_writes_roles(organization):
    _, admin_client = client_of(organization, ADMIN)

    response = admin_client.post(roles_url(organization), {"name": "Admins' role"})

    assert response.status_code == 201
    role = Role.objects.get()
    assert admin_client.patch(roles_url(organization, role), {"name": "Renamed"}).status_code == 200
    assert admin_client.delete(roles_url(organization, role)).status_code == 204


def test_an_admin_of_their_current_organization_is_refused_on_another_where_they_are_a_member(organization):
    # PostHog read the level from the caller's current organization; the URL's organization decides here.
    person, person_client = client_of(organization, MEMBER)
    own = make_organization(person, name="Own")
    person.refresh_from_db()
    assert person.current_organization_id == own.id
    role = make_role(organization, "Engineers")

    create = person_client.post(roles_url(organization), {"name": "Sneaky"})
    rename = person_client.patch(roles_url(organization, role), {"name": "Sneaky"})

    assert (create.status_code, rename.status_code) == (403, 403)
    assert create.json() == rename.json() == permission_denied(NEED_ADMIN)
    assert list(Role.objects.values_list("name", flat=True)) == ["Engineers"]


def test_an_admin_of_another_organization_whose_current_organization_is_this_one_is_refused(organization):
    person, person_client = client_of(organization, MEMBER)
    other = make_organization(make_user(), name="Other")
    add_member(other, person, level=ADMIN)
    person.current_organization_id = organization.id
    person.save()

    response = person_client.post(roles_url(organization), {"name": "Sneaky"})

    assert response.status_code == 403
    assert response.json() == permission_denied(NEED_ADMIN)
    # and a non-member of the URL organization is refused even when it is (stale) their current one
    stranger = make_user()
    make_organization(stranger)
    stranger.current_organization_id = organization.id
    stranger.save()
    response = key_client(make_key(stranger)).post(roles_url(organization), {"name": "Sneaky"})
    assert response.status_code == 403
    assert response.json() == permission_denied()
    assert not Role.objects.exists()


def test_an_admin_of_the_url_organization_is_allowed_whatever_their_current_organization(organization):
    person, person_client = client_of(organization, ADMIN)
    own = make_organization(person, name="Own")
    person.refresh_from_db()
    assert person.current_organization_id == own.id

    response = person_client.post(roles_url(organization), {"name": "Made here"})

    assert response.status_code == 201
    role = Role.objects.get()
    assert role.organization_id == organization.id
    assert response.json() == role_body(role)


# --- Role memberships ---


def test_admin_adds_an_organization_member_to_a_role(client, organization, engineers):
    person, _ = client_of(organization, MEMBER, first_name="Grace")

    response = client.post(memberships_url(organization, engineers), {"user_uuid": str(person.uuid)})

    assert response.status_code == 201
    role_membership = RoleMembership.objects.get()
    assert role_membership.user_id == person.id
    assert role_membership.organization_member == OrganizationMembership.objects.get(user=person)
    assert response.json() == role_membership_body(role_membership)
    assert "user_uuid" not in response.json()
    assert client.get(roles_url(organization, engineers)).json()["members"] == [response.json()]


def test_list_returns_the_roles_memberships_paginated(client, user, organization, engineers):
    person, _ = client_of(organization, MEMBER)
    first, second = add_to_role(engineers, user), add_to_role(engineers, person)
    add_to_role(make_role(organization, "Designers"), person)

    response = client.get(memberships_url(organization, engineers))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [role_membership_body(first), role_membership_body(second)],
    }
    paged = client.get(memberships_url(organization, engineers), {"limit": 1}).json()
    assert (paged["count"], paged["results"]) == (2, [role_membership_body(first)])
    assert paged["next"] == f"http://testserver{memberships_url(organization, engineers)}?limit=1&offset=1"


def test_admin_removes_a_role_membership(client, user, organization, engineers):
    role_membership = add_to_role(engineers, user)

    response = client.delete(memberships_url(organization, engineers, role_membership))

    assert response.status_code == 204
    assert not RoleMembership.objects.exists()
    assert Role.objects.filter(pk=engineers.pk).exists()
    assert OrganizationMembership.objects.filter(organization=organization, user=user).exists()


def test_a_user_already_in_the_role_is_refused(client, user, organization, engineers):
    add_to_role(engineers, user)

    response = client.post(memberships_url(organization, engineers), {"user_uuid": str(user.uuid)})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "User is already part of the role.")
    assert RoleMembership.objects.count() == 1


def test_a_user_who_is_not_an_active_member_does_not_exist(client, organization, engineers, other_user):
    inactive, _ = client_of(organization, MEMBER)
    inactive.is_active = False
    inactive.save()

    for user_uuid in (other_user.uuid, inactive.uuid, uuid.uuid4()):
        response = client.post(memberships_url(organization, engineers), {"user_uuid": str(user_uuid)})
        assert response.status_code == 400
        assert response.json() == error("validation_error", "invalid_input", "User does not exist.")
    assert not RoleMembership.objects.exists()


@pytest.mark.parametrize(
    "body, expected",
    [
        ({}, error("validation_error", "required", "This field is required.", "user_uuid")),
        ({"user_uuid": "not-a-uuid"}, error("validation_error", "invalid_input", "Must be a valid UUID.", "user_uuid")),
    ],
)
def test_user_uuid_is_required_and_must_be_a_uuid(client, organization, engineers, body, expected):
    response = client.post(memberships_url(organization, engineers), body)

    assert response.status_code == 400
    assert response.json() == expected


def test_a_role_of_another_organization_does_not_exist_for_membership_writes(client, user, organization):
    other = make_organization(make_user())
    add_member(other, user)
    foreign = make_role(other, "Theirs")
    role_membership = add_to_role(foreign, user)
    missing = Role(id=uuid.uuid4())
    role_does_not_exist = error("validation_error", "invalid_input", "Role does not exist.")

    for role in (foreign, missing):
        response = client.post(memberships_url(organization, role), {"user_uuid": str(user.uuid)})
        assert response.status_code == 400
        assert response.json() == role_does_not_exist
    response = client.post(f"{roles_url(organization)}not-a-uuid/role_memberships/", {"user_uuid": str(user.uuid)})
    assert response.json() == role_does_not_exist

    assert client.get(memberships_url(organization, foreign)).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    response = client.delete(memberships_url(organization, foreign, role_membership))
    assert response.status_code == 404
    assert response.json() == not_found()
    assert RoleMembership.objects.filter(pk=role_membership.pk).exists()


def test_a_membership_is_removed_only_through_its_own_role(client, user, organization, engineers):
    designers = make_role(organization, "Designers")
    role_membership = add_to_role(designers, user)

    response = client.delete(memberships_url(organization, engineers, role_membership))

    assert response.status_code == 404
    assert response.json() == not_found()
    assert RoleMembership.objects.filter(pk=role_membership.pk).exists()


def test_leaving_the_organization_drops_the_users_role_memberships(client, organization, engineers):
    person, person_client = client_of(organization, MEMBER)
    add_to_role(engineers, person)

    response = person_client.delete(f"/api/organizations/{organization.id}/members/@me/")

    assert response.status_code == 204
    assert not RoleMembership.objects.exists()


# --- API key scopes and other tenants ---


def test_an_organization_read_key_reads_but_cannot_write(user, organization, engineers):
    read_client = key_client(make_key(user, scopes=["organization:read"]))
    missing_write = permission_denied("API key missing required scope 'organization:write'")

    assert read_client.get(roles_url(organization)).status_code == 200
    assert read_client.get(roles_url(organization, engineers)).status_code == 200
    assert read_client.get(memberships_url(organization, engineers)).status_code == 200
    for response in (
        read_client.post(roles_url(organization), {"name": "New"}),
        read_client.patch(roles_url(organization, engineers), {"name": "New"}),
        read_client.delete(roles_url(organization, engineers)),
        read_client.post(memberships_url(organization, engineers), {"user_uuid": str(user.uuid)}),
    ):
        assert response.status_code == 403
        assert response.json() == missing_write
    assert list(Role.objects.values_list("name", flat=True)) == ["Engineers"]


def test_an_organization_write_key_writes(user, organization):
    response = key_client(make_key(user, scopes=["organization:write"])).post(roles_url(organization), {"name": "N"})

    assert response.status_code == 201


def test_a_key_without_organization_scopes_is_refused(user, organization, engineers):
    project_client = key_client(make_key(user, scopes=["project:read", "feature_flag:write"]))

    response = project_client.get(roles_url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization:read'")


def test_a_key_scoped_to_another_organization_is_refused(user, organization, engineers):
    other = make_organization(user, name="Second")
    scoped_client = key_client(make_key(user, scoped_organizations=[str(other.id)]))

    response = scoped_client.get(roles_url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied(
        f"API key does not have access to the requested organization: ID {organization.id}."
    )
    assert scoped_client.get(roles_url(other)).status_code == 200


def test_a_non_member_is_refused_on_every_role_route_and_sees_no_data(organization, engineers, user):
    role_membership = add_to_role(engineers, user)
    stranger = make_user()
    make_organization(stranger)
    stranger_client = key_client(make_key(stranger))
    attempts = [
        stranger_client.get(roles_url(organization)),
        stranger_client.get(roles_url(organization, engineers)),
        stranger_client.post(roles_url(organization), {"name": "Mine"}),
        stranger_client.patch(roles_url(organization, engineers), {"name": "Mine"}),
        stranger_client.delete(roles_url(organization, engineers)),
        stranger_client.get(memberships_url(organization, engineers)),
        stranger_client.post(memberships_url(organization, engineers), {"user_uuid": str(stranger.uuid)}),
        stranger_client.delete(memberships_url(organization, engineers, role_membership)),
    ]

    for response in attempts:
        assert response.status_code == 403
        assert response.json() == permission_denied()
    assert list(Role.objects.values_list("name", flat=True)) == ["Engineers"]
    assert RoleMembership.objects.count() == 1


def test_a_role_of_another_organization_is_not_found_through_this_one(client, user, organization):
    other = make_organization(make_user())
    add_member(other, user, level=ADMIN)
    foreign = make_role(other, "Theirs")

    for response in (
        client.get(roles_url(organization, foreign)),
        client.patch(roles_url(organization, foreign), {"name": "Mine"}),
        client.delete(roles_url(organization, foreign)),
        client.get(f"{roles_url(organization)}not-a-uuid/"),
    ):
        assert response.status_code == 404
        assert response.json() == not_found()
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_an_unknown_organization_is_not_found(client):
    response = client.get(f"/api/organizations/{uuid.uuid4()}/roles/")

    assert response.status_code == 404
    assert response.json() == not_found("Organization not found.")


def test_anonymous_requests_are_not_authenticated(anonymous, organization):
    response = anonymous.get(roles_url(organization))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Query counts ---


def _role_with_members(organization, name: str, count: int) -> Role:
    role = make_role(organization, name, created_by=make_user())
    for _ in range(count):
        person, _ = client_of(organization, MEMBER)
        add_to_role(role, person)
    return role


def test_listing_roles_takes_a_fixed_number_of_queries(client, organization, django_assert_num_queries):
    _role_with_members(organization, "One", 1)
    client.get(roles_url(organization))  # the key's last_used_at is written once an hour, not now

    with django_assert_num_queries(5):  # the organization comes with the caller's membership
        assert client.get(roles_url(organization)).json()["count"] == 1

    for i in range(4):
        _role_with_members(organization, f"More {i}", 3)
    with django_assert_num_queries(5):
        assert client.get(roles_url(organization)).json()["count"] == 5


def test_listing_role_memberships_takes_a_fixed_number_of_queries(client, organization, django_assert_num_queries):
    role = _role_with_members(organization, "One", 1)
    client.get(memberships_url(organization, role))

    with django_assert_num_queries(4):  # the organization comes with the caller's membership
        assert client.get(memberships_url(organization, role)).json()["count"] == 1

    for _ in range(4):
        person, _ = client_of(organization, MEMBER)
        add_to_role(role, person)
    with django_assert_num_queries(4):
        assert client.get(memberships_url(organization, role)).json()["count"] == 5


# --- Concurrency: real parallel requests, each in its own connection ---


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_differing_only_in_case_leave_one_role_and_answer_400():
    owner = make_user()
    organization = make_organization(owner)
    value = make_key(owner)
    barrier = threading.Barrier(3)
    statuses = []

    def create(name: str) -> None:
        try:
            barrier.wait()
            statuses.append(key_client(value).post(roles_url(organization), {"name": name}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("Engineers", "engineers", "ENGINEERS")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 400, 400]
    assert Role.objects.filter(organization=organization).count() == 1
