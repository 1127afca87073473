"""The warehouse-table operations against PostHog's reference schema.

reference_contracts.json is reduced (by tests/posthog_api/reference_schema.py) from the main reference file, which
declares both roots; its /api/environments/ half equals posthog-openapi-scope.json's nine operations.
"""

import functools
import json
from pathlib import Path

import pytest

from tests.posthog_api.reference_schema import component_contract, generated_schema, operation_contract, operations

PREFIXES = ("/api/environments/{project_id}/warehouse_tables/", "/api/projects/{project_id}/warehouse_tables/")
# Deliberate differences (plugins-warehouse-webvitals.md §2.1, §2.7): `file` answers 201 with the table, and the
# schema actions take `warehouse_table:write` keys instead of refusing every key.
EXPECTED_DIFFERENCES = {
    **{f"POST {root}file/": {"responses": {"201": "#/components/schemas/Table"}} for root in PREFIXES},
    **{
        f"POST {root}{{id}}/{name}/": {"scopes": ["warehouse_table:write"]}
        for root in PREFIXES
        for name in ("refresh_schema", "update_schema")
    },
}


@functools.cache
def reference() -> dict:
    return json.loads(Path(__file__).with_name("reference_contracts.json").read_text())


def generated_operations() -> dict[str, dict]:
    schema = generated_schema()
    return {
        f"{method.upper()} {path}": operation_contract(schema, operation)
        for prefix in PREFIXES
        for (method, path), operation in operations(schema, prefix).items()
    }


def test_every_reference_operation_is_documented_and_nothing_else():
    assert set(generated_operations()) == set(reference()["operations"])
    assert len(reference()["operations"]) == 18


@pytest.mark.parametrize("operation", sorted(reference()["operations"]))
def test_each_operation_matches_the_reference(operation):
    expected = {**reference()["operations"][operation], **EXPECTED_DIFFERENCES.get(operation, {})}
    assert generated_operations()[operation] == expected


@pytest.mark.parametrize("name", sorted(reference()["components"]))
def test_components_match_the_reference(name):
    assert component_contract(generated_schema(), name) == reference()["components"][name]


def test_formats_and_source_types_are_the_reference_enums():
    schemas = generated_schema()["components"]["schemas"]
    scope = json.loads(
        (Path(__file__).resolve().parents[3] / "shared" / "reference" / "posthog-openapi-scope.json").read_text()
    )
    for name in ("TableFormatEnum", "SourceTypeEnum"):
        assert schemas[name]["enum"] == scope["components"]["schemas"][name]["enum"]
