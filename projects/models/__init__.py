from projects.models.config import (
    EvaluationContext,
    EventIngestionRestriction,
    ProductIntent,
    TeamDefaultEvaluationContext,
    TeamFeatureFlagDefaultsConfig,
)
from projects.models.project import (
    DEFAULT_PROJECT_NAME,
    Project,
    generate_project_token,
    generate_secret_token,
    next_team_id,
)
from projects.models.team import Team

__all__ = [
    "DEFAULT_PROJECT_NAME",
    "EvaluationContext",
    "EventIngestionRestriction",
    "ProductIntent",
    "Project",
    "Team",
    "TeamDefaultEvaluationContext",
    "TeamFeatureFlagDefaultsConfig",
    "generate_project_token",
    "generate_secret_token",
    "next_team_id",
]
