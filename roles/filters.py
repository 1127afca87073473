import django_filters

from roles.models import Role


class RoleFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name", label="Exact role name")

    class Meta:
        model = Role
        fields = ["name"]
