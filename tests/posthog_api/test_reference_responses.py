"""Real response bodies validated against the response schemas of PostHog's reference OpenAPI.

A client generated from PostHog's schema parses exactly these bodies, so a missing required field, a wrong type or an
enum value the reference does not know breaks it. Deliberate deviations (documented in the spec) are skipped per
operation; known flaws of the reference itself (PostHog's own responses do not match them) are patched in ERRATA.
"""

import functools

import pytest
from jsonschema import Draft202012Validator

from definitions.models import PropertyDefinition
from tests.persons.builders import make_group, make_group_type, make_person
from tests.plugins.builders import make_config, make_frontend_app, make_plugin
from tests.posthog_api.reference_schema import METHODS, scope_reference
from tests.roles.test_views import add_to_role, make_role
from tests.sharing.builders import make_insight
from tests.warehouse.builders import make_table

ANY = {}
NULLABLE = "nullable"

# Flaws of the reference: PostHog itself answers these values, so a generated client breaks against PostHog too.
ERRATA = {
    # Team.week_start_day is a nullable model field; openapi-generator lost drf-spectacular's NullEnum.
    ("WeekStartDayEnum", None): NULLABLE,
    # Tables without a source/credential answer null (plugins-warehouse-webvitals.md §2.4).
    ("Table", "credential"): NULLABLE,
    ("Table", "external_data_source"): NULLABLE,
}
# Un-annotated SerializerMethodFields, which drf-spectacular types as `string`; PostHog answers their real JSON.
METHOD_FIELDS = {
    "ProjectBackwardCompat": ("person_on_events_querying_enabled", "default_modifiers", "product_intents"),
    "Team": ("product_intents", "managed_viewsets"),
    "Role": ("members", "is_default"),
    "PluginConfig": ("config", "error", "plugin_info", "delivery_rate_24h"),
    "PropertyDefinition": ("is_seen_on_filtered_events",),
    "SharingConfiguration": ("share_passwords",),
    "Table": ("columns", "external_schema"),
}
ERRATA.update({(name, field): ANY for name, fields in METHOD_FIELDS.items() for field in fields})

# Documented deliberate deviations: operationId -> reason.
DELIBERATE = {
    "insights_sharing_list": "answers one object, not a list (org-roles-sharing-activity.md, sharing GET)",
    "roles_role_memberships_list": "organization_member has no last_login, as PostHog (org-roles-sharing §4.2)",
}


def _operations() -> dict[str, tuple[str, str, dict]]:
    """operationId -> (method, path, operation) of the reference."""
    return {
        operation["operationId"]: (method, path, operation)
        for path, item in scope_reference()["paths"].items()
        for method in METHODS
        if (operation := item.get(method))
    }


def _convert(node):
    """OpenAPI 3.0 schema -> JSON Schema for a response: `nullable` as a null alternative, writeOnly not required."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        converted = {"$ref": node["$ref"]}
    else:
        converted = {key: _convert(value) for key, value in node.items() if key not in ("nullable", "example")}
        if "properties" in node:
            converted["properties"] = {name: _convert(value) for name, value in node["properties"].items()}
            writable_only = {name for name, value in node["properties"].items() if value.get("writeOnly")}
            converted["required"] = [name for name in node.get("required", []) if name not in writable_only]
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


@functools.cache
def _components() -> dict:
    schemas = {name: _convert(schema) for name, schema in scope_reference()["components"]["schemas"].items()}
    for (name, field), patch in ERRATA.items():
        owner = schemas[name]["properties"] if field else schemas
        key = field or name
        owner[key] = {"anyOf": [owner[key], {"type": "null"}]} if patch == NULLABLE else patch
    return schemas


def expected(operation_id: str) -> tuple[int, dict | None]:
    """The reference's success status and response schema of an operation."""
    _, _, operation = _operations()[operation_id]
    status = next(code for code in operation["responses"] if code.startswith("2"))
    content = operation["responses"][status].get("content", {}).get("application/json")
    return int(status), content["schema"] if content else None


def schema_errors(operation_id: str, body) -> list[str]:
    _, schema = expected(operation_id)
    validator = Draft202012Validator({**_convert(schema), "components": {"schemas": _components()}})
    return sorted(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)
    )


