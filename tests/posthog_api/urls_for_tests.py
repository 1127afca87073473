"""The project's URLconf plus test-only viewsets, so project and organization scoping can be tested on their own."""

from django.urls import include, path

from posthog_api import urls as project_urls
from posthog_api.routers import Routers
from tests.posthog_api import views_for_tests

test_routers = Routers()
test_routers.root.register(r"test_errors", views_for_tests.ErrorsViewSet, "test_errors")
test_routers.projects.register(r"test_things", views_for_tests.ProjectThingViewSet, "project_test_things")
test_routers.environments.register(r"test_things", views_for_tests.EnvironmentThingViewSet, "environment_test_things")
test_routers.organizations.register(
    r"test_things", views_for_tests.OrganizationThingViewSet, "organization_test_things"
)

urlpatterns = [path("api/", include(test_routers.urls)), *project_urls.urlpatterns]

handler404 = project_urls.handler404
