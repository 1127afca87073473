"""Every generated operation, fed a few bad inputs, answers below 500: bad input is a 400, never a server error.

One of each resource exists first, so detail routes resolve and the bad input reaches validation. Each body field
gets a few values PostgreSQL and Python choke on (NUL and lone surrogates, a non-finite number, an integer beyond
64 bits, keys and nesting a JSON column cannot hold); each query and path parameter a few values int() and
PostgreSQL choke on. Valid-id DELETEs are not sent: they would take the objects the sweep needs.
"""

import json
import re

import pytest
from django.test import Client

from api_keys.services import personal_api_key_create, project_secret_api_key_create
from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, make_key, make_organization, make_user
from roles.models import Role, RoleMembership
from sharing.services import share_password_create, sharing_configuration_update
from tests.definitions.test_property_definitions import make_definition
from tests.persons.builders import make_group, make_group_type, make_person
from tests.plugins.builders import make_config, make_frontend_app, make_plugin
from tests.posthog_api.reference_schema import METHODS, generated_schema
from tests.sharing.builders import make_insight
from tests.warehouse.builders import make_table

NON_FINITE = "1e999"  # a JSON number Python reads as infinity: written into the body text, json.dumps cannot
BODY_VALUES = [
    '"a\\u0000\\ud800"',
    NON_FINITE,
    str(2**63),
    json.dumps({"\x00": ["\ud800", 2**63], "deep": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}),
]
TEXT = BODY_VALUES[0]
DEEP = "[" * 900 + "]" * 900  # parses, but a JSON column's dump of it overflowed the stack
SCALAR_TYPES = ("string", "integer", "number", "boolean")
WHOLE_BODIES = ["[]", NON_FINITE, '"text"', "not json"]
QUERY_VALUES = ["a%00b", "99999999999999999999", "%C2%B2", "1e999"]
QUERY_EVERYWHERE = ["limit", "offset", "ordering", "search"]
PATH_VALUES = ["%00", "99999999999999999999", "%C2%B2"]
PARAMETER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def objects(transactional_db):
    """One of each resource, and `(path segment before the parameter, parameter) -> value` to reach it."""
    owner = make_user()
    organization = make_organization(owner)
    team = organization.teams.get()
    member = make_user()
    add_member(organization, member)
    membership = OrganizationMembership.objects.get(organization=organization, user=member)
    role = Role.objects.create(organization=organization, name="Sweep", created_by=owner)
    role_membership = RoleMembership.objects.create(role=role, user=member, organization_member=membership)
    other_key, _ = personal_api_key_create(user=owner, label="other", scopes=["*"])
    secret_key, _ = project_secret_api_key_create(
        team=team, label="sweep", scopes=["feature_flag:read"], created_by=owner
    )
    person = make_person(team, ["sweep"])
    make_group_type(team, "company", 0)
    make_group(team, 0, "acme")
    insight = make_insight(team, owner)
    sharing_configuration_update(insight=insight, user=owner, team_id=team.id, enabled=True)
    password, _ = share_password_create(insight=insight, created_by=owner, raw_password="pw-sweep-1", note="")
    ids = {
        ("organizations", "id"): organization.id,
        (None, "organization_id"): organization.id,
        ("members", "user__uuid"): member.uuid,
        ("projects", "id"): team.project_id,
        ("environments", "id"): team.id,
        ("roles", "id"): role.id,
        (None, "role_id"): role.id,
        ("role_memberships", "id"): role_membership.id,
        ("personal_api_keys", "id"): other_key.id,
        ("project_secret_api_keys", "id"): secret_key.id,
        (None, "project_id"): team.project_id,
        ("groups_types", "group_type_index"): 0,
        ("insights", "id"): insight.id,
        (None, "insight_id"): insight.id,
        ("passwords", "password_id"): password.id,
        ("persons", "id"): person.uuid,
        ("pipeline_destination_configs", "id"): make_config(team, make_plugin(organization)).id,
        ("pipeline_frontend_apps_configs", "id"): make_config(team, make_frontend_app(organization), order=2).id,
        ("property_definitions", "id"): make_definition(team, "$browser").id,
        ("warehouse_tables", "id"): make_table(team, owner).id,
        ("users", "uuid"): "@me",
    }
    return make_key(owner), ids


def concrete(path: str, ids: dict, bad: tuple[str, str] | None = None) -> str:
    """`path` with the objects' ids, and with `bad = (parameter, value)` that parameter replaced."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        match = PARAMETER.fullmatch(part)
        if match:
            name = match[1]
            parts[index] = (
                bad[1] if bad and bad[0] == name else str(ids.get((parts[index - 1], name), ids.get((None, name))))
            )
    return "/".join(parts)


def resolve(schema: dict, item: dict) -> dict:
    while "$ref" in item:
        *_, kind, name = item["$ref"].split("/")
        item = schema["components"][kind][name]
    return item


def writable_fields(schema: dict, operation: dict) -> dict[str, dict] | None:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    if media is None:
        return None
    properties = resolve(schema, media["schema"]).get("properties", {})
    fields = {name: resolve(schema, field) for name, field in properties.items()}
    return {name: field for name, field in fields.items() if not field.get("readOnly")}


def bad_requests(schema: dict, method: str, path: str, operation: dict, ids: dict, *, first_method: bool):
    """`(label, url, body)` for each bad input of one operation. A serializer checks every field, so each bad value
    goes to all fields at once; the text value also goes to each text or enum field alone, for views that stop at
    the first bad field, and deep nesting to each field that may hold JSON, which only a save would dump. Query
    parameters all at once; path parameters once per path."""
    url = concrete(path, ids)
    fields = writable_fields(schema, operation) if method != "delete" else None
    if fields:
        for value in BODY_VALUES:
            body = "{" + ", ".join(f"{json.dumps(field)}: {value}" for field in fields) + "}"
            yield f"body every field={value[:20]}", url, body
        for field, field_schema in fields.items():
            kind = field_schema.get("type")  # None for enums (a $ref) and JSON fields
            if kind in (None, "string"):
                yield f"body {field}={TEXT}", url, "{" + json.dumps(field) + ": " + TEXT + "}"
            if kind not in SCALAR_TYPES:
                yield f"body {field}=deep", url, "{" + json.dumps(field) + ": " + DEEP + "}"
    for body in WHOLE_BODIES if fields is not None else ():
        yield f"body {body}", url, body
    if method != "delete":
        parameters = [resolve(schema, parameter) for parameter in operation.get("parameters", [])]
        names = [parameter["name"] for parameter in parameters if parameter["in"] == "query"]
        for value in QUERY_VALUES:
            query = "&".join(f"{name}={value}" for name in dict.fromkeys([*names, *QUERY_EVERYWHERE]))
            yield f"query every parameter={value}", f"{url}?{query}", None
    for name in PARAMETER.findall(path) if first_method else ():
        for value in PATH_VALUES:
            yield f"path {name}={value}", concrete(path, ids, (name, value)), None


def test_no_operation_answers_a_server_error_to_bad_input(objects):
    key, ids = objects
    schema = generated_schema()
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")
    server_errors, sent = [], 0
    for path, item in schema["paths"].items():
        methods = [method for method in METHODS if method in item]
        for method in methods:
            requests = bad_requests(schema, method, path, item[method], ids, first_method=method == methods[0])
            for label, url, body in requests:
                response = client.generic(method.upper(), url, body or "", content_type="application/json")
                sent += 1
                if response.status_code >= 500:
                    server_errors.append(f"{method.upper()} {path} {label}: {response.status_code}")
    assert sent > 3000
    assert server_errors == []
