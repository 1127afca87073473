"""The insight sharing operations against PostHog's reference schema (posthog-openapi-scope.json)."""

import pytest

from tests.posthog_api.reference_schema import generated_schema, scope_reference

# The shared contract folder sits beside the checkout, here and in CI.
PASSWORDS_CREATE = "/api/projects/{project_id}/insights/{insight_id}/sharing/passwords/"
# Deliberate: the schema says what the server answers (spec §5.3): the input is {raw_password, note}, and the answer
# a 201 with the new password, where PostHog's schema claims a SharingConfiguration both ways and a 200.
EXPECTED_DIFFERENCES = {
    ("post", PASSWORDS_CREATE): {
        "request": "#/components/schemas/SharePasswordCreate",
        "responses": {"201": "#/components/schemas/SharePasswordCreated"},
    }
}
# Reference fields of Insight (PostHog's 2025-11 schema, posthog-openapi.yaml).
INSIGHT_FIELDS = (
    "id short_id name derived_name query order deleted dashboards dashboard_tiles last_refresh cache_target_age "
    "next_allowed_client_refresh result hasMore columns created_at created_by description updated_at tags favorited "
    "last_modified_at last_modified_by is_sample effective_restriction_level effective_privilege_level "
    "user_access_level timezone is_cached query_status hogql types _create_in_folder alerts last_viewed_at"
).split()


def reference_operations() -> list[tuple[str, str, str]]:
    return sorted(
        (method, path, root)
        for path, item in scope_reference()["paths"].items()
        if "/sharing/" in path
        for method in item
        for root in ("projects", "environments")
    )


def contract(operation: dict) -> dict:
    def media_ref(content: dict | None):
        schema_ = (content or {}).get("application/json", {}).get("schema")
        if schema_ is None:
            return None
        return schema_.get("$ref") or {"array": schema_["items"]["$ref"]}

    parameters = {
        f"{parameter['in']} {parameter['name']}": [parameter.get("required", False), parameter["schema"]["type"]]
        for parameter in operation.get("parameters", [])
    }
    responses = operation["responses"]
    return {
        "operationId": operation["operationId"],
        "security": operation.get("security"),
        "parameters": parameters,
        "request": media_ref(operation.get("requestBody", {}).get("content")),
        "responses": {status: media_ref(response.get("content")) for status, response in responses.items()},
    }


@pytest.mark.parametrize(("method", "path", "root"), reference_operations())
def test_operation_matches_the_reference(method, path, root):
    expected = contract(scope_reference()["paths"][path][method])
    schema = generated_schema()
    generated = contract(schema["paths"][path.replace("/api/projects/", f"/api/{root}/")][method])
    if root == "environments":
        expected["operationId"] = f"environments_{expected['operationId']}"
    expected.update(EXPECTED_DIFFERENCES.get((method, path), {}))

    assert generated == expected


def test_the_sharing_paths_hold_only_the_reference_operations():
    schema = generated_schema()
    generated = {
        (method, path.replace("/api/environments/", "/api/projects/"))
        for path, item in schema["paths"].items()
        if "/sharing/" in path
        for method in item
    }
    # PATCH .../sharing/ is served but, as in PostHog, not documented.
    assert generated == {(method, path) for method, path, _ in reference_operations()}


def test_sharing_configuration_has_the_reference_fields():
    expected = scope_reference()["components"]["schemas"]["SharingConfiguration"]
    generated = generated_schema()["components"]["schemas"]["SharingConfiguration"]

    assert sorted(generated["required"]) == sorted(expected["required"])
    assert list(generated["properties"]) == list(expected["properties"])
    for field, value in expected["properties"].items():
        assert generated["properties"][field].get("readOnly") == value.get("readOnly"), field
    # PostHog types the passwords loosely (a method field); ours says what they are.
    assert generated["properties"]["share_passwords"]["items"] == {"$ref": "#/components/schemas/SharePassword"}


def test_insight_has_the_reference_fields_and_operations():
    schema = generated_schema()

    assert list(schema["components"]["schemas"]["Insight"]["properties"]) == INSIGHT_FIELDS
    assert {
        (method, item[method]["operationId"])
        for path, item in schema["paths"].items()
        if path.startswith("/api/projects/{project_id}/insights/") and "/sharing/" not in path
        for method in item
    } == {
        ("get", "insights_list"),
        ("post", "insights_create"),
        ("get", "insights_retrieve"),
        ("put", "insights_update"),
        ("patch", "insights_partial_update"),
        ("delete", "insights_destroy"),
    }


# Query parameters of the insight operations in posthog-openapi.yaml, less `format` (its csv renderer is not served).
REFRESH = ["string", "force_cache"]
INSIGHT_QUERY_PARAMETERS = {
    ("get", ""): {
        "basic": ["boolean", None],
        "created_by": ["integer", None],
        "limit": ["integer", None],
        "offset": ["integer", None],
        "refresh": REFRESH,
        "short_id": ["string", None],
    },
    ("post", ""): {},
    ("get", "{id}/"): {"from_dashboard": ["integer", None], "refresh": REFRESH},
    ("put", "{id}/"): {},
    ("patch", "{id}/"): {},
    ("delete", "{id}/"): {},
}


@pytest.mark.parametrize("root", ["projects", "environments"])
@pytest.mark.parametrize(("method", "tail"), INSIGHT_QUERY_PARAMETERS)
def test_insight_operations_take_the_reference_query_parameters(root, method, tail):
    operation = generated_schema()["paths"][f"/api/{root}/{{project_id}}/insights/{tail}"][method]

    assert {
        parameter["name"]: [parameter["schema"]["type"], parameter["schema"].get("default")]
        for parameter in operation["parameters"]
        if parameter["in"] == "query"
    } == INSIGHT_QUERY_PARAMETERS[(method, tail)]
