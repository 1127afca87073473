from projects.serializers.actions import (
    ChangeOrganizationSerializer,
    ExperimentsConfigSerializer,
    ProductIntentSerializer,
)
from projects.serializers.shapes import (
    ProjectBackwardCompatBasicSerializer,
    ProjectBackwardCompatSerializer,
    TeamSerializer,
)

__all__ = [
    "ChangeOrganizationSerializer",
    "ExperimentsConfigSerializer",
    "ProductIntentSerializer",
    "ProjectBackwardCompatBasicSerializer",
    "ProjectBackwardCompatSerializer",
    "TeamSerializer",
]
