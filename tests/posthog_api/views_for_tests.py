"""Test-only viewsets nested under a project, an environment and an organization, plus views that raise errors."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from posthog_api.viewsets import TenantScopedViewSet
from projects.models import Team


class ThingSerializer(serializers.ModelSerializer):
    project_id = serializers.IntegerField(read_only=True)
    organization_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "project_id", "organization_id"]
        read_only_fields = ["id"]


class TenantEchoMixin:
    @action(detail=False, methods=["GET"], required_scopes=["feature_flag:read"])
    def tenant(self, request, *args, **kwargs) -> Response:
        return Response(
            {
                "organization": str(self.organization.pk),
                "project": self.project.pk if self.project is not None else None,
                "team": self.team.pk if self.team is not None else None,
                "membership_level": self.membership.level,
            }
        )


class ProjectThingViewSet(TenantEchoMixin, TenantScopedViewSet, viewsets.ModelViewSet):
    """Environments of the project in the URL, as a stand-in for any project-nested resource."""

    scope_object = "feature_flag"
    serializer_class = ThingSerializer
    queryset = Team.objects.order_by("id")
    filter_rewrite_rules = {"project_id": "project_id"}

    def perform_create(self, serializer: ThingSerializer) -> None:
        serializer.save(organization=self.organization, project=self.project)

    @action(detail=False, methods=["GET"])
    def undeclared(self, request, *args, **kwargs) -> Response:
        return Response({"reached": True})

    @action(detail=False, methods=["POST"], required_scopes=["feature_flag:write"])
    def declared(self, request, *args, **kwargs) -> Response:
        return Response({"reached": True})


class EnvironmentThingViewSet(TenantEchoMixin, TenantScopedViewSet, viewsets.ReadOnlyModelViewSet):
    scope_object = "feature_flag"
    serializer_class = ThingSerializer
    queryset = Team.objects.order_by("id")
    filter_rewrite_rules = {"team_id": "id"}


class OrganizationThingViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Environments of the organization in the URL, as a stand-in for any organization-nested resource."""

    scope_object = "organization"
    serializer_class = ThingSerializer
    queryset = Team.objects.order_by("id")

    @action(detail=False, methods=["GET"], required_scopes=["organization:read"])
    def tenant(self, request, *args, **kwargs) -> Response:
        return Response(
            {"organization": str(self.organization.pk), "team": self.team, "membership_level": self.membership.level}
        )


class NestedValueSerializer(serializers.Serializer):
    value = serializers.IntegerField()

    def validate(self, attrs: dict) -> dict:
        if attrs["value"] == 13:
            raise serializers.ValidationError("Unlucky value.")
        return attrs


class ValidationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(required=False)
    nested = NestedValueSerializer(required=False)
    items = NestedValueSerializer(many=True, required=False)

    def validate(self, attrs: dict) -> dict:
        if attrs["name"] == "clash":
            raise serializers.ValidationError("Name and count disagree.")
        return attrs


class ErrorsViewSet(TenantScopedViewSet, viewsets.GenericViewSet):
    scope_object = "query"
    serializer_class = ValidationSerializer

    @action(detail=False, methods=["POST"], required_scopes=["query:read"])
    def validate(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)

    @action(detail=False, methods=["GET"], required_scopes=["query:read"])
    def explode(self, request, *args, **kwargs) -> Response:
        raise RuntimeError("database password is hunter2")

    @action(detail=False, methods=["GET"], required_scopes=["query:read"])
    def django_not_found(self, request, *args, **kwargs) -> Response:
        raise Http404("secret 404 text")

    @action(detail=False, methods=["GET"], required_scopes=["query:read"])
    def django_denied(self, request, *args, **kwargs) -> Response:
        raise DjangoPermissionDenied("secret 403 text")
