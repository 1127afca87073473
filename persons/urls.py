from persons.views import PersonViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.projects.register(r"persons", PersonViewSet, "project_persons")
    routers.environments.register(r"persons", PersonViewSet, "environment_persons")
