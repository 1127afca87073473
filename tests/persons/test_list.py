import json
from urllib.parse import quote

import pytest
from django.test import override_settings

from persons.views import PersonsBurstThrottle
from posthog_api.testing import add_member, error, key_client, make_key, make_organization, make_user, permission_denied
from projects.services.creation import project_create
from tests.persons.builders import make_person, person_body

ANONYMOUS_ID = "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"


def persons_url(team, query: str = "", root: str = "environments") -> str:
    return f"/api/{root}/{team.id}/persons/{query}"


def test_list_returns_whole_persons_newest_first_with_a_count(client, team):
    older = make_person(team, ["alice"], {"email": "alice@example.com", "plan": "pro"})
    newer = make_person(team, [ANONYMOUS_ID, "bob"], {"name": "Bob"})
    response = client.get(persons_url(team))
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            person_body(newer, name="Bob", distinct_ids=["bob", ANONYMOUS_ID]),
            person_body(older, name="alice@example.com"),
        ],
    }


def test_name_falls_back_to_the_first_non_anonymous_distinct_id_then_the_id(client, team):
    anonymous_only = make_person(team, [ANONYMOUS_ID])
    named_by_id = make_person(team, [f"{ANONYMOUS_ID}0", "carol"])
    results = client.get(persons_url(team)).json()["results"]
    assert [row["name"] for row in results] == ["carol", ANONYMOUS_ID]
    assert results[0]["distinct_ids"] == ["carol", f"{ANONYMOUS_ID}0"]
    assert results[1]["id"] == anonymous_only.pk and named_by_id.pk == results[0]["id"]


def test_the_projects_route_reads_the_same_environment(client, team):
    person = make_person(team, ["dave"])
    response = client.get(persons_url(team, root="projects"))
    assert response.status_code == 200
    assert response.json()["results"] == [person_body(person)]


def test_a_full_page_links_to_the_next_offset_and_back(client, team):
    persons = [make_person(team, [f"p{index}"]) for index in range(3)]
    first = client.get(persons_url(team, "?limit=2")).json()
    assert first["count"] == 3
    assert [row["id"] for row in first["results"]] == [persons[2].pk, persons[1].pk]
    assert first["next"] == f"http://testserver/api/environments/{team.id}/persons/?limit=2&offset=2"
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [persons[0].pk]
    assert second["next"] is None
    assert second["previous"] == f"http://testserver/api/environments/{team.id}/persons/?limit=2&offset=0"


def test_a_full_last_page_still_links_to_an_empty_one_as_posthog_does(client, team):
    for index in range(2):
        make_person(team, [f"q{index}"])
    body = client.get(persons_url(team, "?limit=2")).json()
    assert body["next"] == f"http://testserver/api/environments/{team.id}/persons/?limit=2&offset=2"
    assert client.get(body["next"]).json() == {
        "count": 2,
        "next": None,
        "previous": f"http://testserver/api/environments/{team.id}/persons/?limit=2&offset=0",
        "results": [],
    }


def test_distinct_id_filter_finds_the_owner_exactly(client, team):
    owner = make_person(team, ["anon-1", "erin"])
    make_person(team, ["erin-2"])
    response = client.get(persons_url(team, "?distinct_id=anon-1"))
    assert response.json()["results"] == [person_body(owner, distinct_ids=["anon-1", "erin"])]
    assert client.get(persons_url(team, "?distinct_id=anon")).json()["results"] == []


def test_email_filter_is_an_exact_match(client, team):
    frank = make_person(team, ["frank"], {"email": "frank@example.com"})
    make_person(team, ["frankie"], {"email": "frankie@example.com"})
    assert client.get(persons_url(team, "?email=frank@example.com")).json()["results"] == [person_body(frank)]


def test_search_matches_part_of_the_email_or_a_whole_distinct_id(client, team):
    by_email = make_person(team, ["g1"], {"email": "Grace@Example.com"})
    by_id = make_person(team, ["grace-device"])
    make_person(team, ["h1"], {"email": "heidi@example.com"})
    ids = [row["id"] for row in client.get(persons_url(team, "?search=grace@example")).json()["results"]]
    assert ids == [by_email.pk]
    ids = [row["id"] for row in client.get(persons_url(team, "?search=grace-device")).json()["results"]]
    assert ids == [by_id.pk]


