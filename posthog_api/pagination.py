from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """PostHog's list shape: `{"count", "next", "previous", "results"}`, 100 rows unless `?limit=` says otherwise."""

    default_limit = 100
