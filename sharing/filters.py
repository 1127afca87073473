import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sharing.models import Insight


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class InsightFilterSet(django_filters.FilterSet):
    short_id = django_filters.CharFilter(field_name="short_id")
    created_by = IntegerFilter(field_name="created_by_id")
    basic = django_filters.BooleanFilter(
        method="filter_basic", label="Return basic insight metadata only (no results, faster)."
    )

    class Meta:
        model = Insight
        fields = ["short_id", "created_by", "basic"]

    def filter_basic(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # results are never computed here, so every answer is already "basic"
