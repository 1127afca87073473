import logging

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response

from posthog_api.viewsets import TenantScopedViewSet
from web_analytics.selectors import web_vitals_trends

logger = logging.getLogger(__name__)
NULL_CHARACTERS = "Null characters are not allowed."


class WebVitalsViewSet(TenantScopedViewSet, viewsets.ViewSet):
    """The p90 of each Core Web Vital (INP, LCP, CLS, FCP) on one page, per week over the last seven days."""

    scope_object = "query"

    @extend_schema(
        parameters=[OpenApiParameter("pathname", str, required=True, description="Filter web vitals by pathname")],
        responses={200: None},
    )
    def list(self, request, *args, **kwargs):
        pathname = request.query_params.get("pathname")
        if not pathname:
            raise ValidationError({"pathname": ["This field is required."]})
        if "\x00" in pathname:  # PostgreSQL text cannot hold it, so the query would fail
            raise ValidationError({"pathname": [ErrorDetail(NULL_CHARACTERS, code="null_characters_not_allowed")]})
        try:
            with transaction.atomic():
                return Response(web_vitals_trends(team=self.team, pathname=pathname))
        except Exception:
            # NOTE: PostHog (2026) answers a failed query with an empty result, not an error; the toolbar relies on it.
            logger.exception("Web vitals query failed for team %s", self.team.pk)
            return Response({"results": []})
