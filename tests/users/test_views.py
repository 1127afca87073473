import uuid

import pytest
from rest_framework.test import APIClient

from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, error, key_client, make_key, make_organization, make_user, permission_denied
from tests.organizations.bodies import iso, organization_basic_body, organization_body, team_basic_body
from users.models import User

ME = "/api/users/@me/"
NON_STAFF = "As a non-staff user you're only allowed to access the `@me` user instance."
DEFAULT_NOTIFICATIONS = {
    "plugin_disabled": True,
    "error_tracking_issue_assigned": True,
    "discussions_mentioned": True,
    "project_weekly_digest_disabled": {},
    "all_weekly_digest_disabled": False,
}


def me_body(user: User, **changes) -> dict:
    user.refresh_from_db()
    organizations = sorted(
        OrganizationMembership.objects.filter(user=user).select_related("organization"),
        key=lambda m: (m.organization.name, m.organization.id),
    )
    current = next(m for m in organizations if m.organization_id == user.current_organization_id)
    body = {
        "date_joined": iso(user.date_joined),
        "uuid": str(user.uuid),
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "pending_email": None,
        "is_email_verified": None,
        "notification_settings": {**DEFAULT_NOTIFICATIONS, **user.notification_settings},
        "anonymize_data": user.anonymize_data,
        "toolbar_mode": user.toolbar_mode,
        "has_password": user.has_usable_password(),
        "id": user.id,
        "is_staff": user.is_staff,
        "is_impersonated": False,
        "is_impersonated_until": None,
        "sensitive_session_expires_at": None,
        "team": team_basic_body(user.current_team),
        "organization": organization_body(
            current.organization,
            level=current.level,
            member_count=current.organization.memberships.count(),
        ),
        "organizations": [organization_basic_body(m.organization, level=m.level) for m in organizations],
        "events_column_config": user.events_column_config,
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "has_sso_enforcement": False,
        "has_seen_product_intro_for": user.has_seen_product_intro_for,
        "scene_personalisation": [],
        "theme_mode": user.theme_mode,
        "hedgehog_config": user.hedgehog_config,
        "role_at_organization": user.role_at_organization,
    }
    body.update(changes)
    return body


def session_client(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_me_returns_the_whole_user_with_current_organization_and_team(client, user, organization, team):
    response = client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body == me_body(user)
    assert body["organization"]["id"] == str(organization.id)
    assert body["organization"]["membership_level"] == 15
    assert body["team"]["id"] == team.id
    assert body["organizations"] == [organization_basic_body(organization, level=15)]


def test_me_lists_every_organization_of_the_user_by_name(client, user, organization, other_user):
    beta = make_organization(other_user, name="Beta")
    add_member(beta, user, level=OrganizationMembership.Level.ADMIN)
    zeta = make_organization(user, name="Zeta")
    user.refresh_from_db()
    assert user.current_organization_id == zeta.id

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json() == me_body(user)
    assert response.json()["organizations"] == [
        organization_basic_body(organization, level=15),
        organization_basic_body(beta, level=8),
        organization_basic_body(zeta, level=15),
    ]


def test_me_picks_and_saves_the_first_organization_when_none_is_current(other_user, other_organization):
    member = make_user()
    add_member(other_organization, member)
    assert member.current_organization_id is None

    response = key_client(make_key(member)).get(ME)

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.current_organization_id == other_organization.id
    assert member.current_team_id == other_organization.teams.get().id
    assert response.json() == me_body(member)
    assert response.json()["organization"]["membership_level"] == 1


def test_me_of_a_user_without_organizations_has_null_organization_and_team(db):
    loner = make_user()

    response = key_client(make_key(loner)).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert (body["organization"], body["team"], body["organizations"]) == (None, None, [])


def test_me_also_answers_to_the_callers_own_uuid(client, user):
    response = client.get(f"/api/users/{user.uuid}/")

    assert response.status_code == 200
    assert response.json() == me_body(user)


def test_me_answers_the_same_with_a_session(user, organization):
    response = session_client(user).get(ME)

    assert response.status_code == 200
    assert response.json() == me_body(user)


def test_patch_me_updates_own_fields_and_returns_the_whole_user(client, user):
    response = client.patch(
        ME,
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "anonymize_data": True,
            "toolbar_mode": "disabled",
            "theme_mode": "dark",
            "events_column_config": {"active": ["event", "person"]},
            "has_seen_product_intro_for": {"surveys": True},
            "hedgehog_config": {"enabled": True},
            "role_at_organization": "engineering",
        },
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.anonymize_data, user.toolbar_mode, user.theme_mode) == (
        "Grace",
        "Hopper",
        True,
        "disabled",
        "dark",
    )
    assert user.events_column_config == {"active": ["event", "person"]}
    assert user.has_seen_product_intro_for == {"surveys": True}
    assert user.hedgehog_config == {"enabled": True}
    assert user.role_at_organization == "engineering"
    assert response.json() == me_body(user)


