from projects.views.environments import EnvironmentViewSet, RootEnvironmentViewSet
from projects.views.projects import ProjectViewSet, RootProjectViewSet

__all__ = ["EnvironmentViewSet", "ProjectViewSet", "RootEnvironmentViewSet", "RootProjectViewSet"]
