import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from posthog_api.testing import error, key_client, make_key, not_authenticated, permission_denied

NO_ACTORS = [{"people": [], "count": 0}]
TOKEN_REFUSED = "This action does not support personal API key access"
# (method, action, roots): path and retention are served under /api/projects/ only, as in PostHog's schemas.
OPERATIONS = [
    ("get", "funnel", ("projects", "environments")),
    ("post", "funnel", ("projects", "environments")),
    ("get", "funnel/correlation", ("projects", "environments")),
    ("post", "funnel/correlation", ("projects", "environments")),
    ("get", "trends", ("projects", "environments")),
    ("get", "lifecycle", ("projects", "environments")),
    ("get", "stickiness", ("projects", "environments")),
    ("get", "path", ("projects",)),
    ("post", "path", ("projects",)),
    ("get", "retention", ("projects",)),
]
ROUTES = [(method, name, root) for method, name, roots in OPERATIONS for root in roots]
LIFECYCLE_QUERY = "?target_date=2026-11-01&lifecycle_type=new"


@pytest.fixture
def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def actors_url(team, name: str, query: str = "", root: str = "projects") -> str:
    return f"/api/{root}/{team.id}/persons/{name}/{query}"


def call(client, method: str, url: str, body=None):
    return client.post(url, body or {}, format="json") if method == "post" else client.get(url)


def assert_fresh_page(body: dict, initial: str) -> None:
    last_refresh = dt.datetime.fromisoformat(body.pop("last_refresh"))
    assert abs(timezone.now() - last_refresh) < dt.timedelta(minutes=1)
    assert body == {"results": NO_ACTORS, "next": None, "initial": initial, "missing_persons": 0, "is_cached": False}


@pytest.mark.parametrize("root", ["projects", "environments"])
@pytest.mark.parametrize("name", ["funnel", "funnel/correlation", "trends"])
def test_funnel_style_endpoints_answer_an_empty_actor_page(session, team, name, root):
    response = session.get(actors_url(team, name, "?funnel_window_days=14", root))
    assert response.status_code == 200
    assert_fresh_page(response.json(), f"http://testserver/api/{root}/{team.id}/persons/{name}/?funnel_window_days=14")


@pytest.mark.parametrize("name", ["funnel", "funnel/correlation", "path"])
def test_posted_filters_are_accepted(session, team, name):
    body = {"insight": "FUNNELS", "events": [{"id": "$pageview", "order": 0}], "funnel_step": 1}
    response = session.post(actors_url(team, name), body, format="json")
    assert response.status_code == 200
    assert_fresh_page(response.json(), f"http://testserver/api/projects/{team.id}/persons/{name}/")


def test_initial_is_the_first_page_of_the_same_query(session, team):
    response = session.get(actors_url(team, "funnel", "?offset=200&limit=100&funnel_step=2&funnel_step=3"))
    assert response.status_code == 200
    assert response.json()["initial"] == (
        f"http://testserver/api/projects/{team.id}/persons/funnel/?limit=100&funnel_step=2&funnel_step=3"
    )


def test_stickiness_answers_an_empty_actor_list(session, team):
    response = session.get(actors_url(team, "stickiness", "?stickiness_days=3"))
    assert response.status_code == 200
    assert response.json() == {"results": NO_ACTORS, "next": None}


def test_retention_answers_its_legacy_shape(session, team):
    response = session.get(actors_url(team, "retention", "?selected_interval=2"))
    assert response.status_code == 200
    assert response.json() == {"result": [], "next": None}


