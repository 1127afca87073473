import re

import django_filters
from django.db.models import QuerySet

from warehouse.models import DataWarehouseTable

TERM_SEPARATORS = re.compile(r"[\s,]+")


class TableFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="A search term.")

    class Meta:
        model = DataWarehouseTable
        fields = ["search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every whitespace- or comma-separated term must appear in the name, in any case (DRF's SearchFilter)."""
        for term in TERM_SEPARATORS.split(value.strip()):
            if term:
                queryset = queryset.filter(name__icontains=term)
        return queryset
