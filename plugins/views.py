import json
import re

from django.db.models import Case, Prefetch, Q, UUIDField, Value, When
from django.http import HttpResponse, QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import negotiation, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from activity.selectors import activity_for, activity_page
from organizations.models import Organization
from plugins import services
from plugins.jobs import validate_job
from plugins.models import Plugin, PluginAttachment, PluginConfig, PluginSourceFile
from plugins.permissions import PluginOwnershipPermission, PluginsAccessLevelPermission
from plugins.serializers import PluginConfigSerializer, PluginSerializer, RearrangeSerializer
from plugins.validators import validate_attachment
from posthog_api.validators import validate_storable_json
from posthog_api.viewsets import TenantScopedViewSet

ATTACHMENT_FIELD = re.compile(r"^(add|remove)_attachment\[([^\]]+)\]$")
JAVASCRIPT = "application/javascript; charset=UTF-8"


def acting_user(request):
    return request.user if getattr(request.user, "pk", None) else None


# --- Plugins ---


@extend_schema(exclude=True)  # PostHog hides plugin installation from its API docs; the reference has none of it
class PluginViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Plugins an organization installed, plus global ones and those its environments use."""

    scope_object = "plugin"
    serializer_class = PluginSerializer
    permission_classes = [PluginsAccessLevelPermission, PluginOwnershipPermission]
    queryset = Plugin.objects.select_related("organization").order_by("id")
    # NOTE: visibility is wider than ownership, so the tenant filter matches this annotation, not organization_id.
    filter_rewrite_rules = {"organization_id": "visible_to_organization"}

    def safely_get_queryset(self, queryset):
        organization_id = self.organization.pk
        visible = When(Plugin.visible_to(organization_id), then=Value(organization_id))
        return queryset.annotate(visible_to_organization=Case(visible, default=None, output_field=UUIDField()))

    def perform_create(self, serializer: PluginSerializer) -> None:
        serializer.instance = services.plugin_install(
            organization=self.organization, user=acting_user(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: PluginSerializer) -> None:
        services.plugin_update(plugin=serializer.instance, organization=self.organization, **serializer.validated_data)

    def perform_destroy(self, plugin: Plugin) -> None:
        services.plugin_uninstall(plugin=plugin, user=acting_user(self.request))

    def _own_plugin(self, reason: str) -> Plugin:
        plugin = self.get_object()
        if plugin.organization_id != self.organization.pk:
            raise NotFound()
        if self.organization.plugins_access_level < Organization.PluginsAccessLevel.INSTALL:
            raise PermissionDenied(f"Plugin {reason} is not available for the current organization!")
        return plugin

    @action(methods=["GET"], detail=True)
    def source(self, request, *args, **kwargs):
        plugin = self._own_plugin("source editing")
        return Response({source.filename: source.source for source in plugin.source_files.order_by("filename")})

    @action(methods=["PATCH"], detail=True)
    def update_source(self, request, *args, **kwargs):
        plugin = self._own_plugin("source editing")
        files, transpiled = parse_source_files(request.data)
        return Response(services.plugin_sources_update(plugin=plugin, files=files, transpiled=transpiled))


def parse_source_files(data) -> tuple[dict[str, str | None], dict[str, str]]:
    """`{filename: source}`, a null source deleting the file. Since PostHog's transpiler does not run here, a file
    may instead be sent as `{"source": ..., "transpiled": ...}` to store its transpiled JavaScript as well."""
    if not isinstance(data, dict) or isinstance(data, QueryDict):
        raise ValidationError("Send a JSON object mapping file names to their source.")
    validate_storable_json(data)
    files, transpiled = {}, {}
    for filename, value in data.items():
        if not filename or len(filename) > 200:
            raise ValidationError({filename: ["File names are 1 to 200 characters long."]})
        if isinstance(value, dict):
            transpiled[filename], value = value.get("transpiled"), value.get("source")
            if not isinstance(transpiled[filename], str):
                raise ValidationError({filename: ["`transpiled` must be a string."]})
        if value is not None and not isinstance(value, str):
            raise ValidationError({filename: ["The source must be a string or null."]})
        files[filename] = value
    return files, transpiled


# --- Plugin configs ---


class IgnoreAcceptNegotiation(negotiation.BaseContentNegotiation):
    """The frontend answer is JavaScript whatever the client accepts; errors still leave as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PluginConfigViewSet(TenantScopedViewSet, viewsets.ModelViewSet):
    """Plugin configs of an environment; each route shows one family, chosen by the plugin's capabilities."""

    scope_object = "plugin"
    environment_scoped = True
    serializer_class = PluginConfigSerializer
    queryset = (
        PluginConfig.objects.select_related("plugin__organization")
        .prefetch_related(Prefetch("attachments", queryset=PluginAttachment.objects.defer("contents").order_by("id")))
        .order_by("order", "plugin_id")
    )
    family: Q = Q()

    def safely_get_queryset(self, queryset):
        if not services.can_configure_plugins(self.organization):
            return queryset.none()
        if self.action == "list":
            queryset = queryset.exclude(deleted=True)
        if self.action != "destroy":  # DELETE finds any config of the environment, whatever its family
            queryset = queryset.filter(self.family)
        return queryset

    def get_serializer_context(self) -> dict:
        organization = self.organization if getattr(self, "kwargs", None) else None  # none while drawing the schema
        return {**super().get_serializer_context(), "organization": organization}

    def perform_create(self, serializer: PluginConfigSerializer) -> None:
        serializer.instance = services.plugin_config_create(
            team=self.team,
            user=acting_user(self.request),
            attachments=self._attachment_changes(),
            **serializer.validated_data,
        )

    def perform_update(self, serializer: PluginConfigSerializer) -> None:
        plugin_config = services.plugin_config_update(
            plugin_config=serializer.instance,
            user=acting_user(self.request),
            attachments=self._attachment_changes(),
            **serializer.validated_data,
        )
        serializer.instance = PluginConfig.objects.select_related("plugin__organization").get(pk=plugin_config.pk)

    def destroy(self, request, *args, **kwargs):
        if not services.can_configure_plugins(self.organization):
            return Response(status=status.HTTP_404_NOT_FOUND)
        services.plugin_config_disable(plugin_config=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _attachment_changes(self) -> services.AttachmentChanges | None:
        """Attachments come only with form bodies, as PostHog's UI sends them."""
        if not isinstance(self.request.data, QueryDict):
            return None
        changes = services.AttachmentChanges()
        for name, upload in self.request.FILES.items():
            match = ATTACHMENT_FIELD.match(name)
            if match and match[1] == "add":
                try:
                    validate_attachment(match[2], upload)
                except ValidationError as error:
                    raise ValidationError({name: error.detail}) from None
                changes.added[match[2]] = upload
        for name in self.request.data.keys():
            match = ATTACHMENT_FIELD.match(name)
            if match and match[1] == "remove":
                changes.removed.append(match[2])
        return changes

    @action(methods=["PATCH"], detail=False)
    def rearrange(self, request, *args, **kwargs):
        services.require_config_access(self.organization)
        serializer = RearrangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plugin_configs = services.plugin_configs_rearrange(
            team=self.team, user=acting_user(request), orders=serializer.validated_data.get("orders", {})
        )
        return Response(PluginConfigSerializer(plugin_configs, many=True).data)

    @action(methods=["GET"], detail=True, content_negotiation_class=IgnoreAcceptNegotiation)
    def frontend(self, request, *args, **kwargs):
        plugin_config = self.get_object()
        source = PluginSourceFile.objects.filter(plugin_id=plugin_config.plugin_id, filename="frontend.tsx").first()
        return HttpResponse(frontend_javascript(source), content_type=JAVASCRIPT)

    @action(methods=["POST"], detail=True)
    def job(self, request, *args, **kwargs):
        services.require_config_access(self.organization)
        plugin_config = self.get_object()
        job = request.data.get("job") if isinstance(request.data, dict) else None
        job_type, payload, _operation = validate_job(plugin_config.plugin, job, is_staff=request.user.is_staff)
        services.plugin_config_job_trigger(
            plugin_config=plugin_config, user=acting_user(request), job_type=job_type, payload=payload
        )
        return Response(status=status.HTTP_200_OK)

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=True)
    def activity(self, request, *args, **kwargs):
        plugin_config = self.get_object()
        entries = activity_for(scope="PluginConfig", team_id=self.team.pk, item_id=plugin_config.pk)
        return Response(activity_page(request, entries))


def frontend_javascript(source: PluginSourceFile | None) -> str:
    if source is not None and source.status == PluginSourceFile.Status.TRANSPILED:
        return source.transpiled or ""
    if source is None:
        app = {"no_frontend": True}
    elif source.status in (None, PluginSourceFile.Status.LOCKED):
        app = {"transpiling": True}
    else:
        app = {"error": source.error or "Error Compiling Plugin"}
    return "export function getFrontendApp () { return " + json.dumps(app) + " }"


class PipelineDestinationConfigViewSet(PluginConfigViewSet):
    """Configs of destination plugins: those whose capabilities list `onEvent` or `composeWebhook`."""

    family = Q(plugin__capabilities__has_key="methods") & (
        Q(plugin__capabilities__methods__contains=["onEvent"])
        | Q(plugin__capabilities__methods__contains=["composeWebhook"])
    )


class PipelineFrontendAppConfigViewSet(PluginConfigViewSet):
    """Configs of frontend (site) apps: plugins with neither `methods` nor `scheduled_tasks` capabilities."""

    family = ~(Q(plugin__capabilities__has_key="methods") | Q(plugin__capabilities__has_key="scheduled_tasks"))
