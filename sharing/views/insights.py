from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed

from posthog_api.permissions import ADMIN
from posthog_api.viewsets import TenantScopedViewSet
from sharing import services
from sharing.filters import InsightFilterSet
from sharing.models import Insight
from sharing.serializers import InsightSerializer


def insight_serializer_context(view) -> dict:
    """What the Insight shape needs from the request: the display timezone and the caller's access."""
    membership = view.membership
    return {
        "timezone": view.team.timezone,
        "user_id": view.request.user.pk,
        "is_admin": membership is not None and membership.level >= ADMIN,
    }


# Accepted as in PostHog's schema; results are never computed here, so neither changes the answer.
REFRESH = OpenApiParameter(
    "refresh",
    OpenApiTypes.STR,
    enum=[
        "async",
        "async_except_on_cache_miss",
        "blocking",
        "force_async",
        "force_blocking",
        "force_cache",
        "lazy_async",
    ],
    default="force_cache",
    description="How to refresh the results; results are not computed here, so this has no effect.",
)
FROM_DASHBOARD = OpenApiParameter(
    "from_dashboard", OpenApiTypes.INT, description="The dashboard the insight is loaded from (no effect here)."
)


@extend_schema_view(
    list=extend_schema(parameters=[REFRESH]), retrieve=extend_schema(parameters=[FROM_DASHBOARD, REFRESH])
)
class InsightViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Insights of a project. Results are not computed here; a soft delete is a PATCH of `deleted`."""

    scope_object = "insight"
    serializer_class = InsightSerializer
    filterset_class = InsightFilterSet
    queryset = Insight.objects.select_related("created_by", "last_modified_by")

    def safely_get_queryset(self, queryset):
        # A deleted insight is gone, except to the update that brings it back.
        data = self.request.data
        if self.action in ("update", "partial_update") and hasattr(data, "keys") and "deleted" in data:
            return queryset
        return queryset.filter(deleted=False)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), **insight_serializer_context(self)}

    def perform_create(self, serializer: InsightSerializer) -> None:
        serializer.instance = services.insight_create(
            team=self.team, created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: InsightSerializer) -> None:
        services.insight_update(
            insight=serializer.instance, user=self.request.user, team_id=self.team.pk, **serializer.validated_data
        )

    @extend_schema(
        description='Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true',
        responses={405: None},
    )
    def destroy(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)
