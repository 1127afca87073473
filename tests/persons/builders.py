"""Rows for the persons, groups and definitions tests, written straight through the ORM."""

import datetime as dt
import itertools
import uuid

from django.utils import timezone

from groups.models import Group, GroupTypeMapping
from ingestion.models import Event
from persons.models import Person, PersonDistinctId, person_uuid_for

_sequence = itertools.count(1)
BASE_TIME = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def make_person(team, distinct_ids=(), properties=None, *, created_at=None, is_identified=False) -> Person:
    distinct_ids = list(distinct_ids) or [f"user-{next(_sequence)}"]
    person = Person.objects.create(
        team=team,
        uuid=person_uuid_for(team.pk, distinct_ids[0]),
        properties=properties or {},
        created_at=created_at or BASE_TIME + dt.timedelta(minutes=next(_sequence)),
        is_identified=is_identified,
    )
    for distinct_id in distinct_ids:
        PersonDistinctId.objects.create(team=team, person=person, distinct_id=distinct_id)
    return person


def make_event(team, distinct_id: str, event: str = "$pageview", properties=None, *, timestamp=None, person=None):
    timestamp = timestamp or timezone.now()
    return Event.objects.create(
        uuid=uuid.uuid4(),
        team=team,
        event=event,
        distinct_id=distinct_id,
        properties=properties or {},
        timestamp=timestamp,
        created_at=timestamp,
        person_id=person.uuid if person is not None else None,
    )


def distinct_ids_of(person: Person) -> list[str]:
    return list(PersonDistinctId.objects.filter(person=person).order_by("id").values_list("distinct_id", flat=True))


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def person_body(person: Person, *, name: str | None = None, distinct_ids: list[str] | None = None) -> dict:
    person.refresh_from_db()
    ids = distinct_ids if distinct_ids is not None else distinct_ids_of(person)
    return {
        "id": person.pk,
        "name": name if name is not None else (person.properties.get("email") or ids[0]),
        "distinct_ids": ids,
        "properties": person.properties,
        "created_at": iso(person.created_at),
        "uuid": str(person.uuid),
    }


def make_group_type(team, group_type: str, index: int):
    return GroupTypeMapping.objects.create(
        team=team, project_id=team.project_id, group_type=group_type, group_type_index=index
    )


def make_group(team, index: int, key: str, properties=None, *, created_at=None):
    return Group.objects.create(
        team=team,
        group_type_index=index,
        group_key=key,
        group_properties=properties or {},
        created_at=created_at or BASE_TIME + dt.timedelta(minutes=next(_sequence)),
    )
