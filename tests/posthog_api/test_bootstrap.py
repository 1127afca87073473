import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api_keys.models import PersonalAPIKey
from organizations.models import Organization, OrganizationMembership
from posthog_api.testing import key_client, make_key, make_user
from projects.models import Team
from users.models import User

KEYS = {"email", "organization_id", "project_id", "project_api_token", "personal_api_key"}


def bootstrap(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def bootstrap_json(email: str) -> dict:
    return json.loads(bootstrap("--json", "--email", email))


def test_bootstrap_creates_user_organization_project_and_a_working_key(db):
    result = bootstrap_json("founder@example.com")

    assert set(result) == KEYS
    user = User.objects.get(email="founder@example.com")
    team = Team.objects.get(organization_id=result["organization_id"])
    assert result == {
        "email": "founder@example.com",
        "organization_id": str(team.organization_id),
        "project_id": team.project_id,
        "project_api_token": team.api_token,
        "personal_api_key": result["personal_api_key"],
    }
    assert result["personal_api_key"].startswith("phx_")
    assert (user.is_staff, user.has_usable_password()) == (True, False)
    membership = OrganizationMembership.objects.get(user=user)
    assert (str(membership.organization_id), membership.level) == (result["organization_id"], 15)
    organization = Organization.objects.get(pk=result["organization_id"])
    assert (organization.name, organization.plugins_access_level) == ("Default organization", 9)
    assert PersonalAPIKey.objects.get(user=user).scopes == ["*"]
    response = key_client(result["personal_api_key"]).get("/api/users/@me/")
    assert response.status_code == 200
    assert response.json()["email"] == "founder@example.com"
    assert response.json()["team"]["id"] == result["project_id"]


def test_bootstrap_again_returns_the_same_ids_and_a_new_working_key(db):
    first = bootstrap_json("founder@example.com")
    second = bootstrap_json("FOUNDER@example.com")

    assert {k: v for k, v in second.items() if k != "personal_api_key"} == {
        k: v for k, v in first.items() if k != "personal_api_key"
    }
    assert second["personal_api_key"] != first["personal_api_key"]
    assert (User.objects.count(), Organization.objects.count(), Team.objects.count()) == (1, 1, 1)
    for value in (first["personal_api_key"], second["personal_api_key"]):
        assert key_client(value).get("/api/users/@me/").status_code == 200


def test_bootstrap_with_a_new_email_creates_a_new_user_organization_and_project(db):
    first = bootstrap_json("one@example.com")
    second = bootstrap_json("two@example.com")

    assert second["email"] == "two@example.com"
    assert second["organization_id"] != first["organization_id"]
    assert second["project_id"] != first["project_id"]
    assert second["project_api_token"] != first["project_api_token"]
    me = key_client(second["personal_api_key"]).get("/api/users/@me/").json()
    assert (me["email"], me["organization"]["id"]) == ("two@example.com", second["organization_id"])


def test_bootstrap_prints_the_key_in_text_form(db):
    output = bootstrap("--email", "text@example.com", "--organization-name", "Text Org")

    value = PersonalAPIKey.objects.get(user__email="text@example.com")
    assert "The personal API key is shown only this once" in output
    assert value.mask_value[-4:] in output
    assert Organization.objects.get().name == "Text Org"


def test_bootstrap_if_empty_does_nothing_once_a_user_exists(db):
    make_user()

    output = bootstrap("--if-empty", "--email", "late@example.com")

    assert output.startswith("Already bootstrapped.")
    assert not User.objects.filter(email="late@example.com").exists()
    assert PersonalAPIKey.objects.count() == 0


def test_bootstrap_if_empty_on_an_empty_database_bootstraps(db):
    result = json.loads(bootstrap("--if-empty", "--json", "--email", "first@example.com"))

    assert set(result) == KEYS


def test_bootstrap_gives_an_existing_user_without_organizations_one(db):
    make_user(email="lonely@example.com")

    result = bootstrap_json("lonely@example.com")

    team = Team.objects.get(project_id=result["project_id"])
    assert OrganizationMembership.objects.get(user__email="lonely@example.com").organization_id == team.organization_id


def test_bootstrap_at_the_key_limit_replaces_its_oldest_own_key(db):
    first = bootstrap_json("full@example.com")
    user = User.objects.get(email="full@example.com")
    for _ in range(9):
        make_key(user)

    second = bootstrap_json("full@example.com")

    assert PersonalAPIKey.objects.filter(user=user).count() == 10
    assert key_client(first["personal_api_key"]).get("/api/users/@me/").status_code == 401
    assert key_client(second["personal_api_key"]).get("/api/users/@me/").status_code == 200


def test_bootstrap_never_removes_keys_made_by_hand(db):
    bootstrap_json("manual@example.com")
    user = User.objects.get(email="manual@example.com")
    PersonalAPIKey.objects.filter(user=user).update(label="kept")
    for _ in range(9):
        make_key(user)

    with pytest.raises(CommandError, match="already has 10 personal API keys"):
        bootstrap_json("manual@example.com")
    assert PersonalAPIKey.objects.filter(user=user).count() == 10
