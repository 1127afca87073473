"""Default evaluation contexts (project route) and their older name, evaluation tags (environment route)."""

from rest_framework import status
from rest_framework.response import Response

from posthog_api.permissions import ADMIN
from projects import services
from projects.models import EvaluationContext, TeamDefaultEvaluationContext
from projects.views.actions import bare_error


def _name_from(request, field: str):
    """From the body; a DELETE may send it in the query string instead."""
    if hasattr(request.data, "get") and field in request.data:
        return request.data.get(field)
    return request.query_params.get(field) if request.method == "DELETE" else None


def evaluation_contexts_response(request, team, *, level: int, legacy: bool) -> Response:
    """GET lists, POST adds (by `context_name`, or `tag_name` when `legacy`), DELETE removes a default context."""
    field = "tag_name" if legacy else "context_name"
    if request.method == "GET":
        return Response(_listing(team, legacy=legacy))
    try:
        name = services.normalize_context_name(_name_from(request, field), field)
        if request.method == "POST":
            context, created = services.default_evaluation_context_add(
                team=team, name=name, is_admin=level >= ADMIN, noun="tags" if legacy else "contexts"
            )
            body = {"id": str(context.id), "name": context.name, "created": created}
            if not legacy:
                body["hidden_from_suggestions"] = context.hidden_from_suggestions
            return Response(body)
        services.default_evaluation_context_remove(
            team=team, name=name, missing_message="Tag not found" if legacy else "Evaluation context not found"
        )
    except services.EvaluationContextError as error:
        return bare_error(error.message, error.status)
    return Response({"success": True}, status=status.HTTP_200_OK)


def _listing(team, *, legacy: bool) -> dict:
    defaults = [
        {"id": str(link.evaluation_context_id), "name": link.evaluation_context.name}
        for link in TeamDefaultEvaluationContext.objects.filter(team=team).select_related("evaluation_context")
    ]
    enabled = bool(team.default_evaluation_contexts_enabled)
    if legacy:
        return {"default_evaluation_tags": defaults, "enabled": enabled}
    contexts = EvaluationContext.objects.filter(team=team).order_by("name")
    return {
        "default_evaluation_contexts": defaults,
        "available_contexts": [c.name for c in contexts if not c.hidden_from_suggestions],
        "hidden_contexts": [c.name for c in contexts if c.hidden_from_suggestions],
        "enabled": enabled,
    }
