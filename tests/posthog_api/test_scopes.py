import pytest
from rest_framework.test import APIClient

from api_keys.models import PersonalAPIKey
from organizations.models import OrganizationMembership
from posthog_api import scopes
from posthog_api.authentication import hash_key_value
from posthog_api.testing import add_member, key_client, make_key, make_user, not_found, permission_denied
from projects.services import project_create

pytestmark = pytest.mark.urls("tests.posthog_api.urls_for_tests")

UNSUPPORTED = "This action does not support personal API key access"
TEAM_SCOPED_ON_NON_PROJECT = "API keys with scoped projects are only supported on project-based endpoints."


def missing(scope: str) -> dict:
    return permission_denied(f"API key missing required scope '{scope}'")


def things(team) -> str:
    return f"/api/projects/{team.project_id}/test_things/"


@pytest.fixture
def spare_team(organization, team):
    """A second environment of the project, that tests may update or delete."""
    return team.project.teams.create(organization=organization, name="Spare")


# --- §2.1 / §2.3: which scope an action needs, and what a key's scopes grant ---

ACTIONS = {
    "list": ("get", "", None, 200, "feature_flag:read"),
    "retrieve": ("get", "{team}/", None, 200, "feature_flag:read"),
    "options": ("options", "", None, 200, "feature_flag:read"),
    "create": ("post", "", {"name": "New"}, 201, "feature_flag:write"),
    "update": ("put", "{spare}/", {"name": "Renamed"}, 200, "feature_flag:write"),
    "partial_update": ("patch", "{spare}/", {"name": "Renamed"}, 200, "feature_flag:write"),
    "destroy": ("delete", "{spare}/", None, 204, "feature_flag:write"),
    "declared_custom_action": ("post", "declared/", None, 200, "feature_flag:write"),
}
HELD = {
    "read": ["feature_flag:read"],
    "write": ["feature_flag:write"],
    "both": ["feature_flag:read", "feature_flag:write"],
    "wildcard": ["*"],
    "other_object": ["insight:write", "organization:write"],
}


def granted(held: str, required: str) -> bool:
    return held in ("write", "both", "wildcard") or (held == "read" and required.endswith(":read"))


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("action", ACTIONS)
def test_key_scopes_against_the_scope_each_action_requires(user, team, spare_team, action, held):
    method, path, body, success, required = ACTIONS[action]
    url = things(team) + path.format(team=team.id, spare=spare_team.id)
    response = getattr(key_client(make_key(user, scopes=HELD[held])), method)(url, body, format="json")
    if granted(held, required):
        assert response.status_code == success
    else:
        assert response.status_code == 403
        assert response.json() == missing(required)


def test_write_on_one_object_does_not_grant_read_on_another(user, organization):
    client = key_client(make_key(user, scopes=["feature_flag:write"]))
    response = client.get(f"/api/organizations/{organization.id}/")
    assert response.status_code == 403
    assert response.json() == missing("organization:read")


