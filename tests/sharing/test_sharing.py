import datetime

import pytest
from django.utils import timezone

from posthog_api.testing import add_member, error, key_client, make_key, make_user, not_found, permission_denied
from projects.services import project_delete
from sharing import services
from sharing.models import SharePassword, SharingConfiguration
from tests.organizations.bodies import iso
from tests.sharing.builders import (
    ADVANCED_PERMISSIONS,
    SECURITY_SETTINGS,
    activity_entries,
    configuration_body,
    detail,
    give_features,
    make_insight,
    password_body,
)

SHARING_ON = {"type": "Insight", "action": "changed", "field": "sharing", "before": None, "after": True}


def sharing_url(team, insight, suffix: str = "", root: str = "projects") -> str:
    parent = team.project_id if root == "projects" else team.id
    return f"/api/{root}/{parent}/insights/{insight.id}/sharing/{suffix}"


@pytest.fixture
def insight(team, user):
    return make_insight(team, user)


@pytest.fixture
def protected(client, organization, team, insight):
    """An enabled, password-protected share in an organization with advanced permissions."""
    give_features(organization, ADVANCED_PERMISSIONS)
    client.patch(sharing_url(team, insight), {"enabled": True, "password_required": True}, format="json")
    return SharingConfiguration.objects.get()


# --- GET ---


def test_get_before_any_patch_shows_an_unsaved_disabled_configuration(client, team, insight):
    first = client.get(sharing_url(team, insight))
    second = client.get(sharing_url(team, insight))

    assert first.status_code == 200
    body = first.json()
    assert body == {
        "created_at": None,
        "enabled": False,
        "access_token": body["access_token"],
        "settings": None,
        "password_required": False,
        "share_passwords": [],
    }
    assert len(body["access_token"]) >= 22
    assert second.json()["access_token"] != body["access_token"]
    assert not SharingConfiguration.objects.exists()


@pytest.mark.parametrize("root", ["projects", "environments"])
def test_patch_enables_sharing_and_logs_it(client, user, team, insight, root):
    response = client.patch(sharing_url(team, insight, root=root), {"enabled": True}, format="json")

    assert response.status_code == 200
    configuration = SharingConfiguration.objects.get()
    assert (configuration.team_id, configuration.insight_id, configuration.expires_at) == (team.id, insight.id, None)
    assert response.json() == configuration_body(configuration)
    assert response.json()["created_at"] is not None
    assert client.get(sharing_url(team, insight, root=root)).json() == response.json()
    assert activity_entries()[-1] == {
        "activity": "sharing enabled",
        "item_id": str(insight.id),
        "user_id": user.id,
        "is_system": False,
        "team_id": team.id,
        "organization_id": None,
        "detail": detail(insight, changes=[SHARING_ON]),
    }


def test_disabling_keeps_the_token_and_reenabling_reuses_it(client, team, insight):
    token = client.patch(sharing_url(team, insight), {"enabled": True}, format="json").json()["access_token"]

    disabled = client.patch(sharing_url(team, insight), {"enabled": False}, format="json").json()
    enabled = client.patch(sharing_url(team, insight), {"enabled": True}, format="json").json()

    assert (disabled["enabled"], disabled["access_token"]) == (False, token)
    assert enabled["access_token"] == token
    assert [entry["activity"] for entry in activity_entries()[-3:]] == [
        "sharing enabled",
        "sharing disabled",
        "sharing enabled",
    ]
    assert activity_entries()[-2]["detail"]["changes"][0]["after"] is False


def test_settings_keep_known_keys_and_drop_nulls(client, team, insight):
    settings = {"legend": True, "noHeader": "false", "theme": "dark", "whitelabel": None, "unknown": 1}

    response = client.patch(sharing_url(team, insight), {"settings": settings}, format="json")

    assert response.status_code == 200
    assert response.json()["settings"] == {"legend": True, "noHeader": False, "theme": "dark"}


@pytest.mark.parametrize("settings", [{"theme": "neon"}, {"legend": "maybe"}, ["legend"], "legend"])
def test_invalid_settings_are_a_400(client, team, insight, settings):
    response = client.patch(sharing_url(team, insight), {"settings": settings}, format="json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Invalid settings format", "settings")
    assert not SharingConfiguration.objects.exists()


def test_a_non_boolean_enabled_is_a_400(client, team, insight):
    response = client.patch(sharing_url(team, insight), {"enabled": "often"}, format="json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Must be a valid boolean.", "enabled")


@pytest.mark.parametrize(("suffix", "method"), [("", "patch"), ("passwords/", "post"), ("refresh/", "post")])
@pytest.mark.parametrize("body", ["5", '"enabled"', "[1]"])
def test_a_body_that_is_not_an_object_is_refused_without_a_500(client, team, insight, protected, suffix, method, body):
    response = client.generic(method.upper(), sharing_url(team, insight, suffix), body, content_type="application/json")

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["type"] == "validation_error"


