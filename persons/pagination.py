from django.utils.encoding import force_str
from rest_framework.utils.urls import replace_query_param

from posthog_api.pagination import LimitOffsetPagination


class PersonPagination(LimitOffsetPagination):
    """PostHog's persons page: `next` whenever the page came back full (so the last full page still links to an
    empty one), `previous` when offset - limit is still ≥ 0; `count` always included."""

    max_limit = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        self.page = super().paginate_queryset(queryset, request, view)
        return self.page

    def get_next_link(self) -> str | None:
        if self.limit is None or len(self.page) < self.limit:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return force_str(replace_query_param(url, self.offset_query_param, self.offset + self.limit))

    def get_previous_link(self) -> str | None:
        if self.limit is None or self.offset - self.limit < 0:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return force_str(replace_query_param(url, self.offset_query_param, self.offset - self.limit))
