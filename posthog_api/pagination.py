from rest_framework import pagination

# PostgreSQL's LIMIT is a bigint; any larger ?limit= asks for every row just the same.
LARGEST_LIMIT = 2**63 - 1


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """PostHog's list shape: `{"count", "next", "previous", "results"}`, 100 rows unless `?limit=` says otherwise."""

    default_limit = 100

    def get_limit(self, request) -> int | None:
        limit = super().get_limit(request)
        return min(limit, LARGEST_LIMIT) if limit is not None else None
