from groups.views import GroupTypeViewSet, GroupViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.projects.register(r"groups", GroupViewSet, "project_groups")
    routers.environments.register(r"groups", GroupViewSet, "environment_groups")
    routers.projects.register(r"groups_types", GroupTypeViewSet, "project_groups_types", lookup_value_regex=r"\d+")
