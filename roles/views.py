from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from posthog_api.parsing import uuid_or_none
from posthog_api.viewsets import TenantScopedViewSet
from roles import services
from roles.filters import RoleFilterSet
from roles.models import Role, RoleMembership
from roles.permissions import RoleAdminWritePermission
from roles.serializers import RoleMembershipSerializer, RoleSerializer

MEMBERSHIP_RELATIONS = ("user", "organization_member__user")


URL_ORGANIZATION = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
# `?name=` works but is not part of PostHog's documented contract.
UNDOCUMENTED_NAME_FILTER = OpenApiParameter("name", exclude=True)


@extend_schema_view(
    list=extend_schema(parameters=[URL_ORGANIZATION, UNDOCUMENTED_NAME_FILTER]),
    **{
        action_name: extend_schema(parameters=[URL_ORGANIZATION])
        for action_name in ("create", "retrieve", "update", "partial_update", "destroy")
    },
)
class RoleViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Roles of an organization."""

    scope_object = "organization"
    serializer_class = RoleSerializer
    permission_classes = [RoleAdminWritePermission]
    filterset_class = RoleFilterSet
    queryset = Role.objects.select_related("organization", "created_by").prefetch_related(
        Prefetch("memberships", queryset=RoleMembership.objects.select_related(*MEMBERSHIP_RELATIONS))
    )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "organization": self.organization}

    def perform_create(self, serializer: RoleSerializer) -> None:
        role = services.role_create(
            organization=self.organization, created_by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=role.pk)

    def perform_update(self, serializer: RoleSerializer) -> None:
        services.role_update(role=serializer.instance, user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, role: Role) -> None:
        services.role_delete(role=role, user=self.request.user)


@extend_schema_view(retrieve=extend_schema(exclude=True))  # current PostHog has it; the documented API does not
class RoleMembershipViewSet(
    TenantScopedViewSet,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Members of a role, added by user uuid."""

    scope_object = "organization"
    serializer_class = RoleMembershipSerializer
    permission_classes = [RoleAdminWritePermission]
    filter_rewrite_rules = {"organization_id": "role__organization_id"}
    queryset = RoleMembership.objects.select_related("role", *MEMBERSHIP_RELATIONS)

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        # Legacy rows without a member are kept; rows whose member belongs to another organization are hidden.
        return queryset.filter(
            Q(organization_member__isnull=True) | Q(organization_member__organization=self.organization)
        )

    def perform_create(self, serializer: RoleMembershipSerializer) -> None:
        role = Role.objects.filter(organization=self.organization, pk=uuid_or_none(self.kwargs["role_id"])).first()
        if role is None:
            raise ValidationError("Role does not exist.")
        serializer.instance = services.role_membership_create(
            role=role, user_uuid=serializer.validated_data["user_uuid"], added_by=self.request.user
        )

    def perform_destroy(self, membership: RoleMembership) -> None:
        services.role_membership_delete(membership=membership, removed_by=self.request.user)
