"""Who may create projects and environments, and how many an organization may have."""

from django.conf import settings
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.fields import BooleanField
from rest_framework.permissions import BasePermission

from posthog_api.permissions import ADMIN
from projects.constants import ADMIN_ONLY_PROJECT_FIELDS, CREATION_FIELDS_FOR_MEMBERS
from projects.models import Team

PLAN_LIMIT_MESSAGE = (
    "You have reached the maximum limit of allowed projects for your current plan. "
    "Upgrade your plan to be able to create and manage more projects."
)
ENVIRONMENT_LIMIT_MESSAGE = (
    "You have reached the maximum limit of allowed environments for your current plan. "
    "Upgrade your plan to be able to create and manage more environments."
)


def body_keys(request) -> set[str]:
    return set(request.data) if hasattr(request.data, "keys") else set()


def requests_demo(request) -> bool:
    try:
        return BooleanField().to_internal_value(request.data.get("is_demo", False))
    except Exception:
        return False


def _level(membership) -> int:
    return membership.level if membership is not None else 0


class ProjectLimitPermission(BasePermission):
    """Unlimited plan: up to MAX_PROJECTS_PER_ORGANIZATION projects and one demo project per organization.

    Like PostHog, a PUT counts as a create here, so an organization at its cap cannot PUT (PATCH still works).
    """

    def has_permission(self, request, view) -> bool:
        if view.action not in ("create", "update") or view.organization is None:
            return True
        teams = Team.objects.filter(organization=view.organization)
        if view.action == "create" and requests_demo(request) and teams.filter(is_demo=True).exists():
            raise PermissionDenied(PLAN_LIMIT_MESSAGE)
        limit = settings.MAX_PROJECTS_PER_ORGANIZATION
        if teams.filter(is_demo=False).values("project_id").distinct().count() >= limit:
            raise PermissionDenied(
                f"You have reached the maximum limit of {limit} projects per organization. "
                "Contact support if you'd like access to more projects."
            )
        return True


class ProjectCreatePermission(BasePermission):
    """Organization admins create projects; any member may create a demo project, naming it but setting nothing
    that needs admin."""

    def has_permission(self, request, view) -> bool:
        if view.action != "create":
            return True
        membership = view.membership
        if membership is None:
            raise NotFound("Organization not found.")
        if membership.level >= ADMIN:
            return True
        if not requests_demo(request):
            raise PermissionDenied("You need to be an organization admin or above to create new projects.")
        refused = sorted((body_keys(request) & ADMIN_ONLY_PROJECT_FIELDS) - CREATION_FIELDS_FOR_MEMBERS)
        if refused:
            raise PermissionDenied(
                f"Only organization admins can set these settings on project creation: {', '.join(refused)}"
            )
        return True


class EnvironmentCreatePermission(BasePermission):
    """Organization admins add environments; at most MAX_ENVIRONMENTS_PER_PROJECT (non-demo) per project and one
    demo environment per organization."""

    def has_permission(self, request, view) -> bool:
        if view.action != "create":
            return True
        if _level(view.membership) < ADMIN:
            raise PermissionDenied("Your organization access level is insufficient.")
        project = view.project
        if requests_demo(request):
            if Team.objects.filter(organization_id=project.organization_id, is_demo=True).exists():
                raise PermissionDenied(ENVIRONMENT_LIMIT_MESSAGE)
        elif Team.objects.filter(project=project, is_demo=False).count() >= settings.MAX_ENVIRONMENTS_PER_PROJECT:
            raise PermissionDenied(ENVIRONMENT_LIMIT_MESSAGE)
        return True
