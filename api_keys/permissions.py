from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from posthog_api.authentication import is_api_key_credential, is_project_credential


class PersonalAPIKeySelfAccessPermission(BasePermission):
    """Keys are managed through a session; a personal API key may only read itself."""

    message = "This action does not support Personal API Key access"

    def has_permission(self, request, view) -> bool:
        if is_project_credential(request.auth):
            raise PermissionDenied("This action does not support project secret API key access")
        if not is_api_key_credential(request.auth):
            return True
        if view.action != "retrieve":
            raise PermissionDenied(self.message)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if is_api_key_credential(request.auth) and obj.pk != request.auth.pk:
            raise PermissionDenied(self.message)
        return True