def test_patch_me_ignores_read_only_fields(client, user):
    original = me_body(user)

    response = client.patch(
        ME, {"id": 999, "uuid": str(uuid.uuid4()), "distinct_id": "x", "date_joined": "2020-01-01T00:00:00Z"}
    )

    assert response.status_code == 200
    assert response.json() == original


def test_patch_me_changes_email_immediately_without_an_email_backend(client, user):
    response = client.patch(ME, {"email": "new@example.com"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert response.json()["email"] == "new@example.com"
    assert response.json()["pending_email"] is None


def test_patch_me_refuses_an_email_already_taken(client, user, other_user):
    response = client.patch(ME, {"email": other_user.email.upper()})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "unique", "There is already an account with this email address.", "email"
    )
    user.refresh_from_db()
    assert user.email != other_user.email


def test_patch_me_refuses_a_name_longer_than_150_characters(client, user):
    response = client.patch(ME, {"first_name": "x" * 151})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "max_length", "Ensure this field has no more than 150 characters.", "first_name"
    )
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_patch_notification_settings_merges_with_stored_and_default_settings(client, user):
    first = client.patch(ME, {"notification_settings": {"plugin_disabled": False}})
    second = client.patch(
        ME,
        {"notification_settings": {"all_weekly_digest_disabled": True, "project_weekly_digest_disabled": {"1": True}}},
    )
    third = client.patch(ME, {"notification_settings": {"project_weekly_digest_disabled": {"2": False}}})

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert first.json()["notification_settings"] == {**DEFAULT_NOTIFICATIONS, "plugin_disabled": False}
    expected = {
        **DEFAULT_NOTIFICATIONS,
        "plugin_disabled": False,
        "all_weekly_digest_disabled": True,
        "project_weekly_digest_disabled": {"1": True, "2": False},
    }
    assert third.json()["notification_settings"] == expected
    user.refresh_from_db()
    assert user.notification_settings == {
        "plugin_disabled": False,
        "all_weekly_digest_disabled": True,
        "project_weekly_digest_disabled": {"1": True, "2": False},
    }


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        ({"made_up": True}, "Key made_up is not valid as a key for notification settings"),
        ({"plugin_disabled": "yes"}, "yes is not a valid type for notification settings, should be <class 'bool'>"),
        (
            {"project_weekly_digest_disabled": True},
            "project_weekly_digest_disabled must be a dictionary mapping IDs to boolean values",
        ),
        (
            {"project_weekly_digest_disabled": {"1": "no"}},
            "Notification setting values must be boolean, got <class 'str'> instead",
        ),
    ],
)
def test_patch_notification_settings_refuses_unknown_keys_and_wrong_types(client, user, settings, detail):
    response = client.patch(ME, {"notification_settings": settings, "first_name": "Changed"})

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", detail, "notification_settings")
    user.refresh_from_db()
    assert (user.notification_settings, user.first_name) == ({}, "Ada")


def test_set_current_organization_switches_organization_and_its_first_team(client, user, organization, other_user):
    other = make_organization(other_user, name="Other")
    add_member(other, user)

    response = client.patch(ME, {"set_current_organization": str(other.id)})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.current_organization_id == other.id
    assert user.current_team_id == other.teams.get().id
    assert response.json() == me_body(user)
    assert response.json()["organization"]["membership_level"] == 1


