from posthog_api.routers import Routers
from roles.views import RoleMembershipViewSet, RoleViewSet


def register_routes(routers: Routers) -> None:
    routers.organizations.register(r"roles", RoleViewSet, "organization_roles")
    routers.organizations.register(
        r"roles/(?P<role_id>[^/.]+)/role_memberships", RoleMembershipViewSet, "organization_role_memberships"
    )