def properties_query(filters) -> str:
    return "?properties=" + quote(json.dumps(filters))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"key": "plan", "value": "pro", "type": "person"}], ["pro"]),
        ([{"key": "plan", "value": ["pro", "free"], "operator": "exact"}], ["free", "pro"]),
        ([{"key": "plan", "value": "pro", "operator": "is_not"}], ["free", "none"]),
        ([{"key": "plan", "value": "R", "operator": "icontains"}], ["free", "pro"]),
        ([{"key": "plan", "value": "r", "operator": "not_icontains"}], ["none"]),
        ([{"key": "plan", "value": "^f", "operator": "regex"}], ["free"]),
        ([{"key": "seats", "value": 5, "operator": "gt"}], ["pro"]),
        ([{"key": "seats", "value": "5", "operator": "lte"}], ["free"]),
        ([{"key": "plan", "operator": "is_set"}], ["free", "pro"]),
        ([{"key": "plan", "operator": "is_not_set"}], ["none"]),
        ([{"key": "signed_up", "value": "2025-06-01", "operator": "is_date_after"}], ["pro"]),
        ([{"key": "signed_up", "value": "2025-06-01", "operator": "is_date_before"}], ["free"]),
        ([{"key": "signed_up", "value": "2025-01-02", "operator": "is_date_exact"}], ["free"]),
        (
            {
                "type": "OR",
                "values": [{"key": "plan", "value": "free"}, {"key": "seats", "value": 10, "operator": "gte"}],
            },
            ["free", "pro"],
        ),
    ],
)
def test_property_filters(client, team, filters, expected):
    make_person(team, ["pro"], {"plan": "pro", "seats": 10, "signed_up": "2025-07-15T10:00:00Z"})
    make_person(team, ["free"], {"plan": "free", "seats": "5", "signed_up": "2025-01-02"})
    make_person(team, ["none"], {"seats": "many"})
    response = client.get(persons_url(team, properties_query(filters)))
    assert response.status_code == 200
    assert sorted(row["distinct_ids"][0] for row in response.json()["results"]) == expected


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("not json", "Properties are unparsable!"),
        (json.dumps({"key": "plan"}) + "x", "Properties are unparsable!"),
        (json.dumps([{"key": "plan", "value": "x", "operator": "between"}]), "Unknown operator `between`."),
        (json.dumps([{"key": "plan", "value": "(", "operator": "regex"}]), "Invalid regular expression '('."),
        (json.dumps([{"key": "seats", "value": "lots", "operator": "gt"}]), "Value 'lots' is not a number."),
        (
            json.dumps([{"key": "$browser", "value": "x", "type": "event"}]),
            "Persons can only be filtered by person properties, not `event`.",
        ),
        (json.dumps([{"value": "x"}]), "Every property filter needs a `key`."),
    ],
)
def test_bad_property_filters_answer_400(client, team, raw, detail):
    make_person(team, ["ivan"])
    response = client.get(persons_url(team, "?properties=" + quote(raw)))
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", detail, "properties")


def test_csv_format_flattens_each_person(client, team):
    person = make_person(team, ["judy", "judy-phone"], {"email": "judy@example.com"})
    response = client.get(persons_url(team, "?format=csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "id,name,distinct_ids.0,distinct_ids.1,properties.email,created_at,uuid"
    created = person.created_at.isoformat().replace("+00:00", "Z")
    assert lines[1] == f"{person.pk},judy@example.com,judy,judy-phone,judy@example.com,{created},{person.uuid}"


def test_listing_costs_the_same_queries_for_3_or_30_persons(client, team, django_assert_num_queries):
    for index in range(3):
        make_person(team, [f"a{index}", f"b{index}", f"c{index}"], {"email": f"{index}@example.com"})
    client.get(persons_url(team))  # the key's last_used_at is written once an hour
    with django_assert_num_queries(4):  # the environment comes with the caller's membership
        assert len(client.get(persons_url(team)).json()["results"]) == 3
    for index in range(27):
        make_person(team, [f"d{index}", f"e{index}"])
    with django_assert_num_queries(4):
        assert len(client.get(persons_url(team)).json()["results"]) == 30


def test_persons_of_another_environment_of_the_same_organization_stay_hidden(client, user, organization, team):
    _, other_team = project_create(organization=organization, created_by=user, name="Other")
    make_person(other_team, ["kim"])
    mine = make_person(team, ["lee"])
    assert client.get(persons_url(team)).json()["results"] == [person_body(mine)]
    assert client.get(persons_url(team, "?distinct_id=kim")).json()["results"] == []


def test_another_organizations_key_sees_nothing(team):
    make_person(team, ["mallory"])
    outsider = make_user()
    make_organization(outsider)
    response = key_client(make_key(outsider)).get(persons_url(team))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")


def test_a_key_without_person_read_is_refused(user, team):
    response = key_client(make_key(user, scopes=["group:read"])).get(persons_url(team))
    assert response.status_code == 403
    assert response.json() == permission_denied("API key missing required scope 'person:read'")


def test_a_member_reads_persons(organization, team):
    member = make_user()
    add_member(organization, member)
    person = make_person(team, ["nina"])
    response = key_client(make_key(member, scopes=["person:read"])).get(persons_url(team))
    assert response.json()["results"] == [person_body(person)]


def test_unknown_environment_is_404(client):
    response = client.get("/api/environments/999999/persons/")
    assert response.status_code == 404


def test_persons_have_their_own_lower_key_rate(client, team, monkeypatch):
    monkeypatch.setattr(PersonsBurstThrottle, "rate", "2/minute")
    with override_settings(RATE_LIMIT_ENABLED=True):
        assert [client.get(persons_url(team)).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/api/users/@me/").status_code == 200
    assert client.get(persons_url(team)).status_code == 200
