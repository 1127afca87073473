import base64
import datetime as dt
import json

from django.db.models import Q
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

PAGE_SIZE = 100


def encode_cursor(created_at: dt.datetime, group_key: str) -> str:
    micros = int(created_at.timestamp() * 1_000_000)
    raw = json.dumps({"c": micros, "k": group_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, str] | None:
    """The position after which the next page starts; anything undecodable restarts at page one."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created_at = dt.datetime.fromtimestamp(int(data["c"]) / 1_000_000, tz=dt.UTC)
        return created_at, str(data["k"])
    except (ValueError, TypeError, KeyError, OverflowError, OSError):
        return None


class GroupCursorPagination(BasePagination):
    """Forward-only keyset pages of 100 groups, newest created first; `previous` is always null."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        queryset = queryset.order_by("-created_at", "-group_key")
        position = decode_cursor(request.query_params.get(self.cursor_query_param))
        if position is not None:
            created_at, group_key = position
            queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, group_key__lt=group_key))
        rows = list(queryset[: PAGE_SIZE + 1])
        self.has_next = len(rows) > PAGE_SIZE
        self.page = rows[:PAGE_SIZE]
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        last = self.page[-1]
        cursor = encode_cursor(last.created_at, last.group_key)
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        example = "http://api.example.org/accounts/?cursor=cD00ODY%3D"
        link = {"type": "string", "nullable": True, "format": "uri", "example": example}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": dict(link), "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            }
        ]
