"""The project's URLconf plus one test-only viewset that lets project secret API keys call its `list` action."""

from django.urls import include, path
from rest_framework import serializers, viewsets

from posthog_api import urls as project_urls
from posthog_api.routers import Routers
from posthog_api.viewsets import TenantScopedViewSet
from projects.models import Team


class EnvironmentNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class SecretKeyFriendlyViewSet(TenantScopedViewSet, viewsets.ReadOnlyModelViewSet):
    """Environments of the project in the URL; a stand-in for a resource such as flags' local evaluation."""

    scope_object = "feature_flag"
    project_secret_api_key_actions = ("list",)
    serializer_class = EnvironmentNameSerializer
    queryset = Team.objects.order_by("id")
    filter_rewrite_rules = {"project_id": "project_id"}


routers = Routers()
routers.projects.register(r"secret_key_friendly", SecretKeyFriendlyViewSet, "project_secret_key_friendly")

urlpatterns = [path("api/", include(routers.urls)), *project_urls.urlpatterns]

handler404 = project_urls.handler404
