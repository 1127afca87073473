import pytest

from tests.posthog_api.reference_schema import (
    component_contract,
    generated_operations,
    generated_schema,
    reference_contracts,
)

PREFIXES = ("/api/organizations/{organization_id}/roles/", "/api/projects/{project_id}/project_secret_api_keys/")
EXACT_COMPONENTS = (
    "RoleMembership",
    "ProjectSecretAPIKey",
    "PatchedProjectSecretAPIKey",
    "PaginatedRoleList",
    "PaginatedRoleMembershipList",
    "PaginatedProjectSecretAPIKeyList",
)
# PostHog types `members`/`is_default` loosely (method fields); ours are precise, plus two legacy seed fields.
ROLE_FIELDS_TYPED_MORE_PRECISELY = {"members"}


def test_the_same_operations_are_documented_as_in_the_reference():
    assert sorted(generated_operations(PREFIXES)) == sorted(reference_contracts()["operations"])


@pytest.mark.parametrize("operation", sorted(reference_contracts()["operations"]))
def test_each_operation_matches_the_reference(operation):
    assert generated_operations(PREFIXES)[operation] == reference_contracts()["operations"][operation]


@pytest.mark.parametrize("name", EXACT_COMPONENTS)
def test_components_match_the_reference(name):
    assert component_contract(generated_schema(), name) == reference_contracts()["components"][name]


@pytest.mark.parametrize("name", ["Role", "PatchedRole"])
def test_role_components_hold_every_reference_field(name):
    reference = reference_contracts()["components"][name]
    generated = component_contract(generated_schema(), name)

    for field, contract in reference["properties"].items():
        if field in ROLE_FIELDS_TYPED_MORE_PRECISELY:
            assert generated["properties"][field][0] is True  # read-only
            continue
        assert generated["properties"][field] == contract, field
    assert set(reference["required"]) <= set(generated["required"])
    assert set(generated["properties"]) - set(reference["properties"]) == {
        "feature_flags_access_level",
        "associated_flags",
    }
    assert generated_schema()["components"]["schemas"][name]["properties"]["members"]["items"] == {
        "$ref": "#/components/schemas/RoleMembership"
    }
