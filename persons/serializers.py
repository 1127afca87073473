import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from persons.models import Person

# Used when the project names no display properties of its own (PostHog's PERSON_DEFAULT_DISPLAY_NAME_PROPERTIES).
DEFAULT_DISPLAY_NAME_PROPERTIES = ("email", "Email", "$email", "name", "Name", "username", "Username", "UserName")
# posthog-js anonymous ids are UUID-shaped: five dash-separated alphanumeric groups.
ANONYMOUS_ID = re.compile(r"^[A-Za-z0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+$")

_datetime_field = serializers.DateTimeField()


def sorted_distinct_ids(distinct_ids: list[str]) -> list[str]:
    """Ids that do not look anonymous first, each group in its original order."""
    return sorted(distinct_ids, key=lambda value: ANONYMOUS_ID.match(value) is not None)


def display_name(*, person_id: int, properties: dict, distinct_ids: list[str], name_properties) -> str:
    for key in name_properties:
        value = properties.get(key) if isinstance(properties, dict) else None
        if value:
            return str(value)
    if distinct_ids:
        return distinct_ids[0]
    return str(person_id)


class PersonSerializer(serializers.ModelSerializer):
    """PostHog's Person. Only `properties` is writable. Rows must carry `distinct_ids` (see PersonViewSet)."""

    name = serializers.SerializerMethodField()
    distinct_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    properties = serializers.JSONField(required=False)

    class Meta:
        model = Person
        fields = ["id", "name", "distinct_ids", "properties", "created_at", "uuid"]
        read_only_fields = ["id", "name", "distinct_ids", "created_at", "uuid"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, person: Person) -> str:  # for the schema only: to_representation builds the whole row
        return self.to_representation(person)["name"]

    def to_representation(self, person: Person) -> dict:
        # NOTE: built by hand: the list endpoint serializes 100 persons per page and DRF's per-field machinery
        # costs more than the query (bench/persons_list.py compares both).
        distinct_ids = getattr(person, "distinct_ids", None)
        if distinct_ids is None:  # a row not loaded through PersonViewSet's queryset
            distinct_ids = list(person.distinct_id_rows.order_by("id").values_list("distinct_id", flat=True))
        distinct_ids = sorted_distinct_ids(distinct_ids)
        properties = person.properties
        name_properties = self.context.get("name_properties") or DEFAULT_DISPLAY_NAME_PROPERTIES
        return {
            "id": person.id,
            "name": display_name(
                person_id=person.id, properties=properties, distinct_ids=distinct_ids, name_properties=name_properties
            ),
            "distinct_ids": distinct_ids,
            "properties": properties,
            "created_at": _datetime_field.to_representation(person.created_at),
            "uuid": str(person.uuid),
        }


class PersonPropertiesSerializer(serializers.Serializer):
    """PUT/PATCH body: `properties` is merged into the person with `$set` semantics; other fields are ignored."""

    properties = serializers.DictField()


class SplitSerializer(serializers.Serializer):
    main_distinct_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class BulkDeleteSerializer(serializers.Serializer):
    distinct_ids = serializers.ListField(child=serializers.CharField(max_length=400), required=False)
    ids = serializers.ListField(child=serializers.UUIDField(), required=False)
    delete_events = serializers.BooleanField(required=False, default=False)
