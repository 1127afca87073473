from posthog_api.routers import Routers
from projects.views import EnvironmentViewSet, ProjectViewSet, RootEnvironmentViewSet, RootProjectViewSet


def register_routes(routers: Routers) -> None:
    routers.organizations.register(r"projects", ProjectViewSet, "organization_projects")
    routers.projects.register(r"environments", EnvironmentViewSet, "project_environments")
    # Undocumented in PostHog's schema but used by its app and clients; `@current` works on both.
    routers.root.register(r"projects", RootProjectViewSet, "projects")
    routers.root.register(r"environments", RootEnvironmentViewSet, "environments")
