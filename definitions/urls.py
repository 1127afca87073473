from definitions.views import PropertyDefinitionViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.projects.register(r"property_definitions", PropertyDefinitionViewSet, "project_property_definitions")
