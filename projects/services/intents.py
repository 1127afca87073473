"""Product intents, default evaluation contexts and default release conditions of a team."""

from django.db import transaction
from django.utils import timezone

from projects.constants import MAX_DEFAULT_EVALUATION_CONTEXTS
from projects.models import (
    EvaluationContext,
    ProductIntent,
    Team,
    TeamDefaultEvaluationContext,
    TeamFeatureFlagDefaultsConfig,
)

NO_CONTEXT = "null"  # the `contexts` counter key when no intent_context was given (JSON has no null keys)


class EvaluationContextError(Exception):
    """An error PostHog answers with a bare `{"error": ...}` body."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@transaction.atomic
def product_intent_register(
    *, team: Team, product_type: str, intent_context: str | None = None, complete_onboarding: bool = False
) -> ProductIntent:
    """Record interest in a product (one row per team and product); optionally mark its onboarding complete."""
    intent, _ = ProductIntent.objects.select_for_update().get_or_create(team=team, product_type=product_type)
    key = intent_context or NO_CONTEXT
    intent.contexts = {**intent.contexts, key: intent.contexts.get(key, 0) + 1}
    if complete_onboarding:
        intent.onboarding_completed_at = timezone.now()
    intent.save()
    return intent


def normalize_context_name(value, field: str = "context_name") -> str:
    """Trimmed and lower-cased; `field` names the body field in messages (`tag_name` on the older route)."""
    if value is not None and not isinstance(value, str):
        raise EvaluationContextError(f"{field} must be a string")
    name = (value or "").strip().lower()
    if not name:
        raise EvaluationContextError(f"{field} is required")
    if len(name) > 255:
        raise EvaluationContextError(f"{field} must be at most 255 characters")
    return name


@transaction.atomic
def default_evaluation_context_add(
    *, team: Team, name: str, is_admin: bool, noun: str = "contexts"
) -> tuple[EvaluationContext, bool]:
    """Make `name` a default context of the team; returns the context and whether the default link is new."""
    Team.objects.select_for_update().filter(pk=team.pk).first()  # serializes the limit check per team
    context, _ = EvaluationContext.objects.get_or_create(team=team, name=name)
    if TeamDefaultEvaluationContext.objects.filter(team=team, evaluation_context=context).exists():
        return context, False
    if TeamDefaultEvaluationContext.objects.filter(team=team).count() >= MAX_DEFAULT_EVALUATION_CONTEXTS:
        raise EvaluationContextError(f"Maximum of {MAX_DEFAULT_EVALUATION_CONTEXTS} default evaluation {noun} allowed")
    TeamDefaultEvaluationContext.objects.create(team=team, evaluation_context=context)
    if context.hidden_from_suggestions and is_admin:
        context.hidden_from_suggestions = False
        context.save(update_fields=["hidden_from_suggestions"])
    return context, True


@transaction.atomic
def default_evaluation_context_remove(*, team: Team, name: str, missing_message: str) -> None:
    context = EvaluationContext.objects.filter(team=team, name=name).first()
    if context is None:
        raise EvaluationContextError(missing_message, status=404)
    TeamDefaultEvaluationContext.objects.filter(team=team, evaluation_context=context).delete()


def release_conditions_for(team: Team) -> TeamFeatureFlagDefaultsConfig:
    config, _ = TeamFeatureFlagDefaultsConfig.objects.get_or_create(team=team)
    return config
