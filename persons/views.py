from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response

from activity.mixins import ActivityLogMixin
from activity.selectors import activity_for, activity_page
from activity.services import change
from persons import selectors
from persons.filters import PersonFilterSet
from persons.models import Person, PersonDistinctId
from persons.pagination import PersonPagination
from persons.renderers import CSVRenderer
from persons.serializers import (
    BulkDeleteSerializer,
    PersonPropertiesSerializer,
    PersonSerializer,
    SplitSerializer,
)
from persons.services import rest as services
from posthog_api.parsers import JSONParser
from posthog_api.parsing import int_or_none, uuid_or_none
from posthog_api.renderers import JSONRenderer
from posthog_api.throttles import BurstRateThrottle, SustainedRateThrottle
from posthog_api.viewsets import TenantScopedViewSet

READ_ONLY_NOTE = (
    "This endpoint is meant for reading and deleting persons. To create or update persons, we recommend using the "
    "[capture API](https://posthog.com/docs/api/capture), the `$set` and `$unset` "
    "[properties](https://posthog.com/docs/product-analytics/user-properties), or one of our SDKs."
)
CREATE_REFUSED = (
    "Creating persons via this API is not allowed. Please create persons by sending an $identify event. "
    "See https://posthog.com/docs/product-analytics/identify for details."
)
BULK_LIMIT = 1000
DELETE_EVENTS_PARAMETER = OpenApiParameter(
    "delete_events",
    OpenApiTypes.BOOL,
    default=False,
    description=(
        "If true, a task to delete all events associated with this person will be created and queued. The task does "
        "not run immediately and instead is batched together and at 5AM UTC every Sunday"
    ),
)


class PersonsBurstThrottle(BurstRateThrottle):
    """PostHog's persons endpoints have their own, lower personal-key limits on top of the defaults."""

    scope = "persons_burst"
    rate = "180/minute"


class PersonsSustainedThrottle(SustainedRateThrottle):
    scope = "persons_sustained"
    rate = "1200/hour"


def required_error(field: str) -> ValidationError:
    """PostHog's person actions answer a missing field with `code` and `detail` swapped; clients see exactly this."""
    return ValidationError({field: "required"}, code="This field is required.")


def flag(request, name: str) -> bool:
    """A query flag: present and not an explicit false (PostHog tests presence only)."""
    value = request.query_params.get(name)
    return value is not None and value.strip().lower() not in ("false", "0", "no", "off")


