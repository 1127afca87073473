from posthog_api.routers import Routers
from web_analytics.views import WebVitalsViewSet


def register_routes(routers: Routers) -> None:
    routers.environments.register(r"web_vitals", WebVitalsViewSet, "environment_web_vitals")
