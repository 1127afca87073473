"""The web vitals operation against PostHog's reference schema."""

import json
from pathlib import Path

from tests.posthog_api.reference_schema import generated_schema, operation_contract

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "posthog-openapi-scope.json"
PATH = "/api/environments/{project_id}/web_vitals/"


def test_web_vitals_matches_the_reference_operation():
    reference = json.loads(REFERENCE.read_text())
    expected = operation_contract(reference, reference["paths"][PATH]["get"])
    generated = operation_contract(generated_schema(), generated_schema()["paths"][PATH]["get"])
    assert generated == expected
    assert expected["operationId"] == "environments_web_vitals_retrieve"


def test_web_vitals_is_only_a_get_of_environments():
    paths = {path: sorted(item) for path, item in generated_schema()["paths"].items() if "web_vitals" in path}
    assert paths == {PATH: ["get"]}