@extend_schema(description=READ_ONLY_NOTE)
class PersonViewSet(TenantScopedViewSet, ActivityLogMixin, viewsets.ModelViewSet):
    """Persons of an environment. Writes are synchronous (`$set` / `$unset` semantics), unlike PostHog's queue."""

    scope_object = "person"
    activity_scope = "Person"
    environment_scoped = True
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    pagination_class = PersonPagination
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_classes = [BurstRateThrottle, SustainedRateThrottle, PersonsBurstThrottle, PersonsSustainedThrottle]
    operation_id_suffixes = {"activity": "_2"}
    queryset = Person.objects.annotate(
        distinct_ids=ArraySubquery(
            PersonDistinctId.objects.filter(person_id=OuterRef("pk")).order_by("id").values("distinct_id")
        )
    ).order_by("-created_at", "-id")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The list filters (`properties`, `search`, ...) name other things on detail routes (properties_timeline).
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def safely_get_object(self, queryset: QuerySet) -> Person:
        lookup = self.kwargs["pk"]
        if (uuid := uuid_or_none(lookup)) is not None:
            return get_object_or_404(queryset, uuid=uuid)
        if (pk := int_or_none(lookup)) is not None:
            return get_object_or_404(queryset, pk=pk)
        raise ValidationError(
            "The ID provided does not look like a personID. If you are using a distinctId, please use "
            f"/persons?distinct_id={lookup} instead."
        )

    def get_serializer_context(self) -> dict:
        name_properties = getattr(self.team, "person_display_name_properties", None)
        return {**super().get_serializer_context(), "name_properties": name_properties}

    def _person_response(self, person: Person, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=person.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "properties",
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                description="Filter Persons by person properties.",
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed("POST", detail=CREATE_REFUSED)

    @extend_schema(
        description=(
            'Only for setting properties on the person. "properties" from the request data will be updated via a '
            '"$set" event.\nThis means that only the properties listed will be updated, but other properties won\'t '
            "be removed nor updated.\nIf you would like to remove a property use the `delete_property` endpoint."
        )
    )
    @transaction.atomic
    def update(self, request, *args, **kwargs):
        person = self.get_object()
        if not isinstance(request.data, dict) or "properties" not in request.data:
            raise required_error("properties")
        body = PersonPropertiesSerializer(data={"properties": request.data["properties"]})
        body.is_valid(raise_exception=True)
        before = dict(person.properties)
        person = services.person_update_properties(
            team=self.team, person=person, properties=body.validated_data["properties"]
        )
        self._log_properties_change(person, before)
        return self._person_response(person)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(
        description="Use this endpoint to delete individual persons. For bulk deletion, use the bulk_delete endpoint "
        "instead.",
        parameters=[DELETE_EVENTS_PARAMETER],
    )
    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        person = self.get_object()
        name = self._name(person)
        services.person_delete(person=person, delete_events=flag(request, "delete_events"))
        self.log_activity("deleted", person, name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _name(self, person: Person) -> str:
        return self.get_serializer(person).data["name"]

    def _log_properties_change(self, person: Person, before: dict) -> None:
        if before != person.properties:
            changes = [change("Person", "properties", before, person.properties, action="changed")]
            self.log_activity("updated", person, name=self._name(person), changes=changes)

    @extend_schema(
        parameters=[
            OpenApiParameter("key", str, required=True, description="Specify the property key"),
            OpenApiParameter("value", {}, required=True, description="Specify the property value"),
        ],
        responses={200: None},
    )
    @action(methods=["POST"], detail=True, required_scopes=["person:write"])
    @transaction.atomic
    def update_property(self, request, *args, **kwargs):
        person = self.get_object()
        # Note: PostHog reads the body, its schema declares query parameters: a generated client sends those.
        body = request.data if isinstance(request.data, dict) else {}
        data = {name: body.get(name, request.query_params.get(name)) for name in ("key", "value")}
        if data.get("value") is None:
            raise required_error("value")
        if not isinstance(data.get("key"), str) or not data["key"]:
            raise required_error("key")
        before = dict(person.properties)
        person = services.person_update_properties(
            team=self.team, person=person, properties={data["key"]: data["value"]}
        )
        self._log_properties_change(person, before)
        return self._person_response(person)

    @extend_schema(
        parameters=[OpenApiParameter("$unset", str, required=True, description="Specify the property key to delete")],
        responses={200: None},
    )
    @action(methods=["POST"], detail=True, required_scopes=["person:write"])
    @transaction.atomic
    def delete_property(self, request, *args, **kwargs):
        person = self.get_object()
        data = request.data if isinstance(request.data, dict) else {}
        key = data.get("$unset", request.query_params.get("$unset"))
        if not isinstance(key, str) or not key:
            raise required_error("$unset")
        before = dict(person.properties)
        person = services.person_delete_property(team=self.team, person=person, key=key)
        changes = [change("Person", "properties", before, person.properties, action="changed")]
        self.log_activity("delete_property", person, name=self._name(person), changes=changes)
        return Response({"success": True})

    @extend_schema(responses={200: None})
    @action(methods=["POST"], detail=True, required_scopes=["person:write"])
    @transaction.atomic
    def split(self, request, *args, **kwargs):
        person = self.get_object()
        body = SplitSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        main = body.validated_data.get("main_distinct_id") or None
        if main is not None and main not in person.distinct_ids:
            raise ValidationError({"main_distinct_id": ["This distinct id does not belong to the person."]})
        name = self._name(person)
        distinct_ids = services.person_split(person=person, main_distinct_id=main)
        changes = [change("Person", None, None, {"distinct_ids": distinct_ids}, action="split")]
        self.log_activity("split_person", person, name=name, changes=changes)
        return Response({"success": True})

    @extend_schema(responses={202: None})
    @action(methods=["POST"], detail=True, required_scopes=["person:write"])
    def delete_events(self, request, *args, **kwargs):
        services.person_delete_events(person=self.get_object())
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={202: None})
    @action(methods=["POST"], detail=True, required_scopes=["person:write"])
    def delete_recordings(self, request, *args, **kwargs):
        self.get_object()  # no recordings are stored here: nothing to delete
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        description=(
            "This endpoint allows you to bulk delete persons, either by the PostHog person IDs or by distinct IDs. "
            "You can pass in a maximum of 1000 IDs per call."
        ),
        parameters=[
            DELETE_EVENTS_PARAMETER,
            OpenApiParameter(
                "distinct_ids",
                {"type": "object", "additionalProperties": {}},
                description="A list of distinct IDs, up to 1000 of them. We'll delete all persons associated with "
                "those distinct IDs.",
            ),
            OpenApiParameter(
                "ids",
                {"type": "object", "additionalProperties": {}},
                description="A list of PostHog person IDs, up to 1000 of them. We'll delete all the persons listed.",
            ),
        ],
        responses={202: None},
    )
    @action(methods=["POST"], detail=False, required_scopes=["person:write"])
    @transaction.atomic
    def bulk_delete(self, request, *args, **kwargs):
        data = dict(request.data) if isinstance(request.data, dict) else {}
        for name in ("distinct_ids", "ids"):
            if name not in data and name in request.query_params:
                data[name] = request.query_params.getlist(name)
        if "delete_events" not in data:
            data["delete_events"] = flag(request, "delete_events")
        body = BulkDeleteSerializer(data=data)
        body.is_valid(raise_exception=True)
        distinct_ids, ids = body.validated_data.get("distinct_ids"), body.validated_data.get("ids")
        if distinct_ids and len(distinct_ids) > BULK_LIMIT:
            raise ValidationError(f"You can only pass {BULK_LIMIT} distinct_ids in one call")
        if ids and len(ids) > BULK_LIMIT:
            raise ValidationError(f"You can only pass {BULK_LIMIT} ids in one call")
        if not distinct_ids and not ids:
            raise ValidationError("You need to specify either distinct_ids or ids")
        deleted = services.persons_bulk_delete(
            team_id=self.team.pk,
            distinct_ids=distinct_ids,
            uuids=ids,
            delete_events=body.validated_data["delete_events"],
        )
        for person in deleted:
            self.log_activity("deleted", person, name=str(person.uuid))
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={202: None})
    @action(methods=["POST"], detail=False, required_scopes=["person:write"])
    def reset_person_distinct_id(self, request, *args, **kwargs):
        distinct_id = request.data.get("distinct_id") if isinstance(request.data, dict) else None
        if not isinstance(distinct_id, str) or not distinct_id:
            raise ValidationError("distinct_id is required")
        services.person_reset_distinct_id(team_id=self.team.pk, distinct_id=distinct_id)
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["person:read"])
    def values(self, request, *args, **kwargs):
        key = request.query_params.get("key")
        if not key or key.startswith("$virt"):
            return Response([])
        return Response(
            selectors.person_property_values(team_id=self.team.pk, key=key, value=request.query_params.get("value"))
        )

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["person:read", "cohort:read"])
    def cohorts(self, request, *args, **kwargs):
        person_id = request.query_params.get("person_id")
        if not person_id:
            raise ValidationError({"person_id": ["This query parameter is required."]})
        self.kwargs["pk"] = person_id
        self.get_object()
        return Response({"results": []})  # no cohorts are stored here

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=True)
    def properties_timeline(self, request, *args, **kwargs):
        person = self.get_object()
        return Response(selectors.person_properties_timeline(person=person, params=request.query_params))

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False, url_path="activity", required_scopes=["activity_log:read"])
    def all_activity(self, request, *args, **kwargs):
        return Response(activity_page(request, activity_for(scope="Person", team_id=self.team.pk)))

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=True, required_scopes=["activity_log:read"])
    def activity(self, request, *args, **kwargs):
        person = self.get_object()
        return Response(activity_page(request, activity_for(scope="Person", team_id=self.team.pk, item_id=person.pk)))
