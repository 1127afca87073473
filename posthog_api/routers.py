"""Routers: every route answers with or without its trailing slash, and parents nest by URL prefix."""

from dataclasses import dataclass, field

from rest_framework import routers

SEGMENT = r"[^/.]+"


class OptionalSlashRouter(routers.SimpleRouter):
    """A SimpleRouter whose routes all sit under `base` (a regex with the parent's named group, or empty)."""

    def __init__(self, base: str = ""):
        super().__init__()
        self.trailing_slash = "/?"  # DRF's constructor only knows "/" or ""
        self.base = base

    def register(self, prefix: str, viewset, basename: str, lookup_value_regex: str | None = None) -> None:
        if lookup_value_regex is not None:
            viewset.lookup_value_regex = lookup_value_regex
        full_prefix = f"{self.base}/{prefix}" if self.base else prefix
        super().register(full_prefix, viewset, basename=basename)


@dataclass
class Routers:
    """The four parents PostHog's URLs hang from; each app's `register_routes(routers)` nests onto them."""

    root: OptionalSlashRouter = field(default_factory=OptionalSlashRouter)
    organizations: OptionalSlashRouter = field(
        default_factory=lambda: OptionalSlashRouter(rf"organizations/(?P<organization_id>{SEGMENT})")
    )
    projects: OptionalSlashRouter = field(
        default_factory=lambda: OptionalSlashRouter(rf"projects/(?P<project_id>{SEGMENT})")
    )
    environments: OptionalSlashRouter = field(
        default_factory=lambda: OptionalSlashRouter(rf"environments/(?P<team_id>{SEGMENT})")
    )

    @property
    def urls(self) -> list:
        return [
            url for router in (self.root, self.organizations, self.projects, self.environments) for url in router.urls
        ]
