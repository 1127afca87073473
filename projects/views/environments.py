"""`/api/projects/{project_id}/environments/` (documented) and `/api/environments/` (root, undocumented)."""

from functools import cached_property

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action

from posthog_api import tenancy
from posthog_api.permissions import (
    ProjectAdminDeletePermission,
    ProjectAdminFieldsPermission,
    ProjectAdminWritePermission,
)
from posthog_api.serializers import TeamBasicSerializer
from posthog_api.viewsets import TenantScopedViewSet
from projects import selectors, services
from projects.constants import ADMIN_ONLY_TEAM_FIELDS, ANALYTICS_CONFIG_FIELDS
from projects.models import Team
from projects.permissions import EnvironmentCreatePermission
from projects.serializers import TeamSerializer
from projects.views.actions import TeamActionsMixin
from projects.views.evaluation import evaluation_contexts_response

ROOT_CREATE_MESSAGE = (
    "Environments must be created under a specific project. Send the POST request to "
    "/api/projects/<project_id>/environments/ instead."
)


# PostHog's schema gives the environment actions an untyped 200 body.
UNTYPED_ACTIONS = (
    "activity",
    "add_product_intent",
    "complete_product_onboarding",
    "default_evaluation_tags",
    "delete_secret_token_backup",
    "event_ingestion_restrictions",
    "is_generating_demo_data",
    "reset_token",
    "rotate_secret_token",
)


@extend_schema_view(**{name: extend_schema(responses={200: OpenApiTypes.OBJECT}) for name in UNTYPED_ACTIONS})
class EnvironmentViewSet(TeamActionsMixin, TenantScopedViewSet, viewsets.ModelViewSet):
    """Projects for the current organization."""

    scope_object = "project"
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filter_rewrite_rules = {"project_id": "project_id"}
    admin_only_fields = ADMIN_ONLY_TEAM_FIELDS
    scope_object_read_actions = ["list", "retrieve", "partial_update"]
    scope_object_write_actions = ["create", "update", "destroy"]
    permission_classes = [EnvironmentCreatePermission, ProjectAdminDeletePermission, ProjectAdminFieldsPermission]

    def safely_get_queryset(self, queryset):
        queryset = queryset.select_related("project").order_by("id")
        return queryset if self.action == "list" else queryset.prefetch_related("product_intents")

    def safely_get_object(self, queryset):
        value = self.kwargs["pk"]
        team_id = tenancy.resolve_team_id(self.request, value, as_project=False)
        return exceptions_404(queryset, team_id)

    def get_serializer_class(self):
        return TeamBasicSerializer if self.action == "list" else TeamSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        for field in ANALYTICS_CONFIG_FIELDS:
            data.pop(field, None)
        team = services.environment_create(project=self.project, user=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=team.pk)

    def perform_update(self, serializer) -> None:
        team = serializer.instance
        services.team_update(team=team, data=dict(serializer.validated_data), user=self.request.user)
        serializer.instance = self.get_queryset().get(pk=team.pk)

    def perform_destroy(self, team) -> None:
        services.environment_delete(team=team, user=self.request.user)

    @action(detail=True, methods=["get", "post", "delete"], permission_classes=[ProjectAdminWritePermission])
    def default_evaluation_tags(self, request, *args, **kwargs):
        level = self.membership.level if self.membership else 0
        return evaluation_contexts_response(request, self.target_team(), level=level, legacy=True)


def exceptions_404(queryset, team_id: int) -> Team:
    team = queryset.filter(pk=team_id).first()
    if team is None:
        raise exceptions.NotFound()
    return team


@extend_schema(exclude=True)
class RootEnvironmentViewSet(EnvironmentViewSet):
    """`/api/environments/`: environments of the caller's organizations, addressed by their own id."""

    permission_classes = [ProjectAdminDeletePermission, ProjectAdminFieldsPermission]

    @cached_property
    def team(self):
        value = self.kwargs.get("pk")
        if value is None:
            return None
        return tenancy.get_team(tenancy.resolve_team_id(self.request, value, as_project=False))

    def safely_get_queryset(self, queryset):
        queryset = super().safely_get_queryset(queryset)
        return queryset.filter(id__in=selectors.teams_of_user(self.request.user).values("id"))

    def create(self, request, *args, **kwargs):
        raise exceptions.ValidationError(ROOT_CREATE_MESSAGE)