@pytest.mark.parametrize("value", ["not-a-uuid", str(uuid.uuid4()), "other"])
def test_set_current_organization_refuses_organizations_the_user_is_not_in(
    client, user, organization, other_organization, value
):
    value = str(other_organization.id) if value == "other" else value

    response = client.patch(ME, {"set_current_organization": value})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "does_not_exist", f"Object with id={value} does not exist.", "set_current_organization"
    )
    user.refresh_from_db()
    assert user.current_organization_id == organization.id


def test_set_current_team_alone_also_switches_organization(client, user, organization, other_user):
    other = make_organization(other_user, name="Other")
    add_member(other, user)
    other_team = other.teams.get()

    response = client.patch(ME, {"set_current_team": other_team.id})

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (other.id, other_team.id)
    assert response.json()["team"] == team_basic_body(other_team)


@pytest.mark.parametrize("value", ["abc", "999999", "other"])
def test_set_current_team_refuses_teams_the_user_cannot_reach(client, user, team, other_organization, value):
    value = str(other_organization.teams.get().id) if value == "other" else value

    response = client.patch(ME, {"set_current_team": value})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "does_not_exist", f"Object with id={value} does not exist.", "set_current_team"
    )
    user.refresh_from_db()
    assert user.current_team_id == team.id


def test_set_current_team_must_belong_to_set_current_organization(client, user, organization, team, other_user):
    other = make_organization(other_user, name="Other")
    add_member(other, user)

    response = client.patch(ME, {"set_current_organization": str(other.id), "set_current_team": team.id})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "Team must belong to the same organization in set_current_organization.",
        "set_current_team",
    )
    user.refresh_from_db()
    assert user.current_organization_id == organization.id


def test_set_current_organization_and_team_together(client, user, team, other_user):
    other = make_organization(other_user, name="Other")
    add_member(other, user)
    client.patch(ME, {"set_current_organization": str(other.id)})

    response = client.patch(ME, {"set_current_organization": str(team.organization_id), "set_current_team": team.id})

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.current_organization_id, user.current_team_id) == (team.organization_id, team.id)


def test_password_change_requires_the_current_password(client, user):
    response = client.patch(ME, {"password": "a-new-Secret-456"})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "required", "This field is required when updating your password.", "current_password"
    )
    user.refresh_from_db()
    assert user.check_password("pw-Secret-123")


def test_password_change_refuses_a_wrong_current_password(client, user):
    response = client.patch(ME, {"password": "a-new-Secret-456", "current_password": "wrong"})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "incorrect_password", "Your current password is incorrect.", "current_password"
    )
    user.refresh_from_db()
    assert user.check_password("pw-Secret-123")


def test_password_change_runs_the_password_validators(client, user):
    response = client.patch(ME, {"password": "short", "current_password": "pw-Secret-123"})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "invalid_input",
        "This password is too short. It must contain at least 8 characters.",
        "password",
    )
    user.refresh_from_db()
    assert user.check_password("pw-Secret-123")


def test_password_change_with_the_current_password(client, user):
    response = client.patch(ME, {"password": "a-new-Secret-456", "current_password": "pw-Secret-123"})

    assert response.status_code == 200
    assert "password" not in response.json() and "current_password" not in response.json()
    assert response.json()["has_password"] is True
    user.refresh_from_db()
    assert user.check_password("a-new-Secret-456")


def test_user_without_a_password_sets_one_without_current_password(db):
    passwordless = User.objects.create_user(email="nopw@example.com", password=None)
    client = key_client(make_key(passwordless))
    assert client.get(ME).json()["has_password"] is False

    response = client.patch(ME, {"password": "a-new-Secret-456"})

    assert response.status_code == 200
    assert response.json()["has_password"] is True
    passwordless.refresh_from_db()
    assert passwordless.check_password("a-new-Secret-456")


@pytest.mark.parametrize("value", [True, False])
def test_non_staff_user_cannot_send_is_staff(client, user, value):
    response = client.patch(ME, {"is_staff": value, "first_name": "Changed"})

    assert response.status_code == 403
    assert response.json() == permission_denied("You are not a staff user, contact your instance admin.")
    user.refresh_from_db()
    assert (user.is_staff, user.first_name) == (False, "Ada")


def test_staff_user_can_change_is_staff(db):
    staff = make_user(is_staff=True)

    response = key_client(make_key(staff)).patch(ME, {"is_staff": False})

    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.is_staff is False


