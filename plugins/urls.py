from plugins.views import PipelineDestinationConfigViewSet, PipelineFrontendAppConfigViewSet, PluginViewSet
from posthog_api.routers import Routers

CONFIG_FAMILIES = {
    "pipeline_destination_configs": PipelineDestinationConfigViewSet,
    "pipeline_frontend_apps_configs": PipelineFrontendAppConfigViewSet,
}


def register_routes(routers: Routers) -> None:
    routers.organizations.register(r"plugins", PluginViewSet, "organization_plugins")
    for prefix, viewset in CONFIG_FAMILIES.items():
        routers.projects.register(prefix, viewset, f"project_{prefix}")
        routers.environments.register(prefix, viewset, f"environment_{prefix}")
