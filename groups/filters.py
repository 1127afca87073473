import django_filters
from django import forms
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from groups.models import Group

GROUP_TYPE_INDEX_REQUIRED = (
    "You must pass ?group_type_index= in this URL. To get a list of valid group types, call "
    "/api/:project_id/groups_types/."
)


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class GroupFilterSet(django_filters.FilterSet):
    group_type_index = IntegerFilter(
        field_name="group_type_index",
        required=True,
        label="Specify the group type to list",
        error_messages={"required": GROUP_TYPE_INDEX_REQUIRED, "invalid": "A valid integer is required."},
    )
    search = django_filters.CharFilter(method="filter_search", label="Search the group name")
    group_key = django_filters.CharFilter(field_name="group_key", lookup_expr="icontains", label="Search the group key")

    class Meta:
        model = Group
        fields = ["group_type_index", "search", "group_key"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A case-insensitive match anywhere in the properties' text, or the exact key (any case)."""
        if not value:
            return queryset
        return queryset.alias(_properties_text=Cast("group_properties", TextField())).filter(
            Q(_properties_text__icontains=value) | Q(group_key__iexact=value)
        )
