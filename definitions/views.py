from django.db import transaction
from django.db.models import BooleanField, Value
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from activity.mixins import ActivityLogMixin
from activity.services import model_snapshot
from definitions.filters import PropertyDefinitionFilterSet
from definitions.models import EventProperty, PropertyDefinition
from definitions.serializers import PropertyDefinitionSerializer
from posthog_api.viewsets import TenantScopedViewSet

TYPE_PARAMETER = OpenApiParameter(
    "type",
    str,
    enum=["event", "person", "group", "session"],
    default="event",
    description="What property definitions to return\n\n* `event` - event\n* `person` - person\n* `group` - group\n"
    "* `session` - session",
)
TEXT = {"type": "string", "minLength": 1}
FLAG = {"type": "boolean", "default": False}
OPTIONAL_FLAG = {"type": "boolean", "nullable": True}
# PostHog's schemas of the list's filters; each description is the filter's label.
FILTER_SCHEMAS = {
    "event_names": TEXT,
    "exclude_core_properties": FLAG,
    "exclude_hidden": FLAG,
    "excluded_properties": TEXT,
    "filter_by_event_names": OPTIONAL_FLAG,
    "group_type_index": OpenApiTypes.INT,
    "is_feature_flag": OPTIONAL_FLAG,
    "is_numerical": OPTIONAL_FLAG,
    "properties": TEXT,
    "search": str,
    "verified": {"type": "boolean"},
}
LIST_PARAMETERS = [
    *(
        OpenApiParameter(name, schema, description=PropertyDefinitionFilterSet.base_filters[name].label)
        for name, schema in FILTER_SCHEMAS.items()
    ),
    TYPE_PARAMETER,
]


class PropertyDefinitionViewSet(
    TenantScopedViewSet,
    ActivityLogMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Property definitions of a project, as ingestion detected them; only the taxonomy fields are editable."""

    scope_object = "property_definition"
    activity_scope = "PropertyDefinition"
    serializer_class = PropertyDefinitionSerializer
    filterset_class = PropertyDefinitionFilterSet
    queryset = PropertyDefinition.objects.select_related("updated_by", "verified_by")

    def safely_get_queryset(self, queryset):
        if self.action == "list":
            return queryset
        return queryset.annotate(is_seen_on_filtered_events=Value(None, output_field=BooleanField(null=True)))

    def filter_queryset(self, queryset):
        # Note: the list's filters (`type` defaults to `event`) must not hide other definition types from detail routes.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @transaction.atomic
    def perform_update(self, serializer: PropertyDefinitionSerializer) -> None:
        fields = ["description", "tags", "property_type", "is_numerical", "verified", "hidden"]
        before = model_snapshot(serializer.instance, fields)
        definition = serializer.save()
        after = model_snapshot(definition, fields)
        self.log_activity("changed", definition, name=definition.name, before=before, after=after)

    @transaction.atomic
    def perform_destroy(self, definition: PropertyDefinition) -> None:
        definition_id = definition.pk
        definition.delete()
        definition.pk = definition_id
        self.log_activity("deleted", definition, name=definition.name)

    @extend_schema(
        parameters=[
            OpenApiParameter("event_names", {"type": "array", "items": {"type": "string"}}, explode=True),
            OpenApiParameter("property_name", str),
        ],
        responses={200: None},
    )
    @action(methods=["GET"], detail=False, required_scopes=["property_definition:read"])
    def seen_together(self, request, *args, **kwargs):
        event_names = [name for name in request.query_params.getlist("event_names") if name]
        property_name = request.query_params.get("property_name")
        if not event_names:
            raise ValidationError({"event_names": ["This query parameter is required."]})
        if not property_name:
            raise ValidationError({"property_name": ["This query parameter is required."]})
        seen = set(
            EventProperty.objects.filter(
                team__project_id=self.project.pk, property=property_name, event__in=event_names
            ).values_list("event", flat=True)
        )
        return Response({name: name in seen for name in event_names})
