import datetime as dt

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from groups.models import MAX_GROUP_TYPES_PER_PROJECT, Group
from ingestion.models import Event
from persons.models import Person, PersonDistinctId
from persons.selectors import top_property_values
from persons.serializers import DEFAULT_DISPLAY_NAME_PROPERTIES, display_name, sorted_distinct_ids
from posthog_api.parsing import uuid_or_none

PROPERTY_VALUES_LIMIT = 20
RELATED_WINDOW = dt.timedelta(days=90)
RELATED_LIMIT = 1000

GROUP_PROPERTY_KEYS = """
SELECT g.group_type_index, k.key, count(*) AS n
FROM groups_group g, jsonb_object_keys(g.group_properties) AS k(key)
WHERE g.team_id = %s AND jsonb_typeof(g.group_properties) = 'object'
GROUP BY g.group_type_index, k.key
ORDER BY g.group_type_index, n DESC, k.key
"""


def group_property_keys(*, team_id: int) -> dict[str, list[dict]]:
    """Per group type index, the property keys its groups have and how many groups have each."""
    with connection.cursor() as cursor:
        cursor.execute(GROUP_PROPERTY_KEYS, [team_id])
        rows = cursor.fetchall()
    result: dict[str, list[dict]] = {}
    for index, key, count in rows:
        result.setdefault(str(index), []).append({"name": key, "count": count})
    return result


def group_property_values(*, team_id: int, group_type_index: int, key: str, value: str = "") -> list[dict]:
    """The most frequent values of `key` among groups of one type, optionally only those containing `value`."""
    groups = Group.objects.filter(team_id=team_id, group_type_index=group_type_index, group_properties__has_key=key)
    return top_property_values(groups, field="group_properties", key=key, value=value, limit=PROPERTY_VALUES_LIMIT)


def group_actor(group: Group) -> dict:
    return {
        "type": "group",
        "id": group.group_key,
        "group_key": group.group_key,
        "group_type_index": group.group_type_index,
        "created_at": group.created_at.isoformat(),
        "properties": group.group_properties,
        "matched_recordings": [],
        "value_at_data_point": None,
    }


def person_actor(person: Person, name_properties=None) -> dict:
    distinct_ids = sorted_distinct_ids(person.distinct_ids)
    return {
        "type": "person",
        "id": str(person.uuid),
        "uuid": str(person.uuid),
        "created_at": person.created_at.isoformat(),
        "properties": person.properties,
        "is_identified": person.is_identified,
        "name": display_name(
            person_id=person.pk,
            properties=person.properties,
            distinct_ids=distinct_ids,
            name_properties=name_properties or DEFAULT_DISPLAY_NAME_PROPERTIES,
        ),
        "distinct_ids": distinct_ids,
        "matched_recordings": [],
        "value_at_data_point": None,
    }


def _group_keys_on(events, index: int) -> list[str]:
    return list(
        events.annotate(_key=KeyTextTransform(f"$group_{index}", "properties"))
        .exclude(_key=None)
        .values_list("_key", flat=True)
        .distinct()[:RELATED_LIMIT]
    )


def _groups(team_id: int, index: int, keys: list[str]) -> list[dict]:
    rows = Group.objects.filter(team_id=team_id, group_type_index=index, group_key__in=keys).order_by("group_key")
    return [group_actor(group) for group in rows]


def related_actors(*, team, group_type_index: int | None, actor_id: str) -> list[dict]:
    """Actors that shared events with the given person (uuid) or group (key) in the last 90 days."""
    events = Event.objects.filter(team_id=team.pk, timestamp__gte=timezone.now() - RELATED_WINDOW)
    if group_type_index is None:
        person_uuid = uuid_or_none(actor_id)
        person = Person.objects.filter(team_id=team.pk, uuid=person_uuid).first() if person_uuid else None
        if person is None:
            return []
        distinct_ids = list(PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True))
        events = events.filter(distinct_id__in=distinct_ids)
        return [
            actor
            for index in range(MAX_GROUP_TYPES_PER_PROJECT)
            for actor in _groups(team.pk, index, _group_keys_on(events, index))
        ]
    events = events.alias(_this=KeyTextTransform(f"$group_{group_type_index}", "properties")).filter(_this=actor_id)
    distinct_ids = list(events.values_list("distinct_id", flat=True).distinct()[:RELATED_LIMIT])
    persons = (
        Person.objects.filter(team_id=team.pk, distinct_id_rows__distinct_id__in=distinct_ids)
        .annotate(
            distinct_ids=ArraySubquery(
                PersonDistinctId.objects.filter(person_id=OuterRef("pk")).order_by("id").values("distinct_id")
            )
        )
        .distinct()
        .order_by("-created_at", "-id")
    )
    name_properties = getattr(team, "person_display_name_properties", None)
    actors = [person_actor(person, name_properties) for person in persons]
    for index in range(MAX_GROUP_TYPES_PER_PROJECT):
        if index != group_type_index:
            actors.extend(_groups(team.pk, index, _group_keys_on(events, index)))
    return actors
