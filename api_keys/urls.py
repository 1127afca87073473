from api_keys.views import PersonalAPIKeyViewSet, ProjectSecretAPIKeyViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    routers.root.register(r"personal_api_keys", PersonalAPIKeyViewSet, "personal_api_keys")
    routers.projects.register(r"project_secret_api_keys", ProjectSecretAPIKeyViewSet, "project_project_secret_api_keys")
    routers.environments.register(
        r"project_secret_api_keys", ProjectSecretAPIKeyViewSet, "environment_project_secret_api_keys"
    )
