"""Writes on projects and environments: keyword-only functions, each its own transaction."""

from projects.services.creation import (
    environment_create,
    project_create,
    project_create_by_user,
    user_switch_team,
)
from projects.services.intents import (
    EvaluationContextError,
    default_evaluation_context_add,
    default_evaluation_context_remove,
    normalize_context_name,
    product_intent_register,
    release_conditions_for,
)
from projects.services.lifecycle import environment_delete, project_change_organization, project_delete
from projects.services.tokens import (
    team_delete_secret_token_backup,
    team_generate_conversations_token,
    team_reset_token,
    team_rotate_secret_token,
)
from projects.services.updates import team_update

__all__ = [
    "EvaluationContextError",
    "default_evaluation_context_add",
    "default_evaluation_context_remove",
    "environment_create",
    "environment_delete",
    "normalize_context_name",
    "product_intent_register",
    "project_change_organization",
    "project_create",
    "project_create_by_user",
    "project_delete",
    "release_conditions_for",
    "team_delete_secret_token_backup",
    "team_generate_conversations_token",
    "team_reset_token",
    "team_rotate_secret_token",
    "team_update",
    "user_switch_team",
]