@pytest.mark.parametrize("value", ["ceo", ""])
def test_role_at_organization_must_be_one_of_the_choices(client, user, value):
    response = client.patch(ME, {"role_at_organization": value})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_choice", f'"{value}" is not a valid choice.', "role_at_organization"
    )
    user.refresh_from_db()
    assert user.role_at_organization is None


def test_non_staff_user_cannot_read_or_edit_another_user(client, user, other_user):
    url = f"/api/users/{other_user.uuid}/"

    responses = [client.get(url), client.patch(url, {"first_name": "Mallory"})]

    assert [r.status_code for r in responses] == [403, 403]
    assert [r.json() for r in responses] == [permission_denied(NON_STAFF)] * 2
    other_user.refresh_from_db()
    assert other_user.first_name == "Eve"


def test_non_staff_user_gets_the_same_refusal_for_unknown_uuids(client):
    response = client.get(f"/api/users/{uuid.uuid4()}/")

    assert response.status_code == 403
    assert response.json() == permission_denied(NON_STAFF)


def test_staff_user_can_read_another_user(other_user, other_organization):
    staff = make_user(is_staff=True)
    client = key_client(make_key(staff))

    response = client.get(f"/api/users/{other_user.uuid}/")
    missing = client.get(f"/api/users/{uuid.uuid4()}/")

    assert response.status_code == 200
    assert response.json() == me_body(other_user)
    assert missing.status_code == 404


def test_list_users_shows_only_the_caller_to_non_staff(client, user, other_user):
    response = client.get("/api/users/")

    assert response.status_code == 200
    assert response.json() == {"count": 1, "next": None, "previous": None, "results": [me_body(user)]}


def test_list_users_shows_everyone_to_staff_and_filters_by_email(user, organization, other_user, other_organization):
    staff = make_user(is_staff=True)
    client = key_client(make_key(staff))

    everyone = client.get("/api/users/")
    filtered = client.get("/api/users/", {"email": other_user.email})

    assert [row["email"] for row in everyone.json()["results"]] == [user.email, other_user.email, staff.email]
    assert filtered.json() == {"count": 1, "next": None, "previous": None, "results": [me_body(other_user)]}


def test_user_read_key_can_read_but_not_edit(user, organization):
    client = key_client(make_key(user, scopes=["user:read"]))

    read = client.get(ME)
    write = client.patch(ME, {"first_name": "Changed"})

    assert read.status_code == 200
    assert read.json() == me_body(user)
    assert write.status_code == 403
    assert write.json() == permission_denied("API key missing required scope 'user:write'")
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_key_without_user_scope_cannot_read_me(user, organization):
    response = key_client(make_key(user, scopes=["organization:read"])).get(ME)

    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'user:read'")


def test_keys_scoped_to_teams_or_organizations_still_read_me(user, organization, team, other_organization):
    team_key = make_key(user, scopes=["user:read"], scoped_teams=[team.id])
    org_key = make_key(user, scopes=["user:read"], scoped_organizations=[str(organization.id)])

    responses = [key_client(team_key).get(ME), key_client(org_key).get(ME)]

    assert [r.status_code for r in responses] == [200, 200]


def test_users_cannot_be_created_or_deleted(user):
    client = session_client(user)

    create = client.post("/api/users/", {"email": "x@example.com"})
    delete = client.delete(ME)

    assert (create.status_code, delete.status_code) == (405, 405)
    assert User.objects.filter(pk=user.pk).exists()


def _queries_for_me(client, django_assert_num_queries, count: int) -> None:
    client.get(ME)  # touches last_used_at once
    with django_assert_num_queries(count):
        assert client.get(ME).status_code == 200


ME_QUERIES = 2  # key with its user; organizations with level, the current one's member count, teams, projects


def test_me_runs_a_constant_number_of_queries(client, user, organization, other_user, django_assert_num_queries):
    _queries_for_me(client, django_assert_num_queries, ME_QUERIES)
    for name in ("Second", "Third"):
        add_member(make_organization(other_user, name=name), user)

    _queries_for_me(client, django_assert_num_queries, ME_QUERIES)
    assert len(client.get(ME).json()["organizations"]) == 3
