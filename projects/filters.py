import django_filters

from projects.models import Team


class ProjectFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="project__name", lookup_expr="icontains", help_text="A search term.")

    class Meta:
        model = Team
        fields = ["search"]
