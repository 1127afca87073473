"""`/api/organizations/{organization_id}/projects/` (documented) and `/api/projects/` (root, undocumented)."""

from functools import cached_property

from django.db.models.functions import Lower, Trim
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from organizations.models import Organization
from posthog_api import tenancy
from posthog_api.authentication import is_api_key_credential
from posthog_api.permissions import (
    ADMIN,
    ProjectAdminDeletePermission,
    ProjectAdminFieldsPermission,
    ProjectAdminWritePermission,
)
from posthog_api.schema import AutoSchema
from posthog_api.viewsets import TenantScopedViewSet
from projects import selectors, services
from projects.constants import ADMIN_ONLY_PROJECT_FIELDS, ANALYTICS_CONFIG_FIELDS
from projects.filters import ProjectFilterSet
from projects.models import Project, Team
from projects.permissions import ProjectCreatePermission, ProjectLimitPermission
from projects.serializers import (
    ChangeOrganizationSerializer,
    ExperimentsConfigSerializer,
    ProjectBackwardCompatBasicSerializer,
    ProjectBackwardCompatSerializer,
)
from projects.serializers.actions import release_conditions_error, release_group
from projects.views.actions import TeamActionsMixin, bare_error
from projects.views.evaluation import evaluation_contexts_response


class ProjectsAutoSchema(AutoSchema):
    """PostHog names the organization-nested project operations without their `projects_` prefix, and types their
    path parameters as a UUID and an int64."""

    def get_operation_id(self) -> str:
        return super().get_operation_id().removeprefix("projects_")

    def get_override_parameters(self) -> list:
        parameters = [p for p in super().get_override_parameters() if getattr(p, "name", None) != "organization_id"]
        path = self.path
        if "{organization_id}" in path:
            parameters.append(OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH))
        if "{id}" in path:
            parameters.append(
                OpenApiParameter(
                    "id",
                    OpenApiTypes.INT64,
                    OpenApiParameter.PATH,
                    description="A unique value identifying this project.",
                )
            )
        return parameters


class NameConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    error_type = "invalid_request"


