"""The warehouse-table operations against PostHog's reference schema.

reference_contracts.json is reduced (by tests/posthog_api/reference_schema.py) from the main reference file, which
declares both roots; its /api/environments/ half equals posthog-openapi-scope.json's nine operations.
"""

import json
from pathlib import Path

import pytest

from tests.posthog_api.reference_schema import (
    component_contract,
    contracts_beside,
    generated_operations,
    generated_schema,
)

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


def test_every_reference_operation_is_documented_and_nothing_else():
    assert set(generated_operations(PREFIXES)) == set(contracts_beside(__file__)["operations"])
    assert len(contracts_beside(__file__)["operations"]) == 18


@pytest.mark.parametrize("operation", sorted(contracts_beside(__file__)["operations"]))
def test_each_operation_matches_the_reference(operation):
    expected = {**contracts_beside(__file__)["operations"][operation], **EXPECTED_DIFFERENCES.get(operation, {})}
    assert generated_operations(PREFIXES)[operation] == expected


@pytest.mark.parametrize("name", sorted(contracts_beside(__file__)["components"]))
def test_components_match_the_reference(name):
    assert component_contract(generated_schema(), name) == contracts_beside(__file__)["components"][name]


def test_formats_and_source_types_are_the_reference_enums():
    schemas = generated_schema()["components"]["schemas"]
    scope = json.loads(
        (Path(__file__).resolve().parents[3] / "shared" / "reference" / "posthog-openapi-scope.json").read_text()
    )
    for name in ("TableFormatEnum", "SourceTypeEnum"):
        assert schemas[name]["enum"] == scope["components"]["schemas"][name]["enum"]
