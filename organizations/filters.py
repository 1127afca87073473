import django_filters
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from organizations.models import OrganizationMembership

SEARCH_MAX_LENGTH = 200


class OrganizationMemberFilterSet(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="user__email", label="Exact email of the member")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    search = django_filters.CharFilter(method="filter_search", label="First name, last name or email contains")
    order = django_filters.OrderingFilter(fields=(("joined_at", "joined_at"),))

    class Meta:
        model = OrganizationMembership
        fields = ["email", "updated_after", "search", "order"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("order"):
            queryset = queryset.order_by("-joined_at")
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "id")  # stable pages when join times tie

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if len(value) > SEARCH_MAX_LENGTH:
            raise ValidationError({"search": "Search query must be 200 characters or fewer."})
        return queryset.filter(
            Q(user__first_name__icontains=value) | Q(user__last_name__icontains=value) | Q(user__email__icontains=value)
        )
