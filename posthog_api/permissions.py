"""Permission classes every tenant-scoped viewset runs, in order, plus the membership-level rules views add."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from posthog_api import scopes
from posthog_api.authentication import is_api_key_credential, is_project_credential

MEMBER, ADMIN, OWNER = 1, 8, 15


class APIScopePermission(BasePermission):
    """An API key must hold the scope the action needs, and may be limited to some projects or organizations."""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not is_api_key_credential(key):
            return True  # session users are not scope-checked
        if is_project_credential(key):
            self._check_project_credential(key, view)
        required = view.required_scopes_for_request()
        if not required:
            raise PermissionDenied(view.token_unsupported_message)
        if view.scope_object != "user" and not is_project_credential(key):
            self._check_scoped_tenants(key, view)
        key_scopes = key.scopes or []
        if scopes.WILDCARD in key_scopes:
            return True
        missing = scopes.scopes_satisfy(key_scopes, required)
        if missing:
            raise PermissionDenied(f"API key missing required scope '{missing}'")
        return True

    @staticmethod
    def _check_project_credential(key, view) -> None:
        """A project secret key works only on actions its view allows, and only for its own project."""
        if view.action not in view.project_secret_api_key_actions:
            raise PermissionDenied("This action does not support project secret API key access")
        if view.team is None:
            raise PermissionDenied("Project secret API keys are only supported on project-based endpoints.")
        if view.team.id != key.team_id:
            raise PermissionDenied(f"API key does not have access to the requested project: ID {view.team.id}.")

    @staticmethod
    def _check_scoped_tenants(key, view) -> None:
        organization = view.organization
        if organization is not None and not _allows_personal_api_keys(organization, view):
            raise PermissionDenied(
                f"Organization '{organization.name}' does not allow using personal API keys. "
                "Contact an admin to enable personal API keys for this organization."
            )
        if key.scoped_teams:
            team = view.team
            if team is None:
                raise PermissionDenied("API keys with scoped projects are only supported on project-based endpoints.")
            if team.id not in key.scoped_teams:
                raise PermissionDenied(f"API key does not have access to the requested project: ID {team.id}.")
        if key.scoped_organizations:
            organization = view.organization
            if organization is not None and str(organization.id) not in key.scoped_organizations:
                raise PermissionDenied(
                    f"API key does not have access to the requested organization: ID {organization.id}."
                )


class TenantMemberPermission(BasePermission):
    """The caller must belong to the organization of the project or organization named in the URL."""

    def has_permission(self, request, view) -> bool:
        if is_project_credential(request.auth):
            return True  # no user behind it; APIScopePermission already matched its project
        if view.team is not None:
            if view.membership is None:
                raise PermissionDenied("You don't have access to the project.")
            return True
        if view.organization is not None:
            return view.membership is not None
        return True


def _allows_personal_api_keys(organization, view) -> bool:
    """PostHog's kill switch: only with the `organization_security_settings` feature, and never for admins."""
    if organization.members_can_use_personal_api_keys or _level(view.membership) >= ADMIN:
        return True
    features = organization.available_product_features or []
    return not any(isinstance(f, dict) and f.get("key") == "organization_security_settings" for f in features)


def _level(membership) -> int:
    return membership.level if membership is not None else 0


class OrganizationAdminWritePermission(BasePermission):
    """Anyone in the organization reads; writes need administrator (8) or owner."""

    message = "Your organization access level is insufficient."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or view.organization is None:
            return True  # with no organization in the URL, the object decides
        return _level(view.membership) >= ADMIN

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or _level(view.membership_for_object(obj)) >= ADMIN


class OrganizationOwnerDeletePermission(BasePermission):
    """Only an owner (15) deletes."""

    message = "Your organization access level is insufficient."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method != "DELETE" or _level(view.membership_for_object(obj)) >= OWNER


class ProjectAdminWritePermission(BasePermission):
    """Project members read; writes need administrator (8) or owner in the project's organization."""

    message = "You don't have sufficient permissions in the project."

    def has_permission(self, request, view) -> bool:
        if is_project_credential(request.auth):
            return True
        return request.method in SAFE_METHODS or _level(view.membership) >= ADMIN


class ProjectAdminDeletePermission(BasePermission):
    """Project members change settings; deleting needs administrator (8) or owner."""

    message = "You don't have sufficient permissions in the project."

    def has_permission(self, request, view) -> bool:
        return request.method != "DELETE" or _level(view.membership) >= ADMIN


class ProjectAdminFieldsPermission(BasePermission):
    """On update, members may change only some settings: any of the view's `admin_only_fields` needs admin (8+)."""

    def has_permission(self, request, view) -> bool:
        if view.action not in ("update", "partial_update") or _level(view.membership) >= ADMIN:
            return True
        touched = sorted(set(request.data) & view.admin_only_fields) if hasattr(request.data, "keys") else []
        if touched:
            raise PermissionDenied(f"Only project admins can modify these settings: {', '.join(touched)}")
        return True
