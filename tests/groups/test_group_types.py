from rest_framework.test import APIClient

from groups.models import Group, GroupTypeMapping
from posthog_api.testing import key_client, make_key, make_organization, make_user, not_found, permission_denied
from tests.persons.builders import iso, make_group, make_group_type


def types_url(team, suffix: str = "") -> str:
    return f"/api/projects/{team.project_id}/groups_types/{suffix}"


def type_body(mapping: GroupTypeMapping) -> dict:
    mapping.refresh_from_db()
    return {
        "group_type": mapping.group_type,
        "group_type_index": mapping.group_type_index,
        "name_singular": mapping.name_singular,
        "name_plural": mapping.name_plural,
        "detail_dashboard": mapping.detail_dashboard,
        "default_columns": mapping.default_columns,
        "created_at": iso(mapping.created_at),
    }


def test_list_answers_the_projects_group_types_by_index(client, team):
    second = make_group_type(team, "project", 1)
    first = make_group_type(team, "company", 0)
    response = client.get(types_url(team))
    assert response.status_code == 200
    assert response.json() == [type_body(first), type_body(second)]


def test_delete_removes_the_type_and_its_groups(client, team):
    make_group_type(team, "company", 0)
    kept = make_group_type(team, "project", 1)
    make_group(team, 0, "acme")
    make_group(team, 1, "apollo")
    assert client.delete(types_url(team, "0/")).status_code == 204
    assert list(GroupTypeMapping.objects.all()) == [kept]
    assert list(Group.objects.values_list("group_key", flat=True)) == ["apollo"]
    assert client.delete(types_url(team, "3/")).json() == not_found()


def test_update_metadata_is_for_signed_in_users(client, user, team):
    mapping = make_group_type(team, "company", 0)
    rows = [{"group_type_index": 0, "name_singular": "Company", "name_plural": "Companies"}]
    refused = client.patch(types_url(team, "update_metadata/"), rows, format="json")
    assert refused.json() == permission_denied("This action does not support personal API key access")
    session = APIClient()
    session.force_login(user)
    response = session.patch(types_url(team, "update_metadata/"), rows, format="json")
    assert response.status_code == 200
    mapping.refresh_from_db()
    assert (mapping.name_singular, mapping.name_plural) == ("Company", "Companies")
    assert response.json() == [type_body(mapping)]


def test_group_types_need_group_scopes_and_stay_in_their_organization(user, team):
    make_group_type(team, "company", 0)
    assert key_client(make_key(user, scopes=["person:read"])).get(types_url(team)).json() == permission_denied(
        "API key missing required scope 'group:read'"
    )
    reader = key_client(make_key(user, scopes=["group:read"]))
    assert reader.delete(types_url(team, "0/")).json() == permission_denied(
        "API key missing required scope 'group:write'"
    )
    outsider = make_user()
    make_organization(outsider)
    response = key_client(make_key(outsider)).get(types_url(team))
    assert response.json() == permission_denied("You don't have access to the project.")
    assert GroupTypeMapping.objects.count() == 1
