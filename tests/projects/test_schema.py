"""The project and environment operations against PostHog's reference schema (reduced in reference_contracts.json)."""

import pytest

from tests.posthog_api.reference_schema import (
    component_contract,
    contracts_beside,
    generated_operations,
    generated_schema,
)

PREFIXES = ("/api/organizations/{organization_id}/projects/", "/api/projects/{project_id}/environments/")
# Documented by seed 000 but in no reference schema.
NEWER_OPERATIONS = {
    "DELETE /api/organizations/{organization_id}/projects/{id}/default_evaluation_contexts/",
    "GET /api/organizations/{organization_id}/projects/{id}/default_evaluation_contexts/",
    "POST /api/organizations/{organization_id}/projects/{id}/default_evaluation_contexts/",
    "GET /api/organizations/{organization_id}/projects/{id}/default_release_conditions/",
    "PUT /api/organizations/{organization_id}/projects/{id}/default_release_conditions/",
    "GET /api/organizations/{organization_id}/projects/{id}/event_ingestion_restrictions/",
    "GET /api/organizations/{organization_id}/projects/{id}/experiments_config/",
    "PATCH /api/organizations/{organization_id}/projects/{id}/experiments_config/",
}
# Deliberate differences, each explained where it is made.
TOKEN_ACTIONS = ("reset_token", "rotate_secret_token", "delete_secret_token_backup")  # keys with project:write
EXPECTED_DIFFERENCES = {
    **{
        f"PATCH /api/organizations/{{organization_id}}/projects/{{id}}/{name}/": {"scopes": ["project:write"]}
        for name in TOKEN_ACTIONS
    },
    **{
        f"PATCH /api/projects/{{project_id}}/environments/{{id}}/{name}/": {"scopes": ["project:write"]}
        for name in TOKEN_ACTIONS
    },
    # seed 000 documents `search`; PostHog answers the DELETE with 200 {"success": true}
    "GET /api/organizations/{organization_id}/projects/": {"parameters_extra": {"query search"}},
    "DELETE /api/projects/{project_id}/environments/{id}/default_evaluation_tags/": {"responses": {"200": None}},
}
# Reference fields the seeds dropped or renamed (seed 000 has no `slack_incoming_webhook`; seed 003 names
# `default_evaluation_environments_enabled` `default_evaluation_contexts_enabled`).
DROPPED_FIELDS = {
    "ProjectBackwardCompat": {"slack_incoming_webhook"},
    "PatchedProjectBackwardCompat": {"slack_incoming_webhook"},
    "Team": {"default_evaluation_environments_enabled"},
    "PatchedTeam": {"default_evaluation_environments_enabled"},
}
# The membership enum is named MembershipLevelEnum project-wide.
RETYPED_FIELDS = {"effective_membership_level"}


def test_every_reference_operation_is_documented_and_nothing_else():
    assert set(generated_operations(PREFIXES)) == set(contracts_beside(__file__)["operations"]) | NEWER_OPERATIONS


@pytest.mark.parametrize("operation", sorted(contracts_beside(__file__)["operations"]))
def test_each_operation_matches_the_reference(operation):
    generated = dict(generated_operations(PREFIXES)[operation])
    expected = dict(contracts_beside(__file__)["operations"][operation])
    difference = EXPECTED_DIFFERENCES.get(operation, {})
    extra = difference.get("parameters_extra", set())
    generated["parameters"] = {k: v for k, v in generated["parameters"].items() if k not in extra}
    expected.update({k: v for k, v in difference.items() if k != "parameters_extra"})
    assert generated == expected


@pytest.mark.parametrize("name", sorted(contracts_beside(__file__)["components"]))
def test_components_hold_every_reference_field_typed_alike(name):
    expected = contracts_beside(__file__)["components"][name]
    generated = component_contract(generated_schema(), name)

    for field, contract in expected["properties"].items():
        if field in DROPPED_FIELDS.get(name, ()):
            assert field not in generated["properties"]
        elif field in RETYPED_FIELDS:
            assert generated["properties"][field][0] is True
        else:
            assert generated["properties"][field] == contract, field
    assert set(expected["required"]) <= set(generated["required"])


def test_undocumented_root_routes_stay_out_of_the_schema():
    paths = generated_schema()["paths"]

    assert not [path for path in paths if path.startswith(("/api/projects/{id}", "/api/environments/{id}"))]
    assert "/api/projects/" not in paths and "/api/environments/" not in paths
