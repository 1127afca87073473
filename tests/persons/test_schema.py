"""The generated schema against PostHog's reference for persons, groups and property definitions."""

import pytest

from tests.posthog_api.reference_schema import generated_schema, operation_contract, scope_reference

# The shared contract folder sits beside the checkout, here and in CI.
FAMILIES = ("/persons/", "/groups/", "/property_definitions/")
# PostHog dropped these insight actor endpoints before it served /api/environments/ (only its 2023 schema has them).
PROJECTS_ONLY = ("/persons/path/", "/persons/retention/")
ACTORS = ("/funnel/", "/lifecycle/", "/path/", "/retention/", "/stickiness/", "/trends/")
COMPONENTS = [
    "Person",
    "PatchedPerson",
    "Group",
    "CreateGroup",
    "PaginatedGroupList",
    "PaginatedPropertyDefinitionList",
]


def reference_operations() -> list[tuple[str, str, str]]:
    """(method, path, root) for every in-scope operation; property definitions are project resources only."""
    return sorted(
        (method, path, root)
        for path, item in scope_reference()["paths"].items()
        if any(family in path for family in FAMILIES)
        for method in item
        for root in ("projects", "environments")
        if not (root == "environments" and ("property_definitions" in path or path.endswith(PROJECTS_ONLY)))
    )


def is_actor(path: str) -> bool:
    return any(word in path for word in ACTORS)


def query_parameters(operation: dict) -> dict[str, bool]:
    return {p["name"]: bool(p.get("required")) for p in operation.get("parameters", []) if p["in"] == "query"}


def body_refs(operation: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {})
    return {media: item["schema"].get("$ref") for media, item in content.items() if media == "application/json"}


@pytest.mark.parametrize(("method", "path", "root"), reference_operations())
def test_operation_matches_the_reference(method, path, root):
    expected = scope_reference()["paths"][path][method]
    generated = generated_schema()["paths"][path.replace("/api/projects/", f"/api/{root}/")][method]
    prefix = "environments_" if root == "environments" else ""
    assert generated["operationId"] == prefix + expected["operationId"]
    assert generated.get("security") == expected.get("security")
    generated_query = query_parameters(generated)
    for name, required in query_parameters(expected).items():
        assert generated_query.get(name) == required, name
    assert body_refs(generated) == body_refs(expected)


@pytest.mark.parametrize(
    ("method", "path", "root"),
    [operation for operation in reference_operations() if is_actor(operation[1])],
)
def test_actor_operation_has_the_reference_contract(method, path, root):
    expected = operation_contract(scope_reference(), scope_reference()["paths"][path][method])
    schema = generated_schema()
    generated = operation_contract(schema, schema["paths"][path.replace("/api/projects/", f"/api/{root}/")][method])
    if root == "environments":
        expected["operationId"] = f"environments_{expected['operationId']}"
    assert generated == expected


def test_every_actor_operation_of_the_reference_is_compared():
    actors = {(method, path, root) for method, path, root in reference_operations() if is_actor(path)}
    assert len([operation for operation in actors if operation[2] == "projects"]) == 10
    assert len([operation for operation in actors if operation[2] == "environments"]) == 7


@pytest.mark.parametrize("path", PROJECTS_ONLY)
def test_path_and_retention_are_not_documented_under_environments(path):
    assert f"/api/environments/{{project_id}}{path}" not in generated_schema()["paths"]


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_matches_the_reference(name):
    expected = scope_reference()["components"]["schemas"][name]
    generated = generated_schema()["components"]["schemas"][name]
    assert sorted(generated.get("required", [])) == sorted(expected.get("required", []))
    assert sorted(generated["properties"]) == sorted(expected["properties"])
    for field, schema in expected["properties"].items():
        assert generated["properties"][field].get("readOnly") == schema.get("readOnly"), field


def test_property_definition_is_the_seed_shape_around_the_reference_fields():
    generated = generated_schema()["components"]["schemas"]["PropertyDefinition"]
    assert set(scope_reference()["components"]["schemas"]["PropertyDefinition"]["properties"]) <= set(
        generated["properties"]
    )
    assert sorted(generated["properties"]) == sorted(
        [
            "id",
            "name",
            "description",
            "tags",
            "is_numerical",
            "updated_at",
            "updated_by",
            "is_seen_on_filtered_events",
            "property_type",
            "verified",
            "verified_at",
            "verified_by",
            "hidden",
        ]
    )
