from persons.actors import LegacyPersonActorsViewSet, PersonActorsViewSet
from persons.views import PersonViewSet
from posthog_api.routers import Routers


def register_routes(routers: Routers) -> None:
    # The actor routes come first: otherwise `persons/funnel/` would read as the person whose id is "funnel".
    routers.projects.register(r"persons", LegacyPersonActorsViewSet, "project_person_actors")
    routers.environments.register(r"persons", PersonActorsViewSet, "environment_person_actors")
    routers.projects.register(r"persons", PersonViewSet, "project_persons")
    routers.environments.register(r"persons", PersonViewSet, "environment_persons")
