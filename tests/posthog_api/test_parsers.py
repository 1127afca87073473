import pytest

from posthog_api.parsers import MAX_DEPTH, nested_deeper_than
from posthog_api.testing import error
from projects.models import Team

TOO_DEEP = error("invalid_request", "parse_error", "JSON parse error - the body is nested too deeply")


def nested(depth: int) -> str:
    """A body whose `data_attributes` list is the `depth`-th level (the body itself is the first)."""
    return '{"data_attributes": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_json_nested_deeper_than_the_stack_is_a_400(client):
    body = '{"first_name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.patch("/api/users/@me/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_json_the_stack_holds_but_storing_would_not_is_a_400_and_nothing_is_written(client, organization, team):
    # 900 levels parse, but psycopg's JSON dump of them overflowed the stack: a 500 before the depth limit.
    url = f"/api/organizations/{organization.id}/projects/{team.project_id}/"
    for depth in (MAX_DEPTH + 1, 900):
        response = client.patch(url, nested(depth), content_type="application/json")

        assert response.status_code == 400
        assert response.json() == TOO_DEEP
    team.refresh_from_db()
    assert team.data_attributes == Team._meta.get_field("data_attributes").get_default()


def test_json_up_to_the_depth_limit_is_parsed_and_stored(client, user):
    value = "x"
    for _ in range(MAX_DEPTH - 1):
        value = {"a": value}
    response = client.patch("/api/users/@me/", {"hedgehog_config": value}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.hedgehog_config == value


@pytest.mark.parametrize(
    ("value", "deeper"),
    [("x", False), ([], False), ([[]], False), ([[[]]], True), ({"a": {"b": {}}}, True), ([1, {"a": 2}], False)],
)
def test_nesting_depth_counts_lists_and_objects(value, deeper):
    assert nested_deeper_than(value, 2) is deeper
