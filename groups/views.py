from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from activity.mixins import ActivityLogMixin
from activity.selectors import activity_for, activity_page
from activity.services import change
from groups import selectors
from groups.filters import GroupFilterSet
from groups.models import Group, GroupTypeMapping
from groups.pagination import GroupCursorPagination
from groups.serializers import (
    CreateGroupSerializer,
    GroupPropertyUpdateSerializer,
    GroupPropertyValuesQuerySerializer,
    GroupQuerySerializer,
    GroupSerializer,
    GroupTypeSerializer,
    RelatedQuerySerializer,
)
from groups.services import rest as services
from posthog_api.viewsets import TenantScopedViewSet

GROUP_TYPE_TO_FIND = OpenApiParameter(
    "group_type_index", int, required=True, description="Specify the group type to find"
)
GROUP_KEY_TO_FIND = OpenApiParameter(
    "group_key", str, required=True, description="Specify the key of the group to find"
)
ACTOR_ID = OpenApiParameter("id", str, required=True, description="Specify the id of the user to find groups for")
UNSET_MESSAGE = "This field is required and must be a string (the property name to delete)."


class GroupViewSet(
    TenantScopedViewSet, ActivityLogMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Groups of an environment, by group type index and key; writes apply synchronously."""

    scope_object = "group"
    activity_scope = "Group"
    environment_scoped = True
    serializer_class = GroupSerializer
    filterset_class = GroupFilterSet
    pagination_class = GroupCursorPagination
    queryset = Group.objects.all()

    def _query(self, serializer_class, data=None) -> dict:
        query = serializer_class(data=self.request.query_params if data is None else data)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def _group(self) -> Group:
        query = self._query(GroupQuerySerializer)
        group = (
            self.get_queryset()
            .filter(group_type_index=query["group_type_index"], group_key=query["group_key"])
            .select_related("team")
            .first()
        )
        if group is None:
            raise NotFound()
        return group

    @extend_schema(
        description=(
            "List all groups of a specific group type. You must pass ?group_type_index= in the URL. To get a list of "
            "valid group types, call /api/:project_id/groups_types/"
        ),
        parameters=[
            OpenApiParameter("group_type_index", int, required=True, description="Specify the group type to list"),
            OpenApiParameter("search", str, required=True, description="Search the group name"),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CreateGroupSerializer, responses={201: GroupSerializer})
    @transaction.atomic
    def create(self, request, *args, **kwargs):
        body = self._query(CreateGroupSerializer, data=request.data)
        group = services.group_create(
            team=self.team,
            group_type_index=body["group_type_index"],
            group_key=body["group_key"],
            properties=body.get("group_properties"),
        )
        changes = [change("Group", key, None, value) for key, value in group.group_properties.items()]
        self.log_activity("create_group", group, name=group.group_key, changes=changes)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[GROUP_KEY_TO_FIND, GROUP_TYPE_TO_FIND], responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["group:read"])
    def find(self, request, *args, **kwargs):
        return Response({**GroupSerializer(self._group()).data, "notebook": None})

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["group:read"])
    def property_definitions(self, request, *args, **kwargs):
        return Response(selectors.group_property_keys(team_id=self.team.pk))

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["group:read"])
    def property_values(self, request, *args, **kwargs):
        query = self._query(GroupPropertyValuesQuerySerializer)
        results = selectors.group_property_values(
            team_id=self.team.pk,
            group_type_index=query["group_type_index"],
            key=query["key"],
            value=query.get("value") or "",
        )
        return Response({"results": results, "refreshing": False})

    @extend_schema(parameters=[GROUP_TYPE_TO_FIND, ACTOR_ID], responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["group:read"])
    def related(self, request, *args, **kwargs):
        query = self._query(RelatedQuerySerializer)
        return Response(
            selectors.related_actors(
                team=self.team, group_type_index=query.get("group_type_index"), actor_id=query["id"]
            )
        )

    @extend_schema(parameters=[GROUP_KEY_TO_FIND, GROUP_TYPE_TO_FIND], responses={200: None})
    @action(methods=["POST"], detail=False, required_scopes=["group:write"])
    @transaction.atomic
    def update_property(self, request, *args, **kwargs):
        group = self._group()
        body = self._query(GroupPropertyUpdateSerializer, data=request.data)
        if body["value"] is None:
            raise ValidationError({"value": ["This field may not be null."]})
        key, before = body["key"], group.group_properties.get(body["key"])
        is_new = key not in group.group_properties
        group = services.group_update_property(team=self.team, group=group, key=key, value=body["value"])
        self.log_activity(
            "create_property" if is_new else "update_property",
            group,
            name=group.group_key,
            changes=[change("Group", key, before, body["value"], action="created" if is_new else "changed")],
        )
        return Response(GroupSerializer(group).data)

    @extend_schema(parameters=[GROUP_KEY_TO_FIND, GROUP_TYPE_TO_FIND], responses={200: None})
    @action(methods=["POST"], detail=False, required_scopes=["group:write"])
    @transaction.atomic
    def delete_property(self, request, *args, **kwargs):
        group = self._group()
        key = request.data.get("$unset") if isinstance(request.data, dict) else None
        if not isinstance(key, str):
            raise ValidationError({"$unset": [UNSET_MESSAGE]})
        before = group.group_properties.get(key)
        group = services.group_delete_property(team=self.team, group=group, key=key)
        changes = [change("Group", key, before, None, action="deleted")]
        self.log_activity("update_property", group, name=group.group_key, changes=changes)
        return Response(GroupSerializer(group).data)

    @extend_schema(parameters=[GROUP_TYPE_TO_FIND, ACTOR_ID], responses={200: None})
    @action(methods=["GET"], detail=False, required_scopes=["activity_log:read"])
    def activity(self, request, *args, **kwargs):
        params = request.query_params.copy()
        if "group_key" not in params and "id" in params:
            params["group_key"] = params["id"]
        query = GroupQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        group = self.get_queryset().filter(**query.validated_data).first()
        if group is None:
            raise NotFound()
        return Response(activity_page(request, activity_for(scope="Group", team_id=self.team.pk, item_id=group.pk)))


class GroupTypeViewSet(TenantScopedViewSet, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The group types of a project (index 0–4), as ingestion created them."""

    scope_object = "group"
    serializer_class = GroupTypeSerializer
    pagination_class = None
    filter_rewrite_rules = {"project_id": "project_id"}
    lookup_field = "group_type_index"
    queryset = GroupTypeMapping.objects.order_by("group_type_index")

    @transaction.atomic
    def perform_destroy(self, mapping: GroupTypeMapping) -> None:
        Group.objects.filter(team__project_id=mapping.project_id, group_type_index=mapping.group_type_index).delete()
        mapping.delete()

    @extend_schema(request=GroupTypeSerializer(many=True), responses={200: None})
    @action(methods=["PATCH"], detail=False)
    @transaction.atomic
    def update_metadata(self, request, *args, **kwargs):
        rows = request.data if isinstance(request.data, list) else []
        by_index = {mapping.group_type_index: mapping for mapping in self.get_queryset().select_for_update()}
        for row in rows:
            mapping = by_index.get(row.get("group_type_index")) if isinstance(row, dict) else None
            if mapping is None:
                continue
            serializer = GroupTypeSerializer(mapping, data=row, partial=True)
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return Response(GroupTypeSerializer(self.get_queryset(), many=True).data)
