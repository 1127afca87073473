from posthog_api.routers import Routers
from warehouse.views import TableViewSet


def register_routes(routers: Routers) -> None:
    routers.projects.register(r"warehouse_tables", TableViewSet, "project_warehouse_tables")
    routers.environments.register(r"warehouse_tables", TableViewSet, "environment_warehouse_tables")
