"""TenantScopedViewSet: the base of every viewset (PostHog's TeamAndOrgViewSetMixin, trimmed).

The tenant comes from the URL only. `get_queryset` narrows every queryset to it before a view sees it, and the
permission stack is fixed here, so subclasses cannot forget either: overriding `get_queryset`, `get_object`,
`get_permissions` or `get_authenticators` fails when the class is created.
"""

from functools import cached_property

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings

from posthog_api import scopes, tenancy
from posthog_api.permissions import APIScopePermission, TenantMemberPermission

FORBIDDEN_OVERRIDES = {
    "get_queryset": "safely_get_queryset",
    "get_object": "safely_get_object",
    "get_permissions": "permission_classes or dangerously_get_permissions",
    "get_authenticators": "authentication_classes",
}
DEFAULT_TENANT_FILTERS = {"organization_id": "organization_id", "project_id": "team__project_id", "team_id": "team_id"}
TENANT_KWARGS = ("organization_id", "project_id", "team_id")


class TenantScopedViewSet:
    scope_object: str = ""
    required_scopes: list[str] | None = None
    scope_object_read_actions: list[str] | None = None
    scope_object_write_actions: list[str] | None = None
    filter_rewrite_rules: dict[str, str] = {}
    project_secret_api_key_actions: tuple[str, ...] = ()  # actions a project secret API key may call
    # True for resources of an environment that PostHog also serves under /api/projects/{id}/: there the number
    # names an environment (team), not a project.
    environment_scoped: bool = False
    token_unsupported_message = "This action does not support personal API key access"
    permission_classes: list = []
    authentication_classes: list = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, instead in FORBIDDEN_OVERRIDES.items():
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} must not override {name}; use {instead} instead.")

    # --- Tenant, from the URL ---

    @cached_property
    def organization(self):
        if "organization_id" in self.kwargs:
            return tenancy.resolve_organization(self.request, self.kwargs["organization_id"])
        if self.team is not None:
            return self.team.organization
        return None

    @cached_property
    def team(self):
        """The environment in the URL; for a `project_id` URL, the project's own (passthrough) environment."""
        if "team_id" in self.kwargs:
            team_id = tenancy.resolve_team_id(self.request, self.kwargs["team_id"], as_project=False)
            return tenancy.get_team(team_id, self.request)
        if "project_id" in self.kwargs:
            as_project = not self.environment_scoped
            team_id = tenancy.resolve_team_id(self.request, self.kwargs["project_id"], as_project=as_project)
            team = tenancy.get_team(team_id, self.request)
            if as_project and team.project_id != team.pk:
                raise NotFound("Project not found.")  # an environment's id is not a project id
            return team
        return None

    @cached_property
    def project(self):
        return self.team.project if self.team is not None else None

    @property
    def membership(self):
        organization = self.organization
        return self.membership_for(organization) if organization is not None else None

    def membership_for(self, organization):
        return tenancy.membership_of(self.request, organization.pk)

    def membership_for_object(self, obj):
        """The caller's membership that governs `obj`; the organization viewset answers with the object itself."""
        return self.membership

    def tenant_filters(self) -> dict:
        filters = {}
        for kwarg, value in self.kwargs.items():
            if kwarg == (self.lookup_url_kwarg or self.lookup_field):
                continue
            field = self.filter_rewrite_rules.get(kwarg, DEFAULT_TENANT_FILTERS.get(kwarg, kwarg))
            if kwarg == "organization_id":
                value = self.organization.pk
            elif kwarg == "project_id" and self.environment_scoped:
                field, value = self.filter_rewrite_rules.get(kwarg, "team_id"), self.team.pk
            elif kwarg == "project_id":
                value = self.project.pk
            elif kwarg == "team_id":
                value = self.team.pk
            filters[field] = value
        return filters

    # --- Queryset and object ---

    def safely_get_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        queryset = self.safely_get_queryset(super().get_queryset())
        filters = self.tenant_filters()
        if not filters:
            return queryset
        try:
            return queryset.filter(**filters)
        except (ValueError, ValidationError):
            raise NotFound() from None

    def safely_get_object(self, queryset):
        lookup_kwarg = self.lookup_url_kwarg or self.lookup_field
        return get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup_kwarg]})

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        try:
            obj = self.safely_get_object(queryset)
        except (ValueError, ValidationError):
            raise NotFound() from None
        self.check_object_permissions(self.request, obj)
        return obj

    # --- Authentication and permissions ---

    def get_authenticators(self):
        classes = [*self.authentication_classes, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
        return [auth() for auth in dict.fromkeys(classes)]

    def get_permissions(self):
        if hasattr(self, "dangerously_get_permissions"):
            return self.dangerously_get_permissions()
        stack = [IsAuthenticated, APIScopePermission, TenantMemberPermission, *self.permission_classes]
        return [permission() for permission in stack]

    def required_scopes_for_request(self) -> list[str]:
        return self.required_scopes_for(self.action, self.request.method)

    def required_scopes_for(self, action: str | None, method: str) -> list[str]:
        """The scopes an API key needs for `action`; empty means API keys cannot reach it."""
        if self.required_scopes:
            return list(self.required_scopes)
        if not self.scope_object:
            raise TypeError(f"{type(self).__name__} declares no scope_object")
        if action is None and method == "PATCH" and not getattr(self, "detail", True):
            action = "patch"
        return scopes.required_scopes_for(
            scope_object=self.scope_object,
            action=action,
            method=method,
            read_actions=self.scope_object_read_actions,
            write_actions=self.scope_object_write_actions,
        )
