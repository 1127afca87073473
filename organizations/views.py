from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from organizations import selectors, services
from organizations.filters import OrganizationMemberFilterSet
from organizations.models import Organization, OrganizationMembership
from organizations.serializers import OrganizationMemberSerializer, OrganizationSerializer, check_member_change
from posthog_api.authentication import is_api_key_credential
from posthog_api.permissions import (
    APIScopePermission,
    OrganizationAdminWritePermission,
    OrganizationOwnerDeletePermission,
)
from posthog_api.serializers import USER_BASIC_COLUMNS
from posthog_api.tenancy import CURRENT, current_organization_id
from posthog_api.viewsets import TenantScopedViewSet

# What the member shape reads: the users' JSON settings and password hashes stay in the database.
MEMBER_LIST_COLUMNS = (
    "id",
    "organization_id",
    "user_id",
    "level",
    "joined_at",
    "updated_at",
    "user__last_login",
    *(f"user__{column}" for column in USER_BASIC_COLUMNS),
)


class OrganizationViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Organizations the caller belongs to."""

    scope_object = "organization"
    serializer_class = OrganizationSerializer
    queryset = Organization.objects.all()
    lookup_value_regex = r"[^/]+"

    def dangerously_get_permissions(self):
        # The organization is the object itself here, so membership is checked through the queryset (404).
        stack = [
            IsAuthenticated,
            APIScopePermission,
            OrganizationAdminWritePermission,
            OrganizationOwnerDeletePermission,
        ]
        return [permission() for permission in stack]

    def membership_for_object(self, organization: Organization):
        return self.membership_for(organization)

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = selectors.organizations_with_details(self.request.user).order_by("name", "id")
        key = self.request.auth
        if is_api_key_credential(key) and key.scoped_organizations:
            queryset = queryset.filter(pk__in=key.scoped_organizations)
        return queryset

    def safely_get_object(self, queryset: QuerySet) -> Organization:
        value = self.kwargs["pk"]
        if value == CURRENT:
            value = current_organization_id(self.request.user)
            if value is None:
                raise exceptions.NotFound("Current organization not found.")
        return get_object_or_404(queryset, pk=value)

    def perform_create(self, serializer: OrganizationSerializer) -> None:
        data = dict(serializer.validated_data)
        organization = services.organization_create(name=data.pop("name"), created_by=self.request.user, **data)
        serializer.instance = selectors.organizations_with_details(self.request.user).get(pk=organization.pk)

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        organization = serializer.save()
        serializer.instance = selectors.organizations_with_details(self.request.user).get(pk=organization.pk)


@extend_schema_view(
    update=extend_schema(operation_id="members_update"),
    partial_update=extend_schema(operation_id="members_partial_update"),
)
class OrganizationMemberViewSet(
    TenantScopedViewSet,
    mixins.ListModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Members of an organization, addressed by their user's uuid (or `@me`)."""

    scope_object = "organization_member"
    serializer_class = OrganizationMemberSerializer
    queryset = OrganizationMembership.objects.select_related("user").filter(user__is_active=True)
    filterset_class = OrganizationMemberFilterSet
    lookup_field = "user__uuid"

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "list":
            return queryset.only(*MEMBER_LIST_COLUMNS)
        return queryset

    def safely_get_object(self, queryset: QuerySet) -> OrganizationMembership:
        value = self.kwargs["user__uuid"]
        if value == "@me":
            value = self.request.user.uuid
        return get_object_or_404(queryset, user__uuid=value)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "requester_membership": self.membership}

    def perform_destroy(self, membership: OrganizationMembership) -> None:
        check_member_change(requester=self.membership, target=membership, new_level=None)
        if membership.pk == self.membership.pk and membership.level == OrganizationMembership.Level.OWNER:
            raise exceptions.ValidationError("Cannot leave the organization as its owner!")
        services.organization_member_remove(membership=membership)
