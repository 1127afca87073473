from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.test.utils import CaptureQueriesContext

from organizations.models import OrganizationMembership
from posthog_api.pagination import LimitOffsetPagination
from users.models import User


def add_members(organization, count: int) -> None:
    users = User.objects.bulk_create(User(email=f"member{index}@example.com", password="") for index in range(count))
    OrganizationMembership.objects.bulk_create(OrganizationMembership(organization=organization, user=u) for u in users)
    # Distinct join times, so that the list order (newest first) is total and pages cannot overlap.
    OrganizationMembership.objects.filter(organization=organization).update(
        joined_at=F("joined_at") - ExpressionWrapper(Value(timedelta(seconds=1)) * F("user_id"), DurationField())
    )


def members_url(organization, query: str = "") -> str:
    return f"http://testserver/api/organizations/{organization.id}/members/{query}"


def test_list_defaults_to_100_rows_with_absolute_next_link(client, organization):
    add_members(organization, 150)
    response = client.get(f"/api/organizations/{organization.id}/members/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 151
    assert body["next"] == members_url(organization, "?limit=100&offset=100")
    assert body["previous"] is None
    assert len(body["results"]) == 100


def test_following_next_reaches_the_last_page_with_absolute_previous_link(client, organization):
    add_members(organization, 150)
    first = client.get(f"/api/organizations/{organization.id}/members/").json()
    last = client.get(first["next"]).json()
    assert last["count"] == 151
    assert last["next"] is None
    assert last["previous"] == members_url(organization, "?limit=100")
    assert len(last["results"]) == 51
    emails = {member["user"]["email"] for member in first["results"] + last["results"]}
    assert len(emails) == 151


def test_limit_and_offset_pick_a_window(client, organization):
    add_members(organization, 9)
    response = client.get(f"/api/organizations/{organization.id}/members/", {"limit": 3, "offset": 3})
    body = response.json()
    assert body["count"] == 10
    assert body["next"] == members_url(organization, "?limit=3&offset=6")
    assert body["previous"] == members_url(organization, "?limit=3")
    assert len(body["results"]) == 3


@pytest.mark.parametrize("query", [{"limit": "abc"}, {"limit": -1}, {"offset": "abc"}])
def test_malformed_limit_or_offset_falls_back_to_the_defaults(client, organization, query):
    add_members(organization, 2)
    body = client.get(f"/api/organizations/{organization.id}/members/", query).json()
    assert body["count"] == 3
    assert len(body["results"]) == 3


def test_a_large_limit_is_honoured(client, organization):
    add_members(organization, 150)
    body = client.get(f"/api/organizations/{organization.id}/members/", {"limit": 1000}).json()
    assert body["next"] is None
    assert len(body["results"]) == 151


def test_list_query_count_does_not_grow_with_page_size(client, organization):
    url = f"/api/organizations/{organization.id}/members/"
    client.get(url)  # the key's first use writes last_used_at
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url).json()["results"]) == 1
    add_members(organization, 120)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url).json()["results"]) == 100
    assert len(large.captured_queries) == len(small.captured_queries)


def test_default_pagination_is_limit_offset_with_100_rows(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] == "posthog_api.pagination.LimitOffsetPagination"
    assert LimitOffsetPagination.default_limit == 100
    assert LimitOffsetPagination.max_limit is None


@pytest.mark.parametrize("limit", [2**63, 10**20])
def test_a_limit_beyond_what_postgres_counts_means_every_row(client, organization, limit):
    add_members(organization, 2)
    response = client.get(f"/api/organizations/{organization.id}/members/", {"limit": limit})
    assert response.status_code == 200
    assert response.json()["next"] is None
    assert len(response.json()["results"]) == 3
