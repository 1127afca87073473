import pytest

from activity.models import ActivityLog
from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, key_client, make_key, make_user
from roles.models import Role, RoleMembership


def roles_url(organization) -> str:
    return f"/api/organizations/{organization.id}/roles/"


def entries() -> list[dict]:
    return [
        {
            "scope": entry.scope,
            "activity": entry.activity,
            "item_id": entry.item_id,
            "user_id": entry.user_id,
            "is_system": entry.is_system,
            "was_impersonated": entry.was_impersonated,
            "team_id": entry.team_id,
            "organization_id": entry.organization_id,
            "detail": entry.detail,
        }
        for entry in ActivityLog.objects.filter(scope="Role").order_by("created_at", "id")
    ]


def entry(role_id, activity: str, user, organization, name: str, changes=None) -> dict:
    return {
        "scope": "Role",
        "activity": activity,
        "item_id": str(role_id),
        "user_id": user.id,
        "is_system": False,
        "was_impersonated": False,
        "team_id": None,
        "organization_id": organization.id,
        "detail": {
            "name": name,
            "short_id": None,
            "type": None,
            "changes": changes,
            "trigger": None,
            "context": None,
        },
    }


@pytest.fixture
def grace(organization):
    person = make_user(first_name="Grace", email="grace@example.com")
    add_member(organization, person, level=OrganizationMembership.Level.MEMBER)
    return person


def test_role_writes_and_membership_changes_are_recorded(client, user, organization, grace):
    role_id = client.post(roles_url(organization), {"name": "Engineers"}).json()["id"]
    client.patch(f"{roles_url(organization)}{role_id}/", {"name": "Builders", "feature_flags_access_level": 21})
    membership_id = client.post(
        f"{roles_url(organization)}{role_id}/role_memberships/", {"user_uuid": str(grace.uuid)}
    ).json()["id"]
    client.delete(f"{roles_url(organization)}{role_id}/role_memberships/{membership_id}/")
    client.delete(f"{roles_url(organization)}{role_id}/")

    grace_value = {"first_name": "Grace", "email": "grace@example.com"}
    assert entries() == [
        entry(role_id, "created", user, organization, "Engineers"),
        entry(
            role_id,
            "updated",
            user,
            organization,
            "Builders",
            changes=[
                {"type": "Role", "action": "changed", "field": "name", "before": "Engineers", "after": "Builders"},
                {
                    "type": "Role",
                    "action": "changed",
                    "field": "feature_flags_access_level",
                    "before": 37,
                    "after": 21,
                },
            ],
        ),
        entry(
            role_id,
            "updated",
            user,
            organization,
            "Builders",
            changes=[{"type": "Role", "action": "created", "field": "members", "before": None, "after": grace_value}],
        ),
        entry(
            role_id,
            "updated",
            user,
            organization,
            "Builders",
            changes=[{"type": "Role", "action": "deleted", "field": "members", "before": grace_value, "after": None}],
        ),
        entry(role_id, "deleted", user, organization, "Builders"),
    ]
    assert not Role.objects.exists()


def test_an_update_that_changes_nothing_is_not_recorded(client, organization):
    role_id = client.post(roles_url(organization), {"name": "Engineers"}).json()["id"]

    assert client.patch(f"{roles_url(organization)}{role_id}/", {"name": "Engineers"}).status_code == 200
    assert client.patch(f"{roles_url(organization)}{role_id}/", {}).status_code == 200

    assert [e["activity"] for e in entries()] == ["created"]


def test_refused_writes_record_nothing(organization, grace):
    role = Role.objects.create(organization=organization, name="Engineers")
    member_client = key_client(make_key(grace))

    assert member_client.post(roles_url(organization), {"name": "Mine"}).status_code == 403
    assert member_client.patch(f"{roles_url(organization)}{role.id}/", {"name": "Mine"}).status_code == 403
    assert member_client.delete(f"{roles_url(organization)}{role.id}/").status_code == 403

    assert entries() == []


def test_failed_writes_record_nothing(client, user, organization):
    role = Role.objects.create(organization=organization, name="Engineers")
    RoleMembership.objects.create(
        role=role, user=user, organization_member=OrganizationMembership.objects.get(user=user)
    )

    assert client.post(roles_url(organization), {"name": "engineers"}).status_code == 400
    url = f"{roles_url(organization)}{role.id}/role_memberships/"
    assert client.post(url, {"user_uuid": str(user.uuid)}).status_code == 400

    assert entries() == []