@pytest.mark.parametrize("root", ["projects", "environments"])
def test_lifecycle_answers_an_empty_actor_list_for_a_date_and_type(session, team, root):
    response = session.get(actors_url(team, "lifecycle", LIFECYCLE_QUERY, root))
    assert response.status_code == 200
    assert response.json() == {"results": NO_ACTORS, "next": None}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "Must include specified date"),
        ("?lifecycle_type=new", "Must include specified date"),
        ("?target_date=&lifecycle_type=new", "Must include specified date"),
        ("?target_date=2026-11-01", "Must include lifecycle type"),
    ],
)
def test_lifecycle_needs_a_target_date_and_a_lifecycle_type(session, team, query, detail):
    response = session.get(actors_url(team, "lifecycle", query))
    assert response.status_code == 400
    assert response.json() == {"message": "Missing parameter", "detail": detail}


@pytest.mark.parametrize(
    "query",
    ["", '?funnel_filter={"insight":"FUNNELS","funnel_step":2}', "?funnel_filter="],
    ids=["none", "json", "empty"],
)
def test_path_accepts_an_optional_funnel_filter(session, team, query):
    response = session.get(actors_url(team, "path", query))
    assert response.status_code == 200
    assert response.json()["results"] == NO_ACTORS


def test_path_takes_a_funnel_filter_from_a_form_body(session, team):
    response = session.post(actors_url(team, "path"), {"funnel_filter": '{"funnel_step": 1}'})
    assert response.status_code == 200
    assert response.json()["results"] == NO_ACTORS


@pytest.mark.parametrize(
    ("method", "value"),
    [("get", "not json"), ("get", "[1, 2]"), ("post", "{broken"), ("post", 5), ("post", ["a"])],
)
def test_path_refuses_a_funnel_filter_that_is_not_a_json_object(session, team, method, value):
    if method == "get":
        response = session.get(actors_url(team, "path"), {"funnel_filter": value})
    else:
        response = session.post(actors_url(team, "path"), {"funnel_filter": value}, format="json")
    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Must be a JSON object.", "funnel_filter")


def test_csv_is_offered_like_on_the_other_persons_endpoints(session, team):
    response = session.get(actors_url(team, "stickiness", "?format=csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == ["people,count", "[],0"]


@pytest.mark.parametrize(("method", "name", "root"), ROUTES)
def test_personal_api_keys_are_refused_even_with_every_scope(client, team, method, name, root):
    response = call(client, method, actors_url(team, name, LIFECYCLE_QUERY, root))
    assert response.status_code == 403
    assert response.json() == permission_denied(TOKEN_REFUSED)


@pytest.mark.parametrize(("method", "name", "root"), ROUTES)
def test_person_scoped_keys_are_refused_too(user, team, method, name, root):
    reader = key_client(make_key(user, scopes=["person:read", "person:write"]))
    response = call(reader, method, actors_url(team, name, LIFECYCLE_QUERY, root))
    assert response.status_code == 403
    assert response.json() == permission_denied(TOKEN_REFUSED)


@pytest.mark.parametrize(("method", "name", "root"), ROUTES)
def test_members_of_another_organization_are_refused(other_user, other_organization, team, method, name, root):
    outsider = APIClient()
    outsider.force_login(other_user)
    response = call(outsider, method, actors_url(team, name, LIFECYCLE_QUERY, root))
    assert response.status_code == 403
    assert response.json() == permission_denied("You don't have access to the project.")


@pytest.mark.parametrize(("method", "name", "root"), ROUTES)
def test_anonymous_callers_get_401(anonymous, team, method, name, root):
    response = call(anonymous, method, actors_url(team, name, LIFECYCLE_QUERY, root))
    assert response.status_code == 401
    assert response.json() == not_authenticated()


@pytest.mark.parametrize("name", ["path", "retention"])
def test_path_and_retention_are_not_environment_routes(session, team, name):
    response = session.get(actors_url(team, name, root="environments"))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The ID provided does not look like a personID.")


@pytest.mark.parametrize("name", ["trends", "lifecycle", "stickiness", "retention"])
def test_read_only_actor_endpoints_refuse_post(session, team, name):
    response = session.post(actors_url(team, name), {}, format="json")
    assert response.status_code == 405
    assert response.json() == error("invalid_request", "method_not_allowed", 'Method "POST" not allowed.')
