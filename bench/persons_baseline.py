"""URLconf for bench/persons_list.py: the API plus the baseline, a plain DRF list of the same persons."""

from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated

from persons.models import Person


class PlainPersonSerializer(serializers.ModelSerializer):
    """What a plain DRF ModelSerializer gives for the same rows: the fields, and the distinct ids by slug."""

    distinct_ids = serializers.SlugRelatedField(
        source="distinct_id_rows", slug_field="distinct_id", many=True, read_only=True
    )

    class Meta:
        model = Person
        fields = ["id", "uuid", "distinct_ids", "properties", "created_at"]


class PlainPersonList(generics.ListAPIView):
    """Same authentication classes as the API (personal key), same page size, same team and order."""

    serializer_class = PlainPersonSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = LimitOffsetPagination

    def get_queryset(self):
        return (
            Person.objects.filter(team_id=self.kwargs["team_id"])
            .prefetch_related("distinct_id_rows")
            .order_by("-created_at", "-id")
        )


class DefaultLimit(LimitOffsetPagination):
    default_limit = 100


PlainPersonList.pagination_class = DefaultLimit

urlpatterns = [
    path("bench/plain_persons/<int:team_id>/", PlainPersonList.as_view()),
    path("", include("posthog_api.urls")),
]

handler404 = "posthog_api.views.api_not_found"
