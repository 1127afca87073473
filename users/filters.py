import django_filters

from users.models import User


class UserFilterSet(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="email", label="Exact email")
    is_staff = django_filters.BooleanFilter(field_name="is_staff")

    class Meta:
        model = User
        fields = ["email", "is_staff"]
