"""PostHog's reference OpenAPI (the contract) and posthog-api's generated schema, reduced to comparable pieces.

`reference_contracts.json` holds the reduced reference; regenerate it with `dump_reference_contracts(path)` from
the reference schema file when the contract changes.
"""

import functools
import json
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
CONTRACTS = Path(__file__).with_name("reference_contracts.json")
SCOPE_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "posthog-openapi-scope.json"


@functools.cache
def reference_contracts() -> dict:
    """Contracts reduced (by `operation_contract`/`component_contract`) from PostHog's reference OpenAPI."""
    return json.loads(CONTRACTS.read_text())


@functools.cache
def contracts_beside(test_file: str) -> dict:
    """The `reference_contracts.json` next to a test module (its app's reduced reference)."""
    return json.loads(Path(test_file).with_name("reference_contracts.json").read_text())


@functools.cache
def scope_reference() -> dict:
    """PostHog's in-scope reference OpenAPI, whole."""
    return json.loads(SCOPE_REFERENCE.read_text())


def generated_operations(prefixes: tuple[str, ...]) -> dict[str, dict]:
    """`"METHOD path" -> operation_contract` for every generated operation under one of the path prefixes."""
    schema = generated_schema()
    return {
        f"{method.upper()} {path}": operation_contract(schema, operation)
        for prefix in prefixes
        for (method, path), operation in operations(schema, prefix).items()
    }


@functools.cache
def generated_schema() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def _resolve(schema: dict, item: dict) -> dict:
    while "$ref" in item:
        *_, kind, name = item["$ref"].split("/")
        item = schema["components"][kind][name]
    return item


def operations(schema: dict, path_prefix: str) -> dict[tuple[str, str], dict]:
    """`(method, path) -> operation` for every path starting with `path_prefix`."""
    return {
        (method, path): item[method]
        for path, item in schema["paths"].items()
        if path.startswith(path_prefix)
        for method in METHODS
        if method in item
    }


def _media_ref(content: dict | None) -> str | None:
    if not content:
        return None
    return content.get("application/json", {}).get("schema", {}).get("$ref")


def operation_contract(schema: dict, operation: dict) -> dict:
    """What a client generated from the schema depends on: id, parameters, scopes, request and response types."""
    parameters = {}
    for parameter in operation.get("parameters", []):
        parameter = _resolve(schema, parameter)
        parameters[f"{parameter['in']} {parameter['name']}"] = [
            parameter.get("required", False),
            parameter["schema"].get("type"),
            parameter["schema"].get("format"),
        ]
    return {
        "operationId": operation["operationId"],
        "parameters": parameters,
        "scopes": sorted(
            {scope for entry in operation.get("security", []) for scope in entry.get("PersonalAPIKeyAuth", [])}
        ),
        "request": _media_ref(operation.get("requestBody", {}).get("content")),
        "responses": {
            status: _media_ref(response.get("content")) for status, response in operation["responses"].items()
        },
    }


def component_contract(schema: dict, name: str) -> dict:
    component = schema["components"]["schemas"][name]
    return {
        "properties": {
            field: [
                bool(value.get("readOnly")),
                bool(value.get("writeOnly")),
                value.get("format"),
                [ref.get("$ref") for ref in value.get("allOf", [])] or value.get("items", {}).get("$ref"),
            ]
            for field, value in component["properties"].items()
        },
        "required": sorted(component.get("required", [])),
    }


def dump_reference_contracts(reference_path: str, prefixes: list[str], components: list[str]) -> None:
    schema = json.loads(Path(reference_path).read_text())
    contracts = {
        "operations": {
            f"{method.upper()} {path}": operation_contract(schema, operation)
            for prefix in prefixes
            for (method, path), operation in operations(schema, prefix).items()
        },
        "components": {name: component_contract(schema, name) for name in components},
    }
    CONTRACTS.write_text(json.dumps(contracts, indent=1, sort_keys=True) + "\n")
