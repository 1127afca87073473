import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied
from rest_framework.test import APIClient

from organizations.models import OrganizationMembership
from organizations.serializers import check_member_change
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
from tests.organizations.bodies import member_body

MEMBER, ADMIN, OWNER = 1, 8, 15
OWN_LEVEL = "You can't change your own access level."
OWNER_ONLY = "You can only make another member owner if you're this organization's owner."
NOT_ABOVE_SELF = "You can only change access level of others to lower or equal to your current one."
SAME_ORGANIZATION = "You both need to belong to the same organization."
ADMIN_ONLY = "You can only edit others if you are an admin."
NOT_HIGHER = "You can only edit others with level lower or equal to you."


def members_url(organization) -> str:
    return f"/api/organizations/{organization.id}/members/"


def member_url(organization, user) -> str:
    return f"{members_url(organization)}{user.uuid}/"


def membership(organization, user) -> OrganizationMembership:
    return OrganizationMembership.objects.get(organization=organization, user=user)


@pytest.fixture
def people(user, organization):
    """The owner `user` plus two admins and two members, joined in that order."""
    people = {"owner": user}
    for name, level in (("admin", ADMIN), ("admin2", ADMIN), ("member", MEMBER), ("member2", MEMBER)):
        people[name] = make_user(first_name=name.title(), last_name="Lovelace" if name == "member2" else "")
        add_member(organization, people[name], level=level)
    return people


def client_of(user):
    return key_client(make_key(user))


def test_list_members_newest_first_with_whole_bodies(people, organization):
    response = client_of(people["member"]).get(members_url(organization))

    assert response.status_code == 200
    order = ["member2", "member", "admin2", "admin", "owner"]
    assert response.json() == {
        "count": 5,
        "next": None,
        "previous": None,
        "results": [member_body(membership(organization, people[name])) for name in order],
    }


def test_list_members_in_joined_order_and_by_current_organization(client, people, organization):
    ascending = client.get(members_url(organization), {"order": "joined_at"})
    descending = client.get("/api/organizations/@current/members/", {"order": "-joined_at"})

    names = ["owner", "admin", "admin2", "member", "member2"]
    assert [row["user"]["uuid"] for row in ascending.json()["results"]] == [str(people[n].uuid) for n in names]
    assert [row["user"]["uuid"] for row in descending.json()["results"]] == [
        str(people[n].uuid) for n in reversed(names)
    ]


def test_list_members_filters_by_exact_email(client, people, organization):
    exact = client.get(members_url(organization), {"email": people["admin"].email})
    partial = client.get(members_url(organization), {"email": people["admin"].email[:-4]})

    assert exact.json()["results"] == [member_body(membership(organization, people["admin"]))]
    assert partial.json()["count"] == 0


@pytest.mark.parametrize(
    ("search", "expected"),
    [("admin", ["admin2", "admin"]), ("LOVELACE", ["member2"]), ("example.com", None), ("nobody", [])],
)
def test_list_members_searches_names_and_email(client, people, organization, search, expected):
    response = client.get(members_url(organization), {"search": search})

    assert response.status_code == 200
    expected = ["member2", "member", "admin2", "admin", "owner"] if expected is None else expected
    assert [row["user"]["uuid"] for row in response.json()["results"]] == [str(people[n].uuid) for n in expected]


def test_list_members_search_longer_than_200_characters_is_400(client, organization):
    response = client.get(members_url(organization), {"search": "a" * 201})
    at_limit = client.get(members_url(organization), {"search": "a" * 200})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "Search query must be 200 characters or fewer.", "search"
    )
    assert at_limit.status_code == 200


def test_list_members_updated_after(client, people, organization):
    past = timezone.now() - timedelta(days=10)
    OrganizationMembership.objects.filter(organization=organization).update(updated_at=past)
    OrganizationMembership.objects.filter(user=people["admin2"]).update(updated_at=timezone.now())

    response = client.get(members_url(organization), {"updated_after": (past + timedelta(days=1)).isoformat()})
    invalid = client.get(members_url(organization), {"updated_after": "yesterday"})

    assert [row["user"]["uuid"] for row in response.json()["results"]] == [str(people["admin2"].uuid)]
    assert invalid.status_code == 400
    assert invalid.json() == error("validation_error", "invalid_input", "Enter a valid date/time.", "updated_after")


