import pytest
from posthog import Posthog

from definitions.models import PropertyDefinition
from groups.models import Group, GroupTypeMapping
from ingestion.models import Event
from persons.models import Person, PersonDistinctId
from posthog_api.testing import make_organization, make_user
from tests.ingestion.helpers import ingest

MODES = {
    "batch": {},
    "batch-gzip": {"gzip": True},
    "v1": {"capture_mode": "v1"},
    "v1-gzip": {"capture_mode": "v1", "capture_compression": "gzip"},
    "v1-deflate": {"capture_mode": "v1", "capture_compression": "deflate"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", MODES)
def test_the_official_python_sdk_creates_merged_persons_and_groups(live_server, mode):
    team = make_organization(make_user()).teams.get()
    errors = []
    client = Posthog(
        team.api_token,
        host=live_server.url,
        sync_mode=True,
        on_error=lambda error, _batch: errors.append(error),
        enable_local_evaluation=False,
        **MODES[mode],
    )
    client.capture("page_view", distinct_id="demo-anon-0001", properties={"$current_url": "https://example.com/"})
    client.capture(
        "$identify",
        distinct_id="user-1",
        properties={"$anon_distinct_id": "demo-anon-0001", "$set": {"email": "user-1@example.com", "plan": "pro"}},
    )
    client.set(distinct_id="user-1", properties={"tenant": "wire"})
    client.alias(previous_id="user-1", distinct_id="demo-user-1-alias")
    client.set_once(distinct_id="user-1", properties={"first_seen_via": "docs", "plan": "ignored"})
    client.group_identify("company", "acme", properties={"name": "Acme Inc", "employees": 42}, distinct_id="user-1")
    client.capture("purchase", distinct_id="user-1", properties={"amount": 10}, groups={"company": "acme"})
    client.flush()
    client.shutdown()
    assert errors == []

    assert ingest() == 7
    (person,) = Person.objects.filter(team=team)
    assert sorted(PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True)) == [
        "demo-anon-0001",
        "demo-user-1-alias",
        "user-1",
    ]
    assert person.is_identified
    assert {key: person.properties[key] for key in ("email", "plan", "tenant", "first_seen_via")} == {
        "email": "user-1@example.com",
        "plan": "pro",
        "tenant": "wire",
        "first_seen_via": "docs",
    }
    assert list(
        GroupTypeMapping.objects.filter(project=team.project).values_list("group_type", "group_type_index")
    ) == [("company", 0)]
    group = Group.objects.get(team=team)
    assert (group.group_key, group.group_properties) == ("acme", {"name": "Acme Inc", "employees": 42})
    purchase = Event.objects.get(team=team, event="purchase")
    assert (purchase.properties["$group_0"], purchase.properties["amount"], purchase.person_id) == (
        "acme",
        10,
        person.uuid,
    )
    types = dict(PropertyDefinition.objects.filter(team=team).values_list("name", "property_type"))
    assert (types["amount"], types["email"], types["employees"]) == ("Numeric", "String", "Numeric")
