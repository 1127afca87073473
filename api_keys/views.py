from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api_keys import services
from api_keys.models import PersonalAPIKey, ProjectSecretAPIKey
from api_keys.permissions import PersonalAPIKeySelfAccessPermission
from api_keys.serializers import PersonalAPIKeySerializer, ProjectSecretAPIKeySerializer
from posthog_api.authentication import is_api_key_credential
from posthog_api.permissions import ProjectAdminWritePermission
from posthog_api.tenancy import CURRENT
from posthog_api.viewsets import TenantScopedViewSet


class PersonalAPIKeyViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """The caller's personal API keys."""

    scope_object = "INTERNAL"
    serializer_class = PersonalAPIKeySerializer
    queryset = PersonalAPIKey.objects.all()
    pagination_class = None

    def dangerously_get_permissions(self):
        # PostHog manages keys outside its scope machinery: sessions do everything, a key only reads itself.
        return [IsAuthenticated(), PersonalAPIKeySelfAccessPermission()]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(user=self.request.user).order_by("-created_at")

    def safely_get_object(self, queryset: QuerySet) -> PersonalAPIKey:
        value = self.kwargs["pk"]
        if value == CURRENT:
            if not is_api_key_credential(self.request.auth):
                raise NotFound()
            value = self.request.auth.pk
        return get_object_or_404(queryset, pk=value)

    def perform_create(self, serializer: PersonalAPIKeySerializer) -> None:
        key, value = services.personal_api_key_create(user=self.request.user, **serializer.validated_data)
        key.raw_value = value
        serializer.instance = key

    @action(methods=["POST"], detail=True)
    def roll(self, request, *args, **kwargs) -> Response:
        key, value = services.api_key_roll(key=self.get_object())
        key.raw_value = value
        return Response(self.get_serializer(key).data)


KEY_ID_PARAMETER = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="A unique value identifying this project secret api key."
)


@extend_schema_view(
    **{
        action_name: extend_schema(parameters=[KEY_ID_PARAMETER])
        for action_name in ("retrieve", "update", "partial_update", "destroy")
    }
)
class ProjectSecretAPIKeyViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Secret API keys of an environment: they authenticate as the project on the actions that allow them."""

    scope_object = "project"
    environment_scoped = True
    serializer_class = ProjectSecretAPIKeySerializer
    permission_classes = [ProjectAdminWritePermission]
    queryset = ProjectSecretAPIKey.objects.select_related("created_by")

    def perform_create(self, serializer: ProjectSecretAPIKeySerializer) -> None:
        key, value = services.project_secret_api_key_create(
            team=self.team, created_by=self.request.user, **serializer.validated_data
        )
        key.raw_value = value
        serializer.instance = key

    def perform_update(self, serializer: ProjectSecretAPIKeySerializer) -> None:
        services.project_secret_api_key_update(key=serializer.instance, **serializer.validated_data)

    @extend_schema(
        description="Roll a project secret API key",
        parameters=[KEY_ID_PARAMETER],
        request=None,
        responses={200: ProjectSecretAPIKeySerializer},
    )
    @action(methods=["POST"], detail=True, required_scopes=["project:write"])
    def roll(self, request, *args, **kwargs) -> Response:
        key, value = services.api_key_roll(key=self.get_object())
        key.raw_value = value
        return Response(self.get_serializer(key).data)
