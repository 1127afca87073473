from django.db import transaction
from django.db.models import BooleanField, Value
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from activity.services import activity_log_record, model_snapshot
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
LIST_PARAMETERS = [
    OpenApiParameter(
        "event_names",
        {"type": "string", "minLength": 1},
        description="If sent, response value will have `is_seen_on_filtered_events` populated. JSON-encoded",
    ),
    OpenApiParameter(
        "exclude_core_properties",
        {"type": "boolean", "default": False},
        description="Whether to exclude core properties",
    ),
    OpenApiParameter(
        "exclude_hidden",
        {"type": "boolean", "default": False},
        description="Whether to exclude properties marked as hidden",
    ),
    OpenApiParameter(
        "excluded_properties",
        {"type": "string", "minLength": 1},
        description="JSON-encoded list of excluded properties",
    ),
    OpenApiParameter(
        "filter_by_event_names",
        {"type": "boolean", "nullable": True},
        description="Whether to return only properties for events in `event_names`",
    ),
    OpenApiParameter(
        "group_type_index",
        OpenApiTypes.INT,
        description="What group type is the property for. Only should be set if `type=group`",
    ),
    OpenApiParameter(
        "is_feature_flag",
        {"type": "boolean", "nullable": True},
        description="Whether to return only (or excluding) feature flag properties",
    ),
    OpenApiParameter(
        "is_numerical",
        {"type": "boolean", "nullable": True},
        description="Whether to return only (or excluding) numerical property definitions",
    ),
    OpenApiParameter(
        "properties",
        {"type": "string", "minLength": 1},
        description="Comma-separated list of properties to filter",
    ),
    OpenApiParameter("search", str, description="Searches properties by name"),
    TYPE_PARAMETER,
    OpenApiParameter("verified", {"type": "boolean"}, description="Whether to return only verified properties"),
]


class PropertyDefinitionViewSet(
    TenantScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Property definitions of a project, as ingestion detected them; only the taxonomy fields are editable."""

    scope_object = "property_definition"
    serializer_class = PropertyDefinitionSerializer
    filterset_class = PropertyDefinitionFilterSet
    queryset = PropertyDefinition.objects.select_related("updated_by", "verified_by")

    def safely_get_queryset(self, queryset):
        if self.action == "list":
            return queryset
        return queryset.annotate(is_seen_on_filtered_events=Value(None, output_field=BooleanField(null=True)))

    def _log(self, activity: str, definition: PropertyDefinition, changes=None, before=None, after=None) -> None:
        user = self.request.user if getattr(self.request.user, "pk", None) else None
        activity_log_record(
            scope="PropertyDefinition",
            activity=activity,
            item_id=definition.pk,
            user=user,
            team_id=self.team.pk,
            name=definition.name,
            changes=changes,
            before=before,
            after=after,
        )

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @transaction.atomic
    def perform_update(self, serializer: PropertyDefinitionSerializer) -> None:
        fields = ["description", "tags", "property_type", "is_numerical", "verified", "hidden"]
        before = model_snapshot(serializer.instance, fields)
        definition = serializer.save()
        self._log("changed", definition, before=before, after=model_snapshot(definition, fields))

    @transaction.atomic
    def perform_destroy(self, definition: PropertyDefinition) -> None:
        definition_id = definition.pk
        definition.delete()
        definition.pk = definition_id
        self._log("deleted", definition)

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