def test_list_members_excludes_inactive_users(client, people, organization):
    people["member"].is_active = False
    people["member"].save()

    response = client.get(members_url(organization))

    assert response.json()["count"] == 4
    assert str(people["member"].uuid) not in [row["user"]["uuid"] for row in response.json()["results"]]
    assert client.get(f"/api/organizations/{organization.id}/").json()["member_count"] == 4


MEMBER_LIST_QUERIES = 4  # key with its user, organization with the caller's membership, count, page


def test_list_members_runs_a_constant_number_of_queries(client, organization, django_assert_num_queries):
    client.get(members_url(organization))  # touches last_used_at once
    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        assert client.get(members_url(organization)).json()["count"] == 1
    for _ in range(4):
        add_member(organization, make_user())

    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        assert client.get(members_url(organization)).json()["count"] == 5


def test_list_members_needs_the_organization_member_scope(user, organization):
    client = key_client(make_key(user, scopes=["organization:read"]))

    response = client.get(members_url(organization))

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization_member:read'")


def test_list_members_of_another_organization_is_403(client, other_organization):
    response = client.get(members_url(other_organization))

    assert response.status_code == 403
    assert response.json() == permission_denied()


def test_list_members_of_an_unknown_organization_is_404(client):
    response = client.get(f"/api/organizations/{uuid.uuid4()}/members/")

    assert response.status_code == 404
    assert response.json() == not_found("Organization not found.")


# (requester, target, new level, message): each row would also break a later rule, so the first wins.
LEVEL_CHANGE_REFUSALS = [
    ("owner", "owner", MEMBER, OWN_LEVEL),
    ("admin", "admin", OWNER, OWN_LEVEL),
    ("member", "member", ADMIN, OWN_LEVEL),
    ("admin", "member", OWNER, OWNER_ONLY),
    ("member", "owner", OWNER, OWNER_ONLY),
    ("member", "member2", ADMIN, NOT_ABOVE_SELF),
    ("member", "admin", ADMIN, NOT_ABOVE_SELF),
    ("member", "member2", MEMBER, ADMIN_ONLY),
    ("member", "owner", MEMBER, ADMIN_ONLY),
    ("admin", "owner", ADMIN, NOT_HIGHER),
    ("admin", "owner", MEMBER, NOT_HIGHER),
]


@pytest.mark.parametrize(("requester", "target", "level", "message"), LEVEL_CHANGE_REFUSALS)
def test_level_change_refusals_in_order(people, organization, requester, target, level, message):
    before = membership(organization, people[target]).level

    response = client_of(people[requester]).patch(member_url(organization, people[target]), {"level": level})

    assert response.status_code == 403
    assert response.json() == permission_denied(message)
    assert membership(organization, people[target]).level == before


def test_members_of_different_organizations_cannot_edit_each_other(people, organization, other_organization):
    outsider = membership(other_organization, other_organization.members.get())

    with pytest.raises(PermissionDenied) as refused:
        check_member_change(requester=membership(organization, people["owner"]), target=outsider, new_level=None)

    assert str(refused.value.detail) == SAME_ORGANIZATION
    assert refused.value.status_code == 403


@pytest.mark.parametrize(
    ("requester", "target", "level"),
    [("owner", "member", ADMIN), ("owner", "admin", OWNER), ("admin", "admin2", MEMBER), ("admin", "member", ADMIN)],
)
def test_level_changes_allowed(people, organization, requester, target, level):
    response = client_of(people[requester]).patch(member_url(organization, people[target]), {"level": level})

    assert response.status_code == 200
    changed = membership(organization, people[target])
    assert changed.level == level
    assert response.json() == member_body(changed)
    assert membership(organization, people["owner"]).level == OWNER


def test_put_changes_the_level_too(client, people, organization):
    response = client.put(member_url(organization, people["member"]), {"level": ADMIN})

    assert response.status_code == 200
    assert membership(organization, people["member"]).level == ADMIN


def test_only_level_is_writable(client, people, organization):
    before = member_body(membership(organization, people["member"]))

    response = client.patch(
        member_url(organization, people["member"]),
        {"id": str(uuid.uuid4()), "joined_at": "2020-01-01T00:00:00Z", "user": {"first_name": "X"}},
    )

    assert response.status_code == 200
    after = member_body(membership(organization, people["member"]))
    assert response.json() == after
    assert {**after, "updated_at": None} == {**before, "updated_at": None}


def test_invalid_level_is_400(client, people, organization):
    response = client.patch(member_url(organization, people["member"]), {"level": 5})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_choice", '"5" is not a valid choice.', "level")
    assert membership(organization, people["member"]).level == MEMBER


