from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from activity.models import ActivityLog
from activity.serializers import ActivityLogSerializer

DEFAULT_PAGE_SIZE = 10
# Bounded so that the row offset, (page - 1) * limit, stays within PostgreSQL's bigint.
_page_number = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


def activity_for(*, scope: str, item_id=None, team_id: int | None = None, organization_id=None) -> QuerySet:
    queryset = ActivityLog.objects.filter(scope=scope)
    if team_id is not None:
        queryset = queryset.filter(team_id=team_id)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    if item_id is not None:
        queryset = queryset.filter(item_id=str(item_id))
    return queryset


def activity_page(request, queryset: QuerySet) -> dict:
    """PostHog's page-based activity shape: `{"results", "next", "previous", "total_count"}`, newest first.

    `?page=` counts from 1 and `?limit=` defaults to 10; a page past the end is empty.
    """
    limit = _query_int(request, "limit", DEFAULT_PAGE_SIZE)
    page = _query_int(request, "page", 1)
    total_count = queryset.count()
    start = (page - 1) * limit
    rows = list(queryset.select_related("user").order_by("-created_at", "id")[start : start + limit])
    url = request.build_absolute_uri()
    return {
        "results": ActivityLogSerializer(rows, many=True).data,
        "next": _page_url(url, page + 1, limit) if start + limit < total_count else None,
        "previous": _page_url(url, page - 1, limit) if page > 1 else None,
        "total_count": total_count,
    }


def _query_int(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return _page_number.run_validation(raw)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


def _page_url(url: str, page: int, limit: int) -> str:
    return replace_query_param(replace_query_param(url, "page", page), "limit", limit)
