"""What the project and environment viewsets share: scopes of a PATCH, serializer context and actions. Each action acts
on `self.target_team()`: the passthrough environment on the project route, the environment itself on the environment
route."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from activity.selectors import activity_for, activity_page
from posthog_api.permissions import ProjectAdminWritePermission
from projects import selectors, services
from projects.constants import MEMBER_SAFE_FIELDS, PRODUCT_KEYS
from projects.permissions import body_keys
from projects.serializers import ProductIntentSerializer, TeamSerializer

# PostHog declares no scope on its token actions, so personal API keys cannot call them there. Rotating tokens is
# part of what a client generated from PostHog's schema must be able to do here, so these three accept keys with
# `project:write`. Every other undeclared action refuses keys, as PostHog does.
TOKEN_ACTION_SCOPES = ["project:write"]


def token_action():
    """A PATCH on the detail route for project admins (a new decorator each time: `action` keeps per-method state)."""
    return action(
        detail=True,
        methods=["patch"],
        required_scopes=TOKEN_ACTION_SCOPES,
        permission_classes=[ProjectAdminWritePermission],
    )


def bare_error(message: str, status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    """PostHog answers some actions' errors with `{"error": ...}`, not the usual envelope."""
    return Response({"error": message}, status=status_code)


class TeamActionsMixin:
    """Before `TenantScopedViewSet` in the bases."""

    def target_team(self):
        return self.get_object()

    def required_scopes_for_request(self) -> list[str]:
        if self.action == "partial_update" and not body_keys(self.request) <= MEMBER_SAFE_FIELDS:
            return [f"{self.scope_object}:write"]
        return super().required_scopes_for_request()

    def get_serializer_context(self) -> dict:
        membership = self.membership if self.request else None
        return {**super().get_serializer_context(), "membership_level": membership.level if membership else None}

    def detail_response(self, team, status_code: int = status.HTTP_200_OK, level: int | None = None) -> Response:
        """The viewset's detail shape of `team`, reloaded (`level`: the caller's level, when it changed)."""
        instance = type(team).objects.select_related("project").get(pk=team.pk)
        context = self.get_serializer_context()
        if level is not None:
            context["membership_level"] = level
        return Response(self.get_serializer(instance, context=context).data, status=status_code)

    def environment_response(self, team, status_code: int) -> Response:
        """The environment shape of `team` (also on the project route, as PostHog does for the intent actions)."""
        instance = type(team).objects.select_related("project").get(pk=team.pk)
        return Response(TeamSerializer(instance, context=self.get_serializer_context()).data, status=status_code)

    @action(detail=True, methods=["get"])
    def activity(self, request, *args, **kwargs):
        team = self.target_team()
        return Response(activity_page(request, activity_for(scope="Team", team_id=team.id, item_id=team.id)))

    @action(detail=True, methods=["patch"], required_scopes=["project:read"])
    def add_product_intent(self, request, *args, **kwargs):
        team = self.target_team()
        body = ProductIntentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.product_intent_register(
            team=team,
            product_type=body.validated_data["product_type"],
            intent_context=body.validated_data.get("intent_context"),
        )
        return self.environment_response(team, status.HTTP_201_CREATED)

    @action(detail=True, methods=["patch"], required_scopes=["project:read"])
    def complete_product_onboarding(self, request, *args, **kwargs):
        team = self.target_team()
        product_type = request.data.get("product_type") if hasattr(request.data, "get") else None
        if not product_type:
            return bare_error("product_type is required")
        if product_type not in PRODUCT_KEYS:
            return bare_error(f"invalid product_type, expected one of {list(PRODUCT_KEYS)}")
        intent_context = request.data.get("intent_context")
        services.product_intent_register(
            team=team,
            product_type=product_type,
            intent_context=intent_context if isinstance(intent_context, str) else None,
            complete_onboarding=True,
        )
        return self.environment_response(team, status.HTTP_200_OK)

    @action(detail=True, methods=["get"], required_scopes=["project:read"])
    def event_ingestion_restrictions(self, request, *args, **kwargs):
        return Response(selectors.event_ingestion_restrictions_of(self.target_team()))

    @action(detail=True, methods=["get"])
    def is_generating_demo_data(self, request, *args, **kwargs):
        return Response({"is_generating_demo_data": selectors.is_generating_demo_data(self.target_team())})

    @extend_schema(description="Replace the project token (`phc_…`); the old one stops working at once.")
    @token_action()
    def reset_token(self, request, *args, **kwargs):
        team = services.team_reset_token(team=self.target_team(), user=request.user)
        return self.detail_response(team)

    @extend_schema(description="Mint a new secret token (`phs_…`); the previous one stays valid as the backup.")
    @token_action()
    def rotate_secret_token(self, request, *args, **kwargs):
        team = services.team_rotate_secret_token(team=self.target_team(), user=request.user)
        return self.detail_response(team)

    @token_action()
    def delete_secret_token_backup(self, request, *args, **kwargs):
        team = services.team_delete_secret_token_backup(team=self.target_team(), user=request.user)
        return self.detail_response(team)
