"""Insight actor endpoints under `/persons/`: who is behind a funnel step, a trend point, a lifecycle bar, ...

PostHog computes them with its analytics engine from legacy insight filters. No such engine runs here, so each one
answers PostHog's response shape with no actors. Like PostHog's, they declare no API scope: sessions are served and
personal API keys are refused.
"""

import json
from urllib.parse import urlencode

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from persons.models import Person
from persons.renderers import CSVRenderer
from persons.serializers import PersonSerializer
from persons.views import READ_ONLY_NOTE, PersonsBurstThrottle, PersonsSustainedThrottle
from posthog_api.parsers import JSONParser
from posthog_api.renderers import JSONRenderer
from posthog_api.throttles import BurstRateThrottle, SustainedRateThrottle
from posthog_api.viewsets import TenantScopedViewSet

LIFECYCLE_PARAMETERS = (
    ("target_date", "Must include specified date"),
    ("lifecycle_type", "Must include lifecycle type"),
)


def no_actors() -> list[dict]:
    return [{"people": [], "count": 0}]


def first_page_url(request) -> str:
    """The request's absolute URL without `offset`: PostHog's `initial`."""
    pairs = [(name, value) for name, values in request.query_params.lists() if name != "offset" for value in values]
    encoded = urlencode(pairs)
    return request.build_absolute_uri(request.path) + (f"?{encoded}" if encoded else "")


def is_json_object(value) -> bool:
    """An optional filter given as an object or as JSON text of one."""
    if value is None or value == "" or isinstance(value, dict):
        return True
    try:
        return isinstance(value, str) and isinstance(json.loads(value), dict)
    except ValueError:
        return False


def actors_page(request) -> dict:
    """PostHog's funnel-style actor page, with no actors."""
    return {
        "results": no_actors(),
        "next": None,
        "initial": first_page_url(request),
        "missing_persons": 0,
        "is_cached": False,
        "last_refresh": timezone.now(),
    }


@extend_schema(description=READ_ONLY_NOTE)
class PersonActorsViewSet(TenantScopedViewSet, viewsets.GenericViewSet):
    """The actor lists behind funnels, trends, lifecycle and stickiness insights (no analytics engine: no actors)."""

    scope_object = "person"
    environment_scoped = True
    queryset = Person.objects.all()
    serializer_class = PersonSerializer  # what PostHog's schema names as the POST body
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_classes = [BurstRateThrottle, SustainedRateThrottle, PersonsBurstThrottle, PersonsSustainedThrottle]

    @extend_schema(responses={200: None})
    @action(methods=["GET", "POST"], detail=False)
    def funnel(self, request, *args, **kwargs):
        return Response(actors_page(request))

    @extend_schema(responses={200: None})
    @action(methods=["GET", "POST"], detail=False, url_path="funnel/correlation")
    def funnel_correlation(self, request, *args, **kwargs):
        return Response(actors_page(request))

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False)
    def trends(self, request, *args, **kwargs):
        return Response(actors_page(request))

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False)
    def lifecycle(self, request, *args, **kwargs):
        for name, detail in LIFECYCLE_PARAMETERS:
            if not request.query_params.get(name):
                # NOTE: PostHog's own body here, not the error envelope.
                return Response({"message": "Missing parameter", "detail": detail}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"results": no_actors(), "next": None})

    @extend_schema(responses={200: None})
    @action(methods=["GET"], detail=False)
    def stickiness(self, request, *args, **kwargs):
        return Response({"results": no_actors(), "next": None})


class LegacyPersonActorsViewSet(PersonActorsViewSet):
    """Also the path and retention actors, which PostHog dropped before it served `/api/environments/`."""

    @extend_schema(responses={200: PersonSerializer})
    @action(methods=["GET", "POST"], detail=False, parser_classes=api_settings.DEFAULT_PARSER_CLASSES)
    def path(self, request, *args, **kwargs):
        funnel_filter = request.query_params.get("funnel_filter")
        if funnel_filter is None and hasattr(request.data, "get"):
            funnel_filter = request.data.get("funnel_filter")
        if not is_json_object(funnel_filter):
            raise ValidationError({"funnel_filter": ["Must be a JSON object."]})
        return Response(actors_page(request))

    @extend_schema(responses={200: PersonSerializer})
    @action(methods=["GET"], detail=False)
    def retention(self, request, *args, **kwargs):
        return Response({"result": [], "next": None})