@pytest.fixture
def world(user, organization, team):
    """One object of every kind the detail routes need."""
    person = make_person(team, ["ann"], {"email": "ann@example.com"})
    make_group_type(team, "company", 0)
    make_group(team, 0, "acme", {"industry": "tech"})
    definition = PropertyDefinition.objects.create(team=team, project_id=team.project_id, name="plan", type=2)
    role = make_role(organization, "Engineers", created_by=user)
    add_to_role(role, user)
    destination = make_config(team, make_plugin(organization))
    frontend_app = make_config(team, make_frontend_app(organization))
    return {
        "organization_id": organization.id,
        "project_id": team.project_id,
        "team_id": team.id,
        "person_id": person.pk,
        "definition_id": definition.id,
        "role_id": role.id,
        "plugin_id": destination.plugin_id,
        "destination_id": destination.id,
        "frontend_app_id": frontend_app.id,
        "table_id": make_table(team, user).id,
        "insight_id": make_insight(team, user).id,
    }


# operationId -> (path parameters taken from `world`, request body)
READS = {
    "list_2": ({}, None),
    "retrieve_2": ({"id": "project_id"}, None),
    "roles_list": ({}, None),
    "roles_retrieve": ({"id": "role_id"}, None),
    "roles_role_memberships_list": ({}, None),
    "environments_list": ({}, None),
    "environments_retrieve": ({"id": "team_id"}, None),
    "persons_list": ({}, None),
    "persons_retrieve": ({"id": "person_id"}, None),
    "groups_list": ({}, None),
    "property_definitions_list": ({}, None),
    "property_definitions_retrieve": ({"id": "definition_id"}, None),
    "insights_sharing_list": ({}, None),
    "project_secret_api_keys_list": ({}, None),
    "pipeline_destination_configs_list": ({}, None),
    "pipeline_destination_configs_retrieve": ({"id": "destination_id"}, None),
    "pipeline_frontend_apps_configs_list": ({}, None),
    "pipeline_frontend_apps_configs_retrieve": ({"id": "frontend_app_id"}, None),
    "environments_warehouse_tables_list": ({}, None),
    "environments_warehouse_tables_retrieve": ({"id": "table_id"}, None),
}
WRITES = {
    "create_2": ({}, {"name": "Second project"}),
    "partial_update_2": ({"id": "project_id"}, {"name": "Renamed"}),
    "environments_partial_update": ({"id": "team_id"}, {"name": "Renamed"}),
    "roles_create": ({}, {"name": "Designers"}),
    "roles_partial_update": ({"id": "role_id"}, {"name": "Builders"}),
    "persons_partial_update": ({"id": "person_id"}, {"properties": {"plan": "pro"}}),
    "property_definitions_partial_update": ({"id": "definition_id"}, {"property_type": "String"}),
    "project_secret_api_keys_create": ({}, {"label": "ci", "scopes": ["feature_flag:read"]}),
    "pipeline_destination_configs_partial_update": ({"id": "destination_id"}, {"enabled": True}),
    "pipeline_frontend_apps_configs_create": ({}, "frontend_app"),
    "environments_warehouse_tables_partial_update": ({"id": "table_id"}, {"name": "orders_renamed"}),
    "insights_sharing_refresh_create": ({}, {}),
}
# Query strings the operations need (a list's filter, a group type).
QUERIES = {"groups_list": "?group_type_index=0", "property_definitions_list": "?type=person"}


def request(client, world, operation_id: str, parameters: dict, body):
    method, path, _ = _operations()[operation_id]
    values = {
        "organization_id": world["organization_id"],
        "project_id": world["project_id"],
        "insight_id": world["insight_id"],
        "role_id": world["role_id"],
        **{name: world[source] for name, source in parameters.items()},
    }
    if body == "frontend_app":
        body = {"plugin": world["plugin_id"], "enabled": True, "order": 2, "config": "{}"}
    url = path.format(**values) + QUERIES.get(operation_id, "")
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


@pytest.mark.parametrize("operation_id", [*READS, *WRITES])
def test_response_matches_the_reference_schema(client, world, operation_id):
    parameters, body = {**READS, **WRITES}[operation_id]
    response = request(client, world, operation_id, parameters, body)
    status, schema = expected(operation_id)
    assert response.status_code == status, response.content
    if operation_id in DELIBERATE:
        # The documented deviation still stands; once it is gone, the operation leaves DELIBERATE.
        assert schema_errors(operation_id, response.json()) != [], DELIBERATE[operation_id]
    else:
        assert schema_errors(operation_id, response.json()) == []


def test_the_converter_rejects_what_a_generated_client_cannot_parse():
    """The check is not vacuous: a missing required field, a wrong type and an unknown enum value are reported."""
    assert schema_errors("roles_retrieve", {}) != []
    body = {"id": "x", "name": 1, "created_at": "t", "created_by": None, "members": [], "is_default": False}
    assert "name: 1 is not of type 'string'" in schema_errors("roles_retrieve", body)
    assert any(error.startswith("week_start_day: 5 ") for error in schema_errors("retrieve_2", {"week_start_day": 5}))
