"""Person writes.

The REST API's writes (person_update_properties ... person_reset_distinct_id) apply synchronously, with the
`$set` / `$unset` semantics ingestion uses (persons-groups-ingestion.md §2.4), under a row lock so they never race
the ingestion worker's batch for the same person. Where PostHog sends an event through its pipeline instead (§2.7),
the same event is stored here as already processed (`api_event_record`), with its definitions; it is not queued,
so a person deleted right after an update is never recreated by a late `$set`.
"""

import uuid

from django.db import connection, transaction
from django.utils import timezone

from definitions.services import DefinitionBatch
from ingestion.models import Event
from persons.models import Person, PersonDistinctId, PersonlessDistinctId, person_uuid_for


def api_event_record(
    *,
    team,
    event: str,
    distinct_id: str,
    properties: dict,
    person_uuid=None,
    person_properties: dict | None = None,
    register_properties: bool = True,
) -> Event:
    """Store an event the REST API emits (`$set`, `$delete_person_property`, `$groupidentify`, ...) as processed,
    registering its event and property definitions as ingestion would."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT ingestion_ensure_event_partition(%s)", [now])
    row = Event.objects.create(
        uuid=uuid.uuid4(),
        team_id=team.pk,
        event=event,
        distinct_id=distinct_id,
        properties=properties,
        timestamp=now,
        created_at=now,
        person_id=person_uuid,
    )
    definitions = DefinitionBatch(team_id=team.pk, project_id=team.project_id)
    definitions.add_event(event=event, timestamp=now, properties=properties, register_properties=register_properties)
    if person_properties:
        definitions.add_person_properties(person_properties)
    definitions.flush()
    return row


def _first_distinct_id(person: Person) -> str | None:
    return PersonDistinctId.objects.filter(person=person).order_by("id").values_list("distinct_id", flat=True).first()


def _locked(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


@transaction.atomic
def person_update_properties(*, team, person: Person, properties: dict) -> Person:
    """`$set` of `properties`: changed keys are written, keys not listed are kept; an unchanged person is not saved.
    A `$set` event is recorded either way, as PostHog sends one."""
    person = _locked(person)
    if (distinct_id := _first_distinct_id(person)) is not None:
        api_event_record(
            team=team,
            event="$set",
            distinct_id=distinct_id,
            properties={"$set": properties},
            person_uuid=person.uuid,
            person_properties=properties,
        )
    now = timezone.now().isoformat()
    changed = False
    for key, value in properties.items():
        if key in person.properties and person.properties[key] == value:
            continue
        person.properties[key] = value
        person.properties_last_updated_at[key] = now
        person.properties_last_operation[key] = "set"
        changed = True
    if changed:
        person.version += 1
        person.save(update_fields=["properties", "properties_last_updated_at", "properties_last_operation", "version"])
    return person


@transaction.atomic
def person_delete_property(*, team, person: Person, key: str) -> Person:
    """`$unset` of one key; absent keys are no change. Records the `$delete_person_property` event."""
    person = _locked(person)
    if (distinct_id := _first_distinct_id(person)) is not None:
        api_event_record(
            team=team,
            event="$delete_person_property",
            distinct_id=distinct_id,
            properties={"$unset": [key]},
            person_uuid=person.uuid,
        )
    if key in person.properties:
        del person.properties[key]
        person.properties_last_updated_at.pop(key, None)
        person.properties_last_operation.pop(key, None)
        person.version += 1
        person.save(update_fields=["properties", "properties_last_updated_at", "properties_last_operation", "version"])
    return person


def person_delete_events(*, person: Person) -> int:
    """Delete the person's events: those stamped with its uuid or sent with one of its distinct ids."""
    distinct_ids = list(PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True))
    return _delete_events(team_id=person.team_id, person_uuids=[person.uuid], distinct_ids=distinct_ids)


def _delete_events(*, team_id: int, person_uuids: list, distinct_ids: list[str]) -> int:
    deleted = 0
    if distinct_ids:
        deleted += Event.objects.filter(team_id=team_id, distinct_id__in=distinct_ids).delete()[0]
    if person_uuids:
        deleted += Event.objects.filter(team_id=team_id, person_id__in=person_uuids).delete()[0]
    return deleted


@transaction.atomic
def person_delete(*, person: Person, delete_events: bool = False) -> None:
    """Delete the person and free its distinct ids (new events recreate a person with the same derived uuid)."""
    person = _locked(person)  # waits for an ingestion batch that holds the person, so none of its ids is left behind
    if delete_events:
        person_delete_events(person=person)
    PersonDistinctId.objects.filter(person=person).delete()
    Person.objects.filter(pk=person.pk).delete()


@transaction.atomic
def persons_bulk_delete(
    *, team_id: int, distinct_ids: list[str] | None = None, uuids: list | None = None, delete_events: bool = False
) -> list[Person]:
    """Delete the persons owning `distinct_ids` or with those `uuids`; unknown ids are ignored. Returns the deleted."""
    persons = Person.objects.filter(team_id=team_id)
    if distinct_ids:
        persons = persons.filter(
            pk__in=PersonDistinctId.objects.filter(team_id=team_id, distinct_id__in=distinct_ids).values("person_id")
        )
    else:
        persons = persons.filter(uuid__in=uuids or [])
    deleted = list(persons.select_for_update())
    if not deleted:
        return []
    ids = [person.pk for person in deleted]
    if delete_events:
        owned = list(PersonDistinctId.objects.filter(person_id__in=ids).values_list("distinct_id", flat=True))
        _delete_events(team_id=team_id, person_uuids=[person.uuid for person in deleted], distinct_ids=owned)
    PersonDistinctId.objects.filter(person_id__in=ids).delete()
    Person.objects.filter(pk__in=ids).delete()
    return deleted


@transaction.atomic
def person_split(*, person: Person, main_distinct_id: str | None = None) -> list[str]:
    """Give every distinct id but `main_distinct_id` its own person (uuid derived from that id, empty properties).

    Without `main_distinct_id` the first id stays and the person's properties are cleared. An id whose derived uuid
    is the original person's own stays with it, as in PostHog. Returns the person's distinct ids before the split.
    """
    person = _locked(person)
    rows = list(PersonDistinctId.objects.select_for_update().filter(person=person).order_by("id"))
    distinct_ids = [row.distinct_id for row in rows]
    if not main_distinct_id:
        main_distinct_id = distinct_ids[0] if distinct_ids else None
        person.properties, person.properties_last_updated_at, person.properties_last_operation = {}, {}, {}
        person.version += 1
        person.save(update_fields=["properties", "properties_last_updated_at", "properties_last_operation", "version"])
    for row in rows:
        if row.distinct_id == main_distinct_id:
            continue
        target, _ = Person.objects.get_or_create(
            team_id=person.team_id,
            uuid=person_uuid_for(person.team_id, row.distinct_id),
            defaults={"version": person.version + 1},
        )
        if target.pk == person.pk:
            continue
        row.person = target
        row.version += 1
        row.save(update_fields=["person", "version"])
    return distinct_ids


@transaction.atomic
def person_reset_distinct_id(*, team_id: int, distinct_id: str) -> None:
    """Make a distinct id fresh again: forget that it was used person-less, so the next event starts over."""
    PersonlessDistinctId.objects.filter(team_id=team_id, distinct_id=distinct_id).delete()
