from api_keys.views import PersonalAPIKeyViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.root.register(r"personal_api_keys", PersonalAPIKeyViewSet, "personal_api_keys")
