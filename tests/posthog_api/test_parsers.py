from posthog_api.testing import error


def test_json_nested_deeper_than_the_stack_is_a_400(client):
    body = '{"first_name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.patch("/api/users/@me/", body, content_type="application/json")

    assert response.status_code == 400
    detail = "JSON parse error - the body is nested too deeply"
    assert response.json() == error("invalid_request", "parse_error", detail)