def test_level_change_needs_the_organization_member_write_scope(user, people, organization):
    client = key_client(make_key(user, scopes=["organization_member:read"]))

    response = client.patch(member_url(organization, people["member"]), {"level": ADMIN})

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'organization_member:write'")
    assert membership(organization, people["member"]).level == MEMBER


def test_patch_me_is_the_callers_own_membership(client, organization):
    response = client.patch(f"{members_url(organization)}@me/", {"level": ADMIN})

    assert response.status_code == 403
    assert response.json() == permission_denied(OWN_LEVEL)


@pytest.mark.parametrize("target", ["unknown", "garbage", "outsider"])
def test_unknown_or_foreign_member_is_404(client, organization, other_user, other_organization, target):
    value = {"unknown": uuid.uuid4(), "garbage": "not-a-uuid", "outsider": other_user.uuid}[target]

    patched = client.patch(f"{members_url(organization)}{value}/", {"level": MEMBER})
    deleted = client.delete(f"{members_url(organization)}{value}/")

    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert patched.json() == not_found()
    assert membership(other_organization, other_user).level == OWNER


def test_non_member_cannot_edit_or_remove_members_of_another_organization(client, other_user, other_organization):
    patched = client.patch(member_url(other_organization, other_user), {"level": MEMBER})
    deleted = client.delete(member_url(other_organization, other_user))

    assert (patched.status_code, deleted.status_code) == (403, 403)
    assert patched.json() == permission_denied()
    assert membership(other_organization, other_user).level == OWNER


@pytest.mark.parametrize(
    ("requester", "target", "message"),
    [("member", "member2", ADMIN_ONLY), ("member", "admin", ADMIN_ONLY), ("admin", "owner", NOT_HIGHER)],
)
def test_removal_refusals(people, organization, requester, target, message):
    response = client_of(people[requester]).delete(member_url(organization, people[target]))

    assert response.status_code == 403
    assert response.json() == permission_denied(message)
    assert OrganizationMembership.objects.filter(organization=organization, user=people[target]).exists()


@pytest.mark.parametrize(("requester", "target"), [("admin", "member"), ("admin", "admin2"), ("owner", "admin")])
def test_admins_remove_members_at_or_below_their_level(people, organization, requester, target):
    response = client_of(people[requester]).delete(member_url(organization, people[target]))

    assert response.status_code == 204
    assert not OrganizationMembership.objects.filter(organization=organization, user=people[target]).exists()


@pytest.mark.parametrize("path", ["@me", "own uuid"])
def test_members_can_leave(people, organization, path):
    leaver = people["member"]
    value = "@me" if path == "@me" else leaver.uuid

    response = client_of(leaver).delete(f"{members_url(organization)}{value}/")

    assert response.status_code == 204
    assert not OrganizationMembership.objects.filter(organization=organization, user=leaver).exists()


def test_owner_cannot_leave(client, user, organization):
    response = client.delete(f"{members_url(organization)}@me/")

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Cannot leave the organization as its owner!")
    assert membership(organization, user).level == OWNER


def test_removed_user_moves_to_another_organization_or_none(people, organization, other_user):
    removed = people["member"]
    removed.current_organization = organization
    removed.current_team = organization.teams.get()
    removed.save()
    elsewhere = make_organization(other_user, name="Elsewhere")
    add_member(elsewhere, removed)
    lonely = people["member2"]
    lonely.current_organization = organization
    lonely.save()
    admin = client_of(people["admin"])

    responses = [admin.delete(member_url(organization, removed)), admin.delete(member_url(organization, lonely))]

    assert [r.status_code for r in responses] == [204, 204]
    removed.refresh_from_db()
    lonely.refresh_from_db()
    assert (removed.current_organization_id, removed.current_team_id) == (elsewhere.id, elsewhere.teams.get().id)
    assert (lonely.current_organization_id, lonely.current_team_id) == (None, None)


def test_member_retrieve_is_not_routed(user, organization):
    client = APIClient()
    client.force_login(user)

    response = client.get(member_url(organization, user))

    assert response.status_code == 405


def test_organization_scoped_key_cannot_reach_members_of_other_organizations(user, organization, other_user):
    elsewhere = make_organization(other_user, name="Elsewhere")
    add_member(elsewhere, user, level=ADMIN)
    client = key_client(make_key(user, scoped_organizations=[str(organization.id)]))

    allowed = client.get(members_url(organization))
    refused = client.get(members_url(elsewhere))

    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert refused.json() == permission_denied(
        f"API key does not have access to the requested organization: ID {elsewhere.id}."
    )
