from django.urls import re_path

from posthog_api.routers import Routers
from sharing.views import InsightViewSet, SharePasswordViewSet, SharingConfigurationViewSet
from sharing.views.public import shared_insight

INSIGHT = r"insights/(?P<insight_id>[^/.]+)"


def register_routes(routers: Routers) -> None:
    for router, root in ((routers.projects, "project"), (routers.environments, "environment")):
        router.register(r"insights", InsightViewSet, f"{root}_insights")
        router.register(rf"{INSIGHT}/sharing", SharingConfigurationViewSet, f"{root}_insight_sharing")
        router.register(rf"{INSIGHT}/sharing/passwords", SharePasswordViewSet, f"{root}_insight_sharing_passwords")


# Site-root routes of the public page (included by posthog_api/urls.py).
urlpatterns = [
    re_path(r"^(?P<kind>shared|embedded)/(?P<access_token>[^/]+)/?$", shared_insight, name="shared_insight"),
]
