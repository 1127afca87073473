from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api_keys.urls import register_routes as api_keys_routes
from organizations.urls import register_routes as organizations_routes
from posthog_api import views
from posthog_api.routers import Routers
from users.urls import register_routes as users_routes

routers = Routers()
for register_routes in (users_routes, organizations_routes, api_keys_routes):
    register_routes(routers)

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/swagger-ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include(routers.urls)),
    re_path(r"^api(?:/.*)?$", views.api_not_found),
    path("_health", views.health),
    path("_ready", views.ready),
    path("admin/", admin.site.urls),
]

handler404 = "posthog_api.views.api_not_found"
