from functools import cached_property

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from posthog_api.parsing import int_or_none
from posthog_api.viewsets import TenantScopedViewSet
from sharing import services
from sharing.models import Insight, SharePassword, SharingConfiguration
from sharing.serializers import (
    SharePasswordCreatedSerializer,
    SharePasswordCreateSerializer,
    SharingConfigurationSerializer,
)

INSIGHT_ID = OpenApiParameter("insight_id", OpenApiTypes.INT, OpenApiParameter.PATH)
PASSWORD_ID = OpenApiParameter("password_id", OpenApiTypes.STR, OpenApiParameter.PATH)
NEEDS_ADVANCED_PERMISSIONS = {"error": "Password management requires the Advanced Permissions feature"}


class InsightSharingMixin:
    """The insight in the URL (deleted ones too) and its current sharing configuration."""

    @cached_property
    def insight(self) -> Insight:
        insight_id = int_or_none(self.kwargs["insight_id"])
        if insight_id is None:
            raise NotFound("Insight not found.")
        # The insights the insight viewset of the same root serves: the project's, or the environment's.
        tenant = {"team__project_id": self.project.pk} if "project_id" in self.kwargs else {"team_id": self.team.pk}
        insight = Insight.objects.filter(pk=insight_id, **tenant).first()
        if insight is None:
            raise NotFound("Insight not found.")
        return insight

    def current_configuration(self) -> SharingConfiguration | None:
        return (
            SharingConfiguration.objects.filter(insight=self.insight, expires_at__isnull=True)
            .prefetch_related("share_passwords__created_by")
            .first()
        )

    def check_can_edit_sharing(self) -> None:
        data = self.request.data if hasattr(self.request.data, "get") else {}
        if data.get("enabled") and services.public_sharing_blocked(self.organization):
            raise PermissionDenied("Public sharing is disabled for this organization.")

    def has_advanced_permissions(self) -> bool:
        return services.organization_has_feature(self.organization, services.ADVANCED_PERMISSIONS)


class SharingConfigurationViewSet(TenantScopedViewSet, InsightSharingMixin, viewsets.GenericViewSet):
    """Public sharing of an insight. GET answers one configuration (PostHog's schema calls it a list) and stores
    nothing; PATCH stores it."""

    scope_object = "sharing_configuration"
    serializer_class = SharingConfigurationSerializer
    pagination_class = None
    queryset = SharingConfiguration.objects.all()

    def _configuration_or_new(self) -> SharingConfiguration:
        # NOTE: an unsaved configuration shows a fresh token on every GET until PATCH stores one (as PostHog does).
        return self.current_configuration() or SharingConfiguration(team_id=self.insight.team_id, insight=self.insight)

    @extend_schema(parameters=[INSIGHT_ID])
    def list(self, request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(self._configuration_or_new()).data)

    # NOTE: PATCH on this list route is served but, as in PostHog, not a router action and so not in the schema.
    def patch(self, request, *args, **kwargs) -> Response:
        self.check_can_edit_sharing()
        data = request.data if hasattr(request.data, "get") else {}
        if data.get("password_required") and not self.has_advanced_permissions():
            return Response(
                {"error": "Sharing with password requires the Advanced Permissions feature"},
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = self.get_serializer(self._configuration_or_new(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.sharing_configuration_update(
            insight=self.insight, user=request.user, team_id=self.team.pk, **serializer.validated_data
        )
        return Response(self.get_serializer(self.current_configuration()).data)

    @extend_schema(
        description="A new access token for the share; the old one keeps working for 5 minutes.",
        parameters=[INSIGHT_ID],
    )
    @action(methods=["POST"], detail=False, required_scopes=["sharing_configuration:write"])
    def refresh(self, request, *args, **kwargs) -> Response:
        self.check_can_edit_sharing()
        services.sharing_access_token_refresh(insight=self.insight, user=request.user, team_id=self.team.pk)
        return Response(self.get_serializer(self.current_configuration()).data)


class SharePasswordViewSet(
    TenantScopedViewSet, InsightSharingMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Passwords of a password-protected share; the raw password is shown once, on create."""

    scope_object = "sharing_configuration"
    serializer_class = SharePasswordCreateSerializer
    queryset = SharePassword.objects.all()
    lookup_url_kwarg = "password_id"
    filter_rewrite_rules = {
        "project_id": "sharing_configuration__team__project_id",
        "team_id": "sharing_configuration__team_id",
        "insight_id": "sharing_configuration__insight_id",
    }

    def safely_get_queryset(self, queryset):
        return queryset.filter(is_active=True, sharing_configuration__expires_at__isnull=True)

    def safely_get_object(self, queryset) -> SharePassword:
        password_id = int_or_none(self.kwargs["password_id"])
        password = queryset.filter(pk=password_id).first() if password_id is not None else None
        if password is None:
            raise NotFound("Password not found")
        return password

    @extend_schema(
        description="Create a new password for the sharing configuration.",
        parameters=[INSIGHT_ID],
        request=SharePasswordCreateSerializer,
        responses={201: SharePasswordCreatedSerializer},
    )
    def create(self, request, *args, **kwargs) -> Response:
        configuration = self.current_configuration()
        self.check_can_edit_sharing()
        if configuration is None or not configuration.password_required:
            return Response(
                {"error": "Password protection must be enabled before creating passwords"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not self.has_advanced_permissions():
            return Response(NEEDS_ADVANCED_PERMISSIONS, status=status.HTTP_403_FORBIDDEN)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password, raw_password = services.share_password_create(
            insight=self.insight,
            created_by=request.user,
            raw_password=serializer.validated_data.get("raw_password") or None,
            note=serializer.validated_data.get("note", ""),
        )
        body = {
            "id": password.pk,
            "password": raw_password,
            "note": password.note,
            "created_at": password.created_at,
            "created_by_email": request.user.email,
        }
        return Response(SharePasswordCreatedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        description="Delete a password from the sharing configuration.", parameters=[INSIGHT_ID, PASSWORD_ID]
    )
    def destroy(self, request, *args, **kwargs) -> Response:
        self.insight  # noqa: B018 - an unknown insight is 404 before anything else
        self.check_can_edit_sharing()
        if not self.has_advanced_permissions():
            return Response(NEEDS_ADVANCED_PERMISSIONS, status=status.HTTP_403_FORBIDDEN)
        services.share_password_deactivate(password=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