def test_password_protection_needs_advanced_permissions(client, team, insight):
    response = client.patch(sharing_url(team, insight), {"password_required": True}, format="json")

    assert response.status_code == 403
    assert response.json() == {"error": "Sharing with password requires the Advanced Permissions feature"}
    assert not SharingConfiguration.objects.exists()


def test_public_sharing_can_be_switched_off_only_with_the_security_feature(client, organization, team, insight):
    organization.allow_publicly_shared_resources = False
    organization.save(update_fields=["allow_publicly_shared_resources"])
    assert client.patch(sharing_url(team, insight), {"enabled": True}, format="json").status_code == 200

    give_features(organization, SECURITY_SETTINGS)
    response = client.patch(sharing_url(team, insight), {"enabled": True}, format="json")

    assert response.status_code == 403
    assert response.json() == permission_denied("Public sharing is disabled for this organization.")
    assert client.patch(sharing_url(team, insight), {"enabled": False}, format="json").status_code == 200


def test_a_deleted_insight_is_still_found_but_an_unknown_one_is_not(client, team, insight):
    insight.deleted = True
    insight.save()

    assert client.get(sharing_url(team, insight)).status_code == 200
    unknown = client.get(f"/api/projects/{team.project_id}/insights/999999/sharing/")
    malformed = client.get(f"/api/projects/{team.project_id}/insights/abc/sharing/")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json() == malformed.json() == not_found("Insight not found.")


# --- Refresh ---


def test_refresh_rotates_the_token_keeps_the_rest_and_gives_the_old_token_a_grace_period(
    client, user, team, insight, protected
):
    password = SharePassword.objects.create(sharing_configuration=protected, password_hash="x", created_by=user)
    old_token = protected.access_token

    response = client.post(sharing_url(team, insight, "refresh/"))

    assert response.status_code == 200
    current = SharingConfiguration.objects.get(expires_at__isnull=True)
    assert response.json() == configuration_body(current)
    assert current.access_token != old_token
    assert (current.enabled, current.password_required) == (True, True)
    [copied] = current.share_passwords.all()
    assert (copied.password_hash, copied.created_by_id, copied.id != password.id) == ("x", user.id, True)
    protected.refresh_from_db()
    grace = protected.expires_at - timezone.now()
    assert datetime.timedelta(seconds=290) < grace <= datetime.timedelta(seconds=300)
    assert activity_entries()[-1] == {
        "activity": "access token refreshed",
        "item_id": str(insight.id),
        "user_id": user.id,
        "is_system": False,
        "team_id": team.id,
        "organization_id": None,
        "detail": detail(insight),
    }


def test_refresh_before_any_patch_stores_a_disabled_configuration(client, team, insight):
    response = client.post(sharing_url(team, insight, "refresh/"))

    assert response.status_code == 200
    assert response.json() == configuration_body(SharingConfiguration.objects.get())
    assert response.json()["enabled"] is False


# --- Passwords ---


def test_password_create_returns_the_raw_password_once(client, user, team, insight, protected):
    response = client.post(
        sharing_url(team, insight, "passwords/"), {"raw_password": "correct horse", "note": "For Bob"}, format="json"
    )

    assert response.status_code == 201
    password = SharePassword.objects.get()
    assert response.json() == {
        "id": password.id,
        "password": "correct horse",
        "note": "For Bob",
        "created_at": iso(password.created_at),
        "created_by_email": user.email,
    }
    assert password.check_password("correct horse") and "correct horse" not in password.password_hash
    assert client.get(sharing_url(team, insight)).json()["share_passwords"] == [password_body(password)]


def test_a_password_lands_on_the_current_share_even_after_a_refresh_the_caller_did_not_see(
    user, team, insight, protected
):
    services.sharing_access_token_refresh(insight=insight, user=user, team_id=team.id)  # `protected` is now old

    password, _ = services.share_password_create(insight=insight, created_by=user, raw_password=None, note="")

    current = SharingConfiguration.objects.get(insight=insight, expires_at__isnull=True)
    assert password.sharing_configuration_id == current.id != protected.id


def test_password_create_without_a_password_generates_one(client, team, insight, protected):
    response = client.post(sharing_url(team, insight, "passwords/"), {}, format="json")

    assert response.status_code == 201
    assert len(response.json()["password"]) >= 20
    assert response.json()["note"] == ""
    assert SharePassword.objects.get().check_password(response.json()["password"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"raw_password": "short"}, ("invalid_input", "Password must be at least 8 characters long.", "raw_password")),
        ({"note": "n" * 101}, ("max_length", "Ensure this field has no more than 100 characters.", "note")),
    ],
)
def test_invalid_password_input_is_a_400(client, team, insight, protected, body, expected):
    response = client.post(sharing_url(team, insight, "passwords/"), body, format="json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", *expected)
    assert not SharePassword.objects.exists()


