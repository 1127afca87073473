from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, mixins, viewsets
from rest_framework.settings import api_settings

from posthog_api.viewsets import TenantScopedViewSet
from users.filters import UserFilterSet
from users.models import User
from users.serializers import UserSerializer

ME = "@me"
NON_STAFF_MESSAGE = "As a non-staff user you're only allowed to access the `@me` user instance."


class UserViewSet(
    TenantScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The calling user (`@me`); staff users may read and edit others."""

    scope_object = "user"
    serializer_class = UserSerializer
    queryset = User.objects.filter(is_active=True)
    filterset_class = UserFilterSet
    lookup_field = "uuid"

    @property
    def filter_backends(self) -> list:
        """`@me` is answered from the request, never from the queryset (as PostHog does): no FilterSet to build."""
        if getattr(self, "kwargs", {}).get("uuid") == ME:
            return []
        return api_settings.DEFAULT_FILTER_BACKENDS

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.request.user.is_staff:
            return queryset
        return queryset.filter(pk=self.request.user.pk)

    def safely_get_object(self, queryset: QuerySet) -> User:
        value = self.kwargs["uuid"]
        if value == ME or value == str(self.request.user.uuid):
            return self.request.user
        if not self.request.user.is_staff:
            raise exceptions.PermissionDenied(NON_STAFF_MESSAGE)
        return get_object_or_404(queryset, uuid=value)
