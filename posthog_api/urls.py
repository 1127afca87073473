import importlib
import importlib.util

from django.apps import apps
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from posthog_api import views
from posthog_api.routers import Routers


def app_routers() -> Routers:
    """Every installed app with a `urls.register_routes(routers)` nests its viewsets onto the shared parents."""
    routers = Routers()
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.urls") is None:
            continue
        register_routes = getattr(importlib.import_module(f"{app.name}.urls"), "register_routes", None)
        if register_routes is not None:
            register_routes(routers)
    return routers


routers = app_routers()

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/swagger-ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/schema/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="posthog_api/redoc.html"),
        name="redoc",
    ),
    path("api/", include(routers.urls)),
    re_path(r"^api(?:/.*)?$", views.api_not_found),
    path("_health", views.health),
    path("_ready", views.ready),
    path("admin/", admin.site.urls),
    # Public pages of shared insights (/shared/<token>, /embedded/<token>).
    path("", include("sharing.urls")),
    # PostHog SDK capture endpoints live at the site root (/batch/, /e/, /i/v0/e/, /flags/, ...).
    path("", include("ingestion.urls")),
]

handler404 = "posthog_api.views.api_not_found"
