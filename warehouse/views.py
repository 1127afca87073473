from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from posthog_api.viewsets import TenantScopedViewSet
from warehouse import services
from warehouse.filters import TableFilterSet
from warehouse.selectors import live_tables
from warehouse.serializers import TableSerializer, UpdateSchemaSerializer

WRITE = ["warehouse_table:write"]
# An upload is a form; a JSON body simply carries no file (parsers stay the defaults, so that authentication,
# which may read the body, never fails on a media type before permissions are checked).
FORM_BODIES = {"multipart/form-data": TableSerializer, "application/x-www-form-urlencoded": TableSerializer}


def message_response(error: services.MessageError) -> Response:
    return Response({"message": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class TableViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Create, Read, Update and Delete Warehouse Tables."""

    scope_object = "warehouse_table"
    environment_scoped = True
    serializer_class = TableSerializer
    filterset_class = TableFilterSet
    queryset = live_tables().select_related("created_by", "credential__created_by").order_by("-created_at", "-id")

    def get_serializer_context(self) -> dict:
        include_columns = self.request.query_params.get("include_columns", "").lower() != "false"
        return {
            **super().get_serializer_context(),
            "team_id": self.team.pk,
            "include_columns": include_columns or self.action != "list",
        }

    def _stored(self, table):
        # Read back so that columns come in the order every later read has (jsonb's key order).
        return self.get_queryset().get(pk=table.pk)

    def perform_create(self, serializer: TableSerializer) -> None:
        table = services.table_create(team=self.team, created_by=self.request.user, **serializer.validated_data)
        serializer.instance = self._stored(table)

    def perform_update(self, serializer: TableSerializer) -> None:
        services.table_update(table=serializer.instance, user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, table) -> None:
        services.table_delete(table=table)

    @extend_schema(request=FORM_BODIES, responses={201: TableSerializer})
    @action(methods=["POST"], detail=False, required_scopes=WRITE)
    def file(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, Mapping) else {}
        try:
            table = services.table_upload(
                team=self.team,
                created_by=request.user,
                file=request.FILES.get("file"),
                name=str(data["name"]) if data.get("name") else None,
                file_format=data.get("format") or "CSVWithNames",
            )
        except services.MessageError as error:
            return message_response(error)
        return Response(self.get_serializer(self._stored(table)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: None})
    @action(methods=["POST"], detail=True, required_scopes=WRITE)
    def refresh_schema(self, request, *args, **kwargs):
        services.table_refresh_schema(table=self.get_object())
        return Response(status=status.HTTP_200_OK)

    @extend_schema(responses={200: None})
    @action(methods=["POST"], detail=True, required_scopes=WRITE)
    def update_schema(self, request, *args, **kwargs):
        table = self.get_object()
        body = UpdateSchemaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updates = body.validated_data.get("updates")
        if updates:
            try:
                services.table_update_schema(table=table, updates=updates)
            except services.MessageError as error:
                return message_response(error)
        return Response(status=status.HTTP_200_OK)
