"""The groups REST API's writes: applied synchronously with `$groupidentify` set semantics (§3, §5.2–5.5)."""

import uuid

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from groups.models import Group, GroupTypeMapping
from persons.services.rest import api_event_record

GROUP_PROPERTY_TYPE = 3
DUPLICATE_KEY = "A group with this key already exists"

UPSERT_GROUP_DEFINITION = """
INSERT INTO definitions_propertydefinition (
    id, team_id, project_id, name, type, group_type_index, is_numerical, property_type,
    description, tags, verified, hidden, updated_at
) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '{}', false, false, now())
ON CONFLICT (team_id, name, type, COALESCE(group_type_index, -1))
DO UPDATE SET property_type = EXCLUDED.property_type, is_numerical = EXCLUDED.is_numerical
"""


def detect_property_type(value) -> str:
    """The simple detection the groups REST API uses (it overwrites the stored type): no dates here."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Numeric"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return "Boolean"
    return "String"


def group_property_definitions_upsert(*, team, group_type_index: int, properties: dict) -> None:
    rows = [
        (
            uuid.uuid4(),
            team.pk,
            team.project_id,
            str(name)[:400],
            GROUP_PROPERTY_TYPE,
            group_type_index,
            detect_property_type(value) == "Numeric",
            detect_property_type(value),
        )
        for name, value in properties.items()
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT_GROUP_DEFINITION, rows)


def _record(*, team, event: str, mapping: GroupTypeMapping, group_key: str, properties: dict) -> None:
    """The event PostHog's groups API sends (as the project, person processing off), stored as processed."""
    api_event_record(
        team=team,
        event=event,
        distinct_id=str(team.uuid),
        properties={
            "$group_type": mapping.group_type,
            "$group_key": group_key,
            **properties,
            "$process_person_profile": False,
        },
        register_properties=False,
    )


def group_type_mapping(*, team, group_type_index: int) -> GroupTypeMapping:
    mapping = GroupTypeMapping.objects.filter(project_id=team.project_id, group_type_index=group_type_index).first()
    if mapping is None:
        raise NotFound()
    return mapping


@transaction.atomic
def group_create(*, team, group_type_index: int, group_key: str, properties: dict | None) -> Group:
    """A group of an existing group type; its properties become group property definitions."""
    mapping = group_type_mapping(team=team, group_type_index=group_type_index)
    properties = properties or {}
    now = timezone.now()
    try:
        with transaction.atomic():
            group = Group.objects.create(
                team=team,
                group_type_index=group_type_index,
                group_key=group_key,
                group_properties=properties,
                created_at=now,
                properties_last_updated_at=dict.fromkeys(properties, now.isoformat()),
                properties_last_operation=dict.fromkeys(properties, "set"),
            )
    except IntegrityError:
        raise ValidationError({"detail": [DUPLICATE_KEY]}) from None
    group_property_definitions_upsert(team=team, group_type_index=group_type_index, properties=properties)
    _record(
        team=team, event="$groupidentify", mapping=mapping, group_key=group_key, properties={"$group_set": properties}
    )
    return group


def _locked(group: Group) -> Group:
    return Group.objects.select_for_update().get(pk=group.pk)


@transaction.atomic
def group_update_property(*, team, group: Group, key: str, value) -> Group:
    group = _locked(group)
    if key not in group.group_properties or group.group_properties[key] != value:
        group.group_properties[key] = value
        group.properties_last_updated_at[key] = timezone.now().isoformat()
        group.properties_last_operation[key] = "set"
        group.version += 1
        group.save(
            update_fields=["group_properties", "properties_last_updated_at", "properties_last_operation", "version"]
        )
    group_property_definitions_upsert(team=team, group_type_index=group.group_type_index, properties={key: value})
    mapping = group_type_mapping(team=team, group_type_index=group.group_type_index)
    _record(
        team=team,
        event="$groupidentify",
        mapping=mapping,
        group_key=group.group_key,
        properties={"$group_set": {key: value}},
    )
    return group


@transaction.atomic
def group_delete_property(*, team, group: Group, key: str) -> Group:
    group = _locked(group)
    if key not in group.group_properties:
        raise ValidationError({"$unset": [f"Property '{key}' does not exist on this group."]})
    del group.group_properties[key]
    group.properties_last_updated_at.pop(key, None)
    group.properties_last_operation.pop(key, None)
    group.version += 1
    group.save(update_fields=["group_properties", "properties_last_updated_at", "properties_last_operation", "version"])
    mapping = group_type_mapping(team=team, group_type_index=group.group_type_index)
    _record(
        team=team,
        event="$delete_group_property",
        mapping=mapping,
        group_key=group.group_key,
        properties={"$group_unset": [key]},
    )
    return group
