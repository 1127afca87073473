from organizations.views import OrganizationMemberViewSet, OrganizationViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.root.register(r"organizations", OrganizationViewSet, "organizations")
    routers.organizations.register(r"members", OrganizationMemberViewSet, "organization_members")
