import json

from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIClient

from posthog_api.permissions import APIScopePermission, TenantMemberPermission
from posthog_api.testing import key_client, make_key, make_organization, make_user, permission_denied
from tests.posthog_api.routes import registered_routes, tenant_values

NOT_A_PROJECT_MEMBER = permission_denied("You don't have access to the project.")
NOT_AN_ORGANIZATION_MEMBER = permission_denied()


def nested_routes():
    return [route for route in registered_routes() if route.tenant is not None]


def expected_refusal(route) -> dict:
    return NOT_AN_ORGANIZATION_MEMBER if route.tenant == "organization_id" else NOT_A_PROJECT_MEMBER


def test_every_nested_view_checks_membership_with_the_shared_stack_before_its_own_rules():
    viewsets = {route.viewset for route in nested_routes()}
    assert viewsets
    for viewset in viewsets:
        assert not hasattr(viewset, "dangerously_get_permissions"), viewset
        stack = [type(permission) for permission in viewset().get_permissions()]
        assert stack == [IsAuthenticated, APIScopePermission, TenantMemberPermission, *viewset.permission_classes]


def test_a_non_member_is_refused_on_every_nested_list_route_and_sees_no_data(team):
    stranger = make_user()
    make_organization(stranger)
    stranger_client = key_client(make_key(stranger))
    list_routes = [route for route in nested_routes() if route.actions.get("get") == "list"]
    assert {"organization_roles-list", "project_project_secret_api_keys-list"} <= {r.name for r in list_routes}

    answers = {}
    for route in list_routes:
        path = route.path(**tenant_values(team))
        response = stranger_client.get(path)
        answers[path] = (response.status_code, response.json())

    expected = {route.path(**tenant_values(team)): (403, expected_refusal(route)) for route in list_routes}
    assert answers == expected


def test_a_non_member_is_refused_every_method_of_every_nested_route(team):
    # A session, so that no API-key scope rule answers first: only membership can refuse.
    stranger = make_user()
    make_organization(stranger)
    session = APIClient()
    session.force_login(stranger)

    answers = {}
    for route in nested_routes():
        path = route.path(**tenant_values(team))
        for method in route.actions:
            response = session.generic(method.upper(), path, json.dumps({}), content_type="application/json")
            answers[f"{method.upper()} {path}"] = (response.status_code, response.json())

    # A made-up detail id may be looked up before membership is checked; then it is simply not found.
    refused = {
        request: answer
        for request, answer in answers.items()
        if answer[0] == 403
        and answer[1] in (NOT_A_PROJECT_MEMBER, NOT_AN_ORGANIZATION_MEMBER)
        or answer[0] == 404
        and answer[1]["type"] == "invalid_request"
    }
    assert {request: answer for request, answer in answers.items() if request not in refused} == {}
    assert len(answers) >= 30


def test_membership_of_another_organization_does_not_open_this_one(user, team):
    # The caller belongs to two organizations; only the one in the URL counts.
    own_team = make_organization(user, name="Second").teams.get()
    outsider_team = make_organization(make_user()).teams.get()
    client = key_client(make_key(user))

    for route in nested_routes():
        if route.actions.get("get") != "list":
            continue
        own = client.get(route.path(**tenant_values(own_team)))
        assert own.status_code != 403, (route.name, own.json())
        response = client.get(route.path(**tenant_values(outsider_team)))
        assert (response.status_code, response.json()) == (403, expected_refusal(route)), route.name