def test_passwords_need_password_protection_first(client, organization, team, insight):
    give_features(organization, ADVANCED_PERMISSIONS)
    client.patch(sharing_url(team, insight), {"enabled": True}, format="json")

    response = client.post(sharing_url(team, insight, "passwords/"), {"raw_password": "long enough"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "Password protection must be enabled before creating passwords"}
    assert not SharePassword.objects.exists()


def test_passwords_need_advanced_permissions(client, organization, team, insight, protected):
    password = SharePassword.objects.create(sharing_configuration=protected, password_hash="x")
    give_features(organization, [])
    needs_feature = {"error": "Password management requires the Advanced Permissions feature"}

    created = client.post(sharing_url(team, insight, "passwords/"), {}, format="json")
    deleted = client.delete(sharing_url(team, insight, f"passwords/{password.id}/"))

    assert (created.status_code, created.json()) == (403, needs_feature)
    assert (deleted.status_code, deleted.json()) == (403, needs_feature)
    assert SharePassword.objects.get().is_active


def test_password_delete_deactivates_it_and_a_second_delete_is_404(client, team, insight, protected):
    password_id = client.post(sharing_url(team, insight, "passwords/"), {}, format="json").json()["id"]

    first = client.delete(sharing_url(team, insight, f"passwords/{password_id}/"))
    second = client.delete(sharing_url(team, insight, f"passwords/{password_id}/"))

    assert first.status_code == 204
    assert SharePassword.objects.get().is_active is False
    assert client.get(sharing_url(team, insight)).json()["share_passwords"] == []
    assert second.status_code == 404
    assert second.json() == not_found("Password not found")


@pytest.mark.parametrize("password_id", ["999999", "abc"])
def test_an_unknown_password_is_404(client, team, insight, protected, password_id):
    response = client.delete(sharing_url(team, insight, f"passwords/{password_id}/"))

    assert response.status_code == 404
    assert response.json() == not_found("Password not found")


def test_a_password_of_another_insight_cannot_be_deleted(client, user, team, insight, protected):
    other = make_insight(team, user, name="Other")
    password_id = client.post(sharing_url(team, insight, "passwords/"), {}, format="json").json()["id"]

    response = client.delete(sharing_url(team, other, f"passwords/{password_id}/"))

    assert response.status_code == 404
    assert SharePassword.objects.get().is_active


# --- Scopes and tenancy ---


@pytest.mark.parametrize(
    ("scopes", "method", "suffix", "status"),
    [
        (["sharing_configuration:read"], "get", "", 200),
        (["sharing_configuration:read"], "patch", "", 403),
        (["sharing_configuration:read"], "post", "refresh/", 403),
        (["sharing_configuration:read"], "post", "passwords/", 403),
        (["insight:write"], "get", "", 403),
        (["sharing_configuration:write"], "get", "", 200),
        (["sharing_configuration:write"], "patch", "", 200),
        (["sharing_configuration:write"], "post", "refresh/", 200),
    ],
)
def test_key_scopes(user, team, insight, scopes, method, suffix, status):
    client = key_client(make_key(user, scopes))

    response = getattr(client, method)(sharing_url(team, insight, suffix), {}, format="json")

    assert response.status_code == status
    if status == 403:
        needed = "sharing_configuration:read" if method == "get" else "sharing_configuration:write"
        assert response.json() == permission_denied(f"API key missing required scope '{needed}'")


def test_another_organization_cannot_see_or_change_the_sharing(team, insight, other_user, other_organization):
    stranger = key_client(make_key(other_user))
    own_team = other_organization.teams.get()
    no_access = permission_denied("You don't have access to the project.")

    for method, suffix in [("get", ""), ("patch", ""), ("post", "refresh/"), ("post", "passwords/")]:
        response = getattr(stranger, method)(sharing_url(team, insight, suffix), {"enabled": True}, format="json")
        assert (response.status_code, response.json()) == (403, no_access)
        response = getattr(stranger, method)(sharing_url(own_team, insight, suffix), {"enabled": True}, format="json")
        assert (response.status_code, response.json()) == (404, not_found("Insight not found."))
    assert not SharingConfiguration.objects.exists()


def test_a_plain_member_manages_sharing(organization, team, insight):
    member = make_user()
    add_member(organization, member)

    response = key_client(make_key(member)).patch(sharing_url(team, insight), {"enabled": True}, format="json")

    assert response.status_code == 200


def test_deleting_the_project_removes_its_insights_and_shares(user, team, insight, protected):
    SharePassword.objects.create(sharing_configuration=protected, password_hash="x")

    project_delete(project=team.project, user=user)

    assert not SharingConfiguration.objects.exists()
    assert not SharePassword.objects.exists()
    assert not type(insight).objects.exists()