def test_read_scope_does_not_grant_write(user, team):
    client = key_client(make_key(user, scopes=["feature_flag:read"]))
    response = client.patch(f"{things(team)}{team.id}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert response.json() == missing("feature_flag:write")
    team.refresh_from_db()
    assert team.name == "Default project"


def test_key_with_empty_scopes_reaches_nothing(user, key, client, team):
    PersonalAPIKey.objects.filter(secure_value=hash_key_value(key)).update(scopes=[])
    response = client.get(things(team))
    assert response.status_code == 403
    assert response.json() == missing("feature_flag:read")


def test_custom_action_without_declared_scopes_refuses_even_a_wildcard_key(client, team):
    response = client.get(f"{things(team)}undeclared/")
    assert response.status_code == 403
    assert response.json() == permission_denied(UNSUPPORTED)


def test_custom_action_without_declared_scopes_is_open_to_sessions(anonymous, user, team):
    anonymous.force_login(user)
    response = anonymous.get(f"{things(team)}undeclared/")
    assert response.status_code == 200
    assert response.json() == {"reached": True}


def test_sessions_are_not_scope_checked(anonymous, user, team, spare_team):
    anonymous.force_login(user)
    response = anonymous.patch(f"{things(team)}{spare_team.id}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    spare_team.refresh_from_db()
    assert spare_team.name == "Renamed"


def test_unmapped_method_refuses_keys_before_method_not_allowed(client, team):
    response = client.put(things(team), {}, format="json")
    assert response.status_code == 403
    assert response.json() == permission_denied(UNSUPPORTED)


def test_patch_on_a_list_route_needs_write_scope(user, team):
    response = key_client(make_key(user, scopes=["feature_flag:read"])).patch(things(team), {}, format="json")
    assert response.status_code == 403
    assert response.json() == missing("feature_flag:write")


@pytest.mark.parametrize(
    ("action", "method", "read_actions", "write_actions", "expected"),
    [
        ("list", "GET", None, None, ["query:read"]),
        ("retrieve", "GET", None, None, ["query:read"]),
        ("create", "POST", None, None, ["query:write"]),
        ("update", "PUT", None, None, ["query:write"]),
        ("partial_update", "PATCH", None, None, ["query:write"]),
        ("patch", "PATCH", None, None, ["query:write"]),
        ("destroy", "DELETE", None, None, ["query:write"]),
        ("metadata", "OPTIONS", None, None, ["query:read"]),
        ("custom", "POST", None, None, []),
        # Class lists replace the defaults: PostHog's QueryViewSet makes `create` need only query:read.
        ("create", "POST", ["retrieve", "create", "list", "destroy"], [], ["query:read"]),
        ("destroy", "DELETE", ["retrieve", "create", "list", "destroy"], [], ["query:read"]),
        ("custom", "POST", None, ["custom"], ["query:write"]),
        ("update", "PUT", None, ["custom"], []),
    ],
)
def test_required_scope_for_each_action(action, method, read_actions, write_actions, expected):
    required = scopes.required_scopes_for(
        scope_object="query", action=action, method=method, read_actions=read_actions, write_actions=write_actions
    )
    assert required == expected


def test_internal_scope_object_needs_a_scope_no_key_holds():
    assert scopes.required_scopes_for(scope_object=scopes.INTERNAL, action="list", method="GET") == []


@pytest.mark.parametrize(
    ("held", "required", "first_missing"),
    [
        (["feature_flag:read"], ["feature_flag:read"], None),
        (["feature_flag:write"], ["feature_flag:read"], None),
        (["feature_flag:read"], ["feature_flag:write"], "feature_flag:write"),
        (["feature_flag:write"], ["feature_flag:read", "insight:read"], "insight:read"),
        ([], ["user:read"], "user:read"),
    ],
)
def test_write_implies_read_but_not_the_reverse(held, required, first_missing):
    assert scopes.scopes_satisfy(held, required) == first_missing


def test_only_public_scopes_are_valid_for_users():
    assert scopes.is_valid_user_scope("*")
    assert scopes.is_valid_user_scope("feature_flag:write")
    assert not scopes.is_valid_user_scope("feature_flag:delete")
    assert not scopes.is_valid_user_scope("team:read")
    assert not scopes.is_valid_user_scope("internal_run:read")


# --- §2.5: scoped_teams and scoped_organizations ---


@pytest.fixture
def tenants(user, organization, team, other_organization):
    """The user owns `organization` (two projects) and is a plain member of `other_organization`."""
    add_member(other_organization, user)
    _, second_team = project_create(organization=organization, name="Second")
    return {
        "org": organization,
        "team": team,
        "second_team": second_team,
        "other_org": other_organization,
        "other_team": other_organization.teams.get(),
    }


def _url(template: str, tenants: dict) -> str:
    return template.format(**{name: getattr(value, "id", value) for name, value in tenants.items()})


def _expected(outcome, tenants: dict):
    if isinstance(outcome, int):
        return outcome, None
    status, detail = outcome
    if detail is None:
        return status, not_found()
    return status, permission_denied(_url(detail, tenants))


ORG_DENIED = "API key does not have access to the requested organization: ID {other_org}."
ORG_SCOPED_ROWS = [
    ("/api/organizations/{org}/", 200),
    ("/api/organizations/{org}/test_things/", 200),
    ("/api/organizations/{org}/members/", 200),
    ("/api/projects/{team}/test_things/", 200),
    ("/api/environments/{team}/test_things/", 200),
    ("/api/organizations/{other_org}/", (404, None)),
    ("/api/organizations/{other_org}/test_things/", (403, ORG_DENIED)),
    ("/api/projects/{other_team}/test_things/", (403, ORG_DENIED)),
    ("/api/environments/{other_team}/test_things/", (403, ORG_DENIED)),
    ("/api/users/@me/", 200),
]
TEAM_SCOPED_ROWS = [
    ("/api/organizations/", (403, TEAM_SCOPED_ON_NON_PROJECT)),
    ("/api/organizations/{org}/", (403, TEAM_SCOPED_ON_NON_PROJECT)),
    ("/api/organizations/{org}/test_things/", (403, TEAM_SCOPED_ON_NON_PROJECT)),
    ("/api/organizations/{org}/members/", (403, TEAM_SCOPED_ON_NON_PROJECT)),
    ("/api/projects/{team}/test_things/", 200),
    ("/api/projects/{team}/test_things/{team}/", 200),
    ("/api/environments/{team}/test_things/", 200),
    (
        "/api/projects/{second_team}/test_things/",
        (403, "API key does not have access to the requested project: ID {second_team}."),
    ),
    (
        "/api/projects/{other_team}/test_things/",
        (403, "API key does not have access to the requested project: ID {other_team}."),
    ),
    (
        "/api/environments/{other_team}/test_things/",
        (403, "API key does not have access to the requested project: ID {other_team}."),
    ),
    ("/api/users/@me/", 200),
]


@pytest.mark.parametrize(("template", "outcome"), ORG_SCOPED_ROWS)
@pytest.mark.parametrize(
    "held", [["*"], ["feature_flag:read", "organization:read", "organization_member:read", "user:read"]]
)
def test_organization_scoped_key(user, tenants, template, outcome, held):
    client = key_client(make_key(user, scopes=held, scoped_organizations=[str(tenants["org"].id)]))
    response = client.get(_url(template, tenants))
    status, body = _expected(outcome, tenants)
    assert response.status_code == status
    if body is not None:
        assert response.json() == body


@pytest.mark.parametrize(("template", "outcome"), TEAM_SCOPED_ROWS)
def test_team_scoped_key(user, tenants, template, outcome):
    client = key_client(make_key(user, scopes=["*"], scoped_teams=[tenants["team"].id]))
    response = client.get(_url(template, tenants))
    status, body = _expected(outcome, tenants)
    assert response.status_code == status
    if body is not None:
        assert response.json() == body


def test_organization_scoped_key_lists_only_its_organizations(user, tenants):
    client = key_client(make_key(user, scopes=["organization:read"], scoped_organizations=[str(tenants["org"].id)]))
    response = client.get("/api/organizations/")
    assert response.status_code == 200
    assert [organization["id"] for organization in response.json()["results"]] == [str(tenants["org"].id)]


def test_key_scoped_to_teams_and_organizations_needs_both(user, tenants):
    value = make_key(
        user, scopes=["*"], scoped_teams=[tenants["other_team"].id], scoped_organizations=[str(tenants["org"].id)]
    )
    response = key_client(value).get(_url("/api/projects/{other_team}/test_things/", tenants))
    assert response.status_code == 403
    assert response.json() == permission_denied(_url(ORG_DENIED, tenants))


def test_scoping_is_checked_before_the_scope_itself(user, tenants):
    client = key_client(make_key(user, scopes=["insight:read"], scoped_teams=[tenants["team"].id]))
    response = client.get(_url("/api/projects/{other_team}/test_things/", tenants))
    assert response.status_code == 403
    assert response.json() == permission_denied(
        _url("API key does not have access to the requested project: ID {other_team}.", tenants)
    )


def test_scoped_key_still_needs_membership(user, team, other_organization):
    value = make_key(user, scopes=["*"], scoped_teams=[other_organization.teams.get().id])
    response = key_client(value).get(things(other_organization.teams.get()))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")


# --- §2.5 step 2: the organization's switch for personal API keys ---

SECURITY_FEATURE = [{"key": "organization_security_settings", "name": "Organization security settings"}]
KEYS_DISALLOWED = (
    "Organization 'Acme' does not allow using personal API keys. "
    "Contact an admin to enable personal API keys for this organization."
)


@pytest.fixture
def member(organization):
    member = make_user()
    add_member(organization, member, OrganizationMembership.Level.MEMBER)
    return member


def _disallow_keys(organization, features=SECURITY_FEATURE) -> None:
    organization.members_can_use_personal_api_keys = False
    organization.available_product_features = features
    organization.save(update_fields=["members_can_use_personal_api_keys", "available_product_features"])


def test_organization_switch_refuses_keys_of_members(member, organization, team):
    _disallow_keys(organization)
    client = key_client(make_key(member))
    for url in (things(team), f"/api/organizations/{organization.id}/test_things/"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == permission_denied(KEYS_DISALLOWED)


def test_organization_switch_spares_admins_sessions_and_me(member, organization, team, client):
    _disallow_keys(organization)
    assert client.get(things(team)).status_code == 200  # the owner's key
    assert key_client(make_key(member)).get("/api/users/@me/").status_code == 200
    session = APIClient()
    session.force_login(member)
    assert session.get(things(team)).status_code == 200


def test_organization_switch_needs_the_security_feature(member, organization, team):
    _disallow_keys(organization, features=[])
    assert key_client(make_key(member)).get(things(team)).status_code == 200
