from rest_framework.permissions import SAFE_METHODS, BasePermission

from organizations.models import Organization


class PluginsAccessLevelPermission(BasePermission):
    """The organization's plugin access level: CONFIG (3) to see plugins, INSTALL (6) to change them."""

    message = "Your organization's plugin access level is insufficient."

    def has_permission(self, request, view) -> bool:
        level = Organization.PluginsAccessLevel
        needed = level.CONFIG if request.method in SAFE_METHODS else level.INSTALL
        return view.organization.plugins_access_level >= needed


class PluginOwnershipPermission(BasePermission):
    """Only the installing organization changes a plugin; others may only see it (global or in use)."""

    message = "This plugin installation is managed by another organization"

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or obj.organization_id == view.organization.pk