@extend_schema_view(
    list=extend_schema(operation_id="list_2"),
    create=extend_schema(operation_id="create_2"),
    retrieve=extend_schema(operation_id="retrieve_2", description="Retrieve a project and its settings."),
    update=extend_schema(operation_id="update_2"),
    partial_update=extend_schema(
        operation_id="partial_update_2",
        description="Update one or more of a project's settings. Only the fields included in the request body "
        "are changed.",
    ),
    destroy=extend_schema(operation_id="destroy_2"),
)
class ProjectViewSet(TeamActionsMixin, TenantScopedViewSet, viewsets.ModelViewSet):
    """Projects for the current organization."""

    scope_object = "project"
    schema = ProjectsAutoSchema()
    queryset = Team.objects.all()
    serializer_class = ProjectBackwardCompatSerializer
    filterset_class = ProjectFilterSet
    admin_only_fields = ADMIN_ONLY_PROJECT_FIELDS
    # A PATCH of member-safe settings only needs `project:read` (see `required_scopes_for_request`).
    scope_object_read_actions = ["list", "retrieve", "partial_update"]
    scope_object_write_actions = ["create", "update", "destroy"]
    permission_classes = [
        ProjectLimitPermission,
        ProjectCreatePermission,
        ProjectAdminDeletePermission,
        ProjectAdminFieldsPermission,
    ]

    # --- Tenant: the project in the URL is its passthrough environment ---

    @cached_property
    def team(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is None:
            return None
        team = tenancy.get_team(tenancy.resolve_team_id(self.request, value, as_project=True))
        if not team.is_passthrough:
            raise exceptions.NotFound("Project not found.")
        return team

    @cached_property
    def organization(self):
        if "organization_id" in self.kwargs:
            return tenancy.resolve_organization(self.request, self.kwargs["organization_id"])
        if self.team is not None:
            return self.team.organization
        if self.action == "create" and self.request.user.is_authenticated:
            org_id = tenancy.current_organization_id(self.request.user)
            return Organization.objects.filter(pk=org_id).first() if org_id else None
        return None

    def safely_get_queryset(self, queryset):
        queryset = selectors.passthrough_teams().order_by("id")
        if self.action != "list":
            queryset = queryset.prefetch_related("product_intents")
        if "organization_id" not in self.kwargs:
            queryset = queryset.filter(organization__memberships__user=self.request.user)
        key = self.request.auth
        if is_api_key_credential(key) and getattr(key, "scoped_organizations", None):
            queryset = queryset.filter(organization_id__in=key.scoped_organizations)
        return queryset

    def safely_get_object(self, queryset):
        return get_object_or_404(queryset, pk=self.team.pk)

    def get_serializer_class(self):
        return ProjectBackwardCompatBasicSerializer if self.action == "list" else ProjectBackwardCompatSerializer

    # --- CRUD ---

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        project_data = data.pop("project", {})
        for field in ANALYTICS_CONFIG_FIELDS:
            data.pop(field, None)  # created with their defaults, whatever is sent
        if project_data.get("name"):
            check_name_is_free(self.organization, project_data["name"])
        _, team = services.project_create_by_user(
            organization=self.organization, user=self.request.user, **project_data, **data
        )
        serializer.instance = self.get_queryset().get(pk=team.pk)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        project_data = data.pop("project", {})
        team = serializer.instance
        if "name" in project_data and project_data["name"] != team.project.name:
            check_name_is_free(team.organization, project_data["name"], exclude=team.project_id)
        services.team_update(team=team, data=data, user=self.request.user, project_data=project_data)
        serializer.instance = self.get_queryset().get(pk=team.pk)

    def perform_destroy(self, team) -> None:
        services.project_delete(project=team.project, user=self.request.user)

    # --- Project-only actions ---

    @action(detail=True, methods=["post"])
    def change_organization(self, request, *args, **kwargs):
        team = self.target_team()
        body = ChangeOrganizationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = Organization.objects.filter(pk=body.validated_data["organization_id"]).first()
        target_membership = self.membership_for(target) if target is not None else None
        source_membership = self.membership_for(team.organization)
        if target_membership is None or source_membership is None:
            raise exceptions.ValidationError("You must be a member of the target organization to move a project.")
        if min(target_membership.level, source_membership.level) < ADMIN:
            raise exceptions.ValidationError(
                "You must be an admin of both the source and target organizations to move a project."
            )
        if target.pk == team.organization_id:
            raise exceptions.ValidationError("Project is already in the target organization.")
        services.project_change_organization(project=team.project, organization=target, user=request.user)
        return self.detail_response(team, level=target_membership.level)

    @action(detail=True, methods=["get", "post", "delete"], permission_classes=[ProjectAdminWritePermission])
    def default_evaluation_contexts(self, request, *args, **kwargs):
        level = self.membership.level if self.membership else 0
        return evaluation_contexts_response(request, self.target_team(), level=level, legacy=False)

    @action(detail=True, methods=["get", "put"], permission_classes=[ProjectAdminWritePermission])
    def default_release_conditions(self, request, *args, **kwargs):
        config = services.release_conditions_for(self.target_team())
        if request.method == "PUT":
            error = release_conditions_error(request.data)
            if error:
                return bare_error(error)
            config.enabled = request.data.get("enabled", config.enabled)
            if "default_groups" in request.data:
                config.default_groups = [release_group(group) for group in request.data["default_groups"]]
            config.save()
        return Response({"enabled": config.enabled, "default_groups": config.default_groups})

    @action(detail=True, methods=["get", "patch"], permission_classes=[ProjectAdminWritePermission])
    def experiments_config(self, request, *args, **kwargs):
        team = self.target_team()
        if request.method == "GET":
            return Response(ExperimentsConfigSerializer(team).data)
        body = ExperimentsConfigSerializer(team, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.team_update(team=team, data=dict(body.validated_data), user=request.user)
        return Response(ExperimentsConfigSerializer(team).data)

    @action(detail=True, methods=["post"], permission_classes=[ProjectAdminWritePermission])
    def generate_conversations_public_token(self, request, *args, **kwargs):
        team = services.team_generate_conversations_token(team=self.target_team(), user=request.user)
        return self.detail_response(team)


@extend_schema(exclude=True)
class RootProjectViewSet(ProjectViewSet):
    """`/api/projects/`: the same projects without the organization in the URL (creates in the current one)."""


def check_name_is_free(organization, name: str, exclude: int | None = None) -> None:
    """Project names are unique per organization, compared trimmed and case-insensitively."""
    clash = (
        Project.objects.filter(organization=organization)
        .exclude(is_pending_deletion=True)
        .annotate(normalized=Lower(Trim("name")))
        .filter(normalized=name.strip().lower())
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise NameConflict(f'There is already a project called "{name}" in this organization. Choose a different name.')
