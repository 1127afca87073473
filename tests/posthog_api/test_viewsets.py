import pytest
from rest_framework import viewsets

from posthog_api.testing import add_member, key_client, make_key
from posthog_api.viewsets import TenantScopedViewSet
from projects.models import Team
from projects.services import project_create
from tests.posthog_api.views_for_tests import ProjectThingViewSet

pytestmark = pytest.mark.urls("tests.posthog_api.urls_for_tests")


@pytest.mark.parametrize(
    ("method", "instead"),
    [
        ("get_queryset", "safely_get_queryset"),
        ("get_object", "safely_get_object"),
        ("get_permissions", "permission_classes or dangerously_get_permissions"),
        ("get_authenticators", "authentication_classes"),
    ],
)
def test_overriding_a_protected_method_fails_at_class_creation(method, instead):
    with pytest.raises(TypeError) as raised:
        type("SneakyViewSet", (TenantScopedViewSet, viewsets.ModelViewSet), {method: lambda self: None})
    assert str(raised.value) == f"SneakyViewSet must not override {method}; use {instead} instead."


def test_overriding_a_protected_method_fails_in_subclasses_of_subclasses_too():
    with pytest.raises(TypeError):
        type("SneakierViewSet", (ProjectThingViewSet,), {"get_queryset": lambda self: Team.objects.all()})


def test_safe_hooks_may_be_overridden():
    hooks = {"safely_get_queryset": lambda self, queryset: queryset, "safely_get_object": lambda self, queryset: None}
    subclass = type("FineViewSet", (ProjectThingViewSet,), hooks)
    assert issubclass(subclass, TenantScopedViewSet)


def test_viewset_without_scope_object_cannot_answer_keys():
    view = type("UnscopedViewSet", (TenantScopedViewSet, viewsets.ModelViewSet), {})()
    with pytest.raises(TypeError, match="declares no scope_object"):
        view.required_scopes_for("list", "GET")


@pytest.fixture
def layout(user, organization, team, other_organization):
    """Teams in three places: this project (two environments), another project here, another organization."""
    add_member(other_organization, user)
    staging = team.project.teams.create(organization=organization, name="Staging")
    _, second_team = project_create(organization=organization, name="Second")
    return {"team": team, "staging": staging, "second": second_team, "other": other_organization.teams.get()}


def listed_ids(response) -> list[int]:
    assert response.status_code == 200
    return [thing["id"] for thing in response.json()["results"]]


def test_project_queryset_is_narrowed_to_the_project_in_the_url(client, layout):
    team, staging = layout["team"], layout["staging"]
    assert listed_ids(client.get(f"/api/projects/{team.project_id}/test_things/")) == [team.id, staging.id]
    second = layout["second"]
    assert listed_ids(client.get(f"/api/projects/{second.project_id}/test_things/")) == [second.id]


def test_environment_queryset_is_narrowed_to_the_environment_in_the_url(client, layout):
    staging = layout["staging"]
    assert listed_ids(client.get(f"/api/environments/{staging.id}/test_things/")) == [staging.id]


def test_organization_queryset_is_narrowed_to_the_organization_in_the_url(client, organization, layout):
    expected = sorted([layout["team"].id, layout["staging"].id, layout["second"].id])
    assert listed_ids(client.get(f"/api/organizations/{organization.id}/test_things/")) == expected
    other = layout["other"]
    assert listed_ids(client.get(f"/api/organizations/{other.organization_id}/test_things/")) == [other.id]


def test_tenant_comes_from_the_url_not_the_users_current_team(client, user, layout):
    second = layout["second"]
    assert user.current_team_id == layout["team"].id
    response = client.get(f"/api/projects/{second.project_id}/test_things/tenant/")
    assert response.json() == {
        "organization": str(second.organization_id),
        "project": second.project_id,
        "team": second.id,
        "membership_level": 15,
    }


def test_create_writes_into_the_tenant_of_the_url(client, layout):
    second = layout["second"]
    response = client.post(f"/api/projects/{second.project_id}/test_things/", {"name": "Preview"}, format="json")
    assert response.status_code == 201
    created = Team.objects.get(pk=response.json()["id"])
    assert (created.project_id, created.organization_id, created.name) == (
        second.project_id,
        second.organization_id,
        "Preview",
    )


def test_list_query_count_does_not_grow_with_rows(user, layout, django_assert_num_queries):
    team = layout["team"]
    client = key_client(make_key(user))
    client.get("/api/users/@me/")  # the key's first use writes last_used_at
    url = f"/api/projects/{team.project_id}/test_things/"
    with django_assert_num_queries(4):  # the environment comes with the caller's membership
        assert len(client.get(url).json()["results"]) == 2
    for index in range(5):
        team.project.teams.create(organization=team.organization, name=f"Extra {index}")
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 7
