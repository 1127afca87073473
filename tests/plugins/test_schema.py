"""The pipeline config operations against PostHog's reference schema, under /api/projects/ and /api/environments/."""

import pytest

from tests.posthog_api.reference_schema import generated_schema, scope_reference

# The shared contract folder sits beside the checkout, here and in CI.
FAMILIES = ("pipeline_destination_configs", "pipeline_frontend_apps_configs")
ROOTS = ("projects", "environments")
COMPONENTS = ("PluginConfig", "PatchedPluginConfig", "PaginatedPluginConfigList")
SCHEMA_KEYS = ("type", "format", "readOnly", "nullable", "maxLength", "minimum", "maximum", "$ref")
# Session-only, as in PostHog's 2024-09 schema; the Konfig copy the reference was taken from predates it.
ACTIVITY = "/api/projects/{project_id}/%s/{id}/activity/"


def reference_operations() -> list[tuple[str, str]]:
    return sorted(
        (method, path)
        for path, item in scope_reference()["paths"].items()
        if any(f"/{family}/" in path for family in FAMILIES)
        for method in item
    )


def at_root(path: str, root: str) -> str:
    return path.replace("/api/projects/", f"/api/{root}/")


def parameters(operation: dict) -> dict[tuple[str, str], tuple]:
    return {
        (p["in"], p["name"]): (bool(p.get("required")), p["schema"].get("type"), p.get("description"))
        for p in operation.get("parameters", [])
    }


def content_refs(content: dict | None) -> dict[str, str | None]:
    return {media: item.get("schema", {}).get("$ref") for media, item in (content or {}).items()}


def test_the_reference_has_nine_operations_per_family():
    # list, create, rearrange, retrieve, update, partial_update, destroy, frontend, job
    assert len(reference_operations()) == 18


def test_exactly_the_reference_operations_and_activity_are_documented_under_both_roots():
    generated = {
        (method, path)
        for path, item in generated_schema()["paths"].items()
        if any(f"/{family}/" in path for family in FAMILIES)
        for method in item
    }
    expected = {(method, at_root(path, root)) for method, path in reference_operations() for root in ROOTS}
    expected |= {("get", at_root(ACTIVITY % family, root)) for family in FAMILIES for root in ROOTS}
    assert generated == expected


@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize(("method", "path"), reference_operations())
def test_operation_matches_the_reference(method, path, root):
    expected = scope_reference()["paths"][path][method]
    generated = generated_schema()["paths"][at_root(path, root)][method]
    prefix = "environments_" if root == "environments" else ""
    assert generated["operationId"] == prefix + expected["operationId"]
    assert generated.get("security") == expected.get("security")
    assert parameters(generated) == parameters(expected)
    assert content_refs(generated.get("requestBody", {}).get("content")) == content_refs(
        expected.get("requestBody", {}).get("content")
    )
    assert generated.get("requestBody", {}).get("required") == expected.get("requestBody", {}).get("required")
    assert {status: content_refs(r.get("content")) for status, r in generated["responses"].items()} == {
        status: content_refs(r.get("content")) for status, r in expected["responses"].items()
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_activity_is_documented_as_a_session_only_read(family):
    operation = generated_schema()["paths"][ACTIVITY % family]["get"]
    assert operation["operationId"] == f"{family}_activity_retrieve"
    assert "security" not in operation


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_matches_the_reference(name):
    expected = scope_reference()["components"]["schemas"][name]
    generated = generated_schema()["components"]["schemas"][name]
    assert sorted(generated["properties"]) == sorted(expected["properties"])
    for field, schema in expected["properties"].items():
        mine = generated["properties"][field]
        if field == "results":
            assert mine["items"] == schema["items"]
            continue
        assert {key: mine.get(key) for key in SCHEMA_KEYS} == {key: schema.get(key) for key in SCHEMA_KEYS}, field
    if name != "PaginatedPluginConfigList":  # drf-spectacular requires count and results; the Konfig copy lost it
        assert sorted(generated.get("required", [])) == sorted(expected.get("required", []))
