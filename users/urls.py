from posthog_api.routers import Routers
from users.views import UserViewSet


def register_routes(routers: Routers) -> None:
    routers.root.register(r"users", UserViewSet, "users")
