"""Every route the API's routers register, with concrete paths, so tests can sweep all of them."""

import re
import uuid
from dataclasses import dataclass

from posthog_api.urls import routers

GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^)]*)\)")
TENANT_KWARGS = ("organization_id", "project_id", "team_id")
ANY_VALUES = (str(uuid.UUID(int=1)), "1")
SKIPPED_METHODS = ("head", "options")  # no body to compare; they follow GET


@dataclass(frozen=True)
class Route:
    name: str
    regex: str
    actions: dict[str, str]  # HTTP method -> viewset action
    viewset: type

    @property
    def kwargs(self) -> list[str]:
        return [match["name"] for match in GROUP.finditer(self.regex)]

    @property
    def tenant(self) -> str | None:
        """The tenant kwarg the route hangs from, if any."""
        return next((kwarg for kwarg in self.kwargs if kwarg in TENANT_KWARGS), None)

    def path(self, **values) -> str:
        """The route's URL with `values` for its kwargs and any value its pattern accepts for the others."""

        def fill(match: re.Match) -> str:
            if match["name"] in values:
                return str(values[match["name"]])
            return next(value for value in ANY_VALUES if re.fullmatch(match["regex"], value))

        body = GROUP.sub(fill, self.regex).removeprefix("^").removesuffix("$").removesuffix("/?")
        return f"/api/{body}/"


def registered_routes() -> list[Route]:
    return [
        Route(
            name=pattern.name,
            regex=pattern.pattern.regex.pattern,
            actions={m: a for m, a in pattern.callback.actions.items() if m not in SKIPPED_METHODS},
            viewset=pattern.callback.cls,
        )
        for pattern in routers.urls
    ]


def tenant_values(team) -> dict:
    """URL kwargs naming `team`, its project and its organization."""
    return {"organization_id": team.organization_id, "project_id": team.project_id, "team_id": team.id}
