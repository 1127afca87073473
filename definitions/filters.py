import json

import django_filters
from django import forms
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from definitions.models import EventProperty, PropertyDefinition

TYPES = {"event": 1, "person": 2, "group": 3, "session": 4}
MAX_GROUP_TYPE_INDEX = 5
# Never listed as event properties: PostHog hides them from every picker.
HIDDEN_EVENT_PROPERTIES = [
    "distinct_id",
    "$set",
    "$set_once",
    "$initial_referrer",
    "$initial_referring_domain",
    "$groups",
    "$group_type",
    "$group_key",
    "$group_set",
    *(f"$group_{index}" for index in range(MAX_GROUP_TYPE_INDEX)),
]
# NOTE: approximates PostHog's core taxonomy (built-in `$` properties and campaign parameters).
CORE_PREFIXES = ("$", "utm_")
CORE_NAMES = ["gclid", "gad_source", "fbclid", "msclkid", "twclid", "li_fat_id", "mc_cid", "igshid", "ttclid"]


def _json_list(value: str, name: str) -> list[str]:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
        raise forms.ValidationError({name: f"`{name}` must be a JSON-encoded list of strings."})
    return parsed


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class PropertyDefinitionForm(forms.Form):
    def clean(self):
        data = super().clean()
        kind = data.get("type") or "event"
        group_type_index = data.get("group_type_index")
        if kind == "group" and group_type_index is None:
            raise forms.ValidationError("`group_type_index` must be set for `group` type")
        if kind != "group" and group_type_index is not None:
            raise forms.ValidationError("`group_type_index` can only set for `group` type")
        if group_type_index is not None and not 0 <= group_type_index < MAX_GROUP_TYPE_INDEX:
            raise forms.ValidationError("Invalid value for `group_type_index`")
        if data.get("event_names") and kind != "event":
            raise forms.ValidationError("`event_names` can only be set for `event` type")
        for name in ("event_names", "excluded_properties"):
            if data.get(name):
                data[name] = _json_list(data[name], name)
        return data


class PropertyDefinitionFilterSet(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        choices=[(name, name) for name in TYPES], method="filter_nothing", label="What property definitions to return"
    )
    group_type_index = IntegerFilter(
        method="filter_nothing", label="What group type is the property for. Only should be set if `type=group`"
    )
    search = django_filters.CharFilter(method="filter_nothing", label="Searches properties by name")
    properties = django_filters.CharFilter(
        method="filter_nothing", label="Comma-separated list of properties to filter"
    )
    is_numerical = django_filters.BooleanFilter(
        method="filter_nothing", label="Whether to return only (or excluding) numerical property definitions"
    )
    is_feature_flag = django_filters.BooleanFilter(
        method="filter_nothing", label="Whether to return only (or excluding) feature flag properties"
    )
    event_names = django_filters.CharFilter(
        method="filter_nothing",
        label="If sent, response value will have `is_seen_on_filtered_events` populated. JSON-encoded",
    )
    filter_by_event_names = django_filters.BooleanFilter(
        method="filter_nothing", label="Whether to return only properties for events in `event_names`"
    )
    excluded_properties = django_filters.CharFilter(
        method="filter_nothing", label="JSON-encoded list of excluded properties"
    )
    exclude_hidden = django_filters.BooleanFilter(
        method="filter_nothing", label="Whether to exclude properties marked as hidden"
    )
    exclude_core_properties = django_filters.BooleanFilter(
        method="filter_nothing", label="Whether to exclude core properties"
    )
    verified = django_filters.BooleanFilter(method="filter_nothing", label="Whether to return only verified properties")

    class Meta:
        model = PropertyDefinition
        fields: list[str] = []
        form = PropertyDefinitionForm

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # everything is applied together in filter_queryset (the parameters depend on each other)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        kind = data.get("type") or "event"
        queryset = queryset.filter(type=TYPES[kind])
        if data.get("group_type_index") is not None:
            queryset = queryset.filter(group_type_index=data["group_type_index"])
        for word in (data.get("search") or "").split():
            if kind == "person" and word.lower() == "latest":
                queryset = queryset.filter(Q(name__icontains=word) | ~Q(name__icontains="initial"))
            else:
                queryset = queryset.filter(name__icontains=word)
        if data.get("properties"):
            queryset = queryset.filter(name__in=[name.strip() for name in data["properties"].split(",")])
        if data.get("is_numerical"):
            queryset = queryset.filter(is_numerical=True).exclude(name__in=["distinct_id", "timestamp"])
        if data.get("is_feature_flag") is not None:
            is_flag = Q(name__startswith="$feature/")
            queryset = queryset.filter(is_flag if data["is_feature_flag"] else ~is_flag)
        excluded = list(data.get("excluded_properties") or [])
        if kind == "event":
            excluded += HIDDEN_EVENT_PROPERTIES
        if excluded:
            queryset = queryset.exclude(name__in=excluded)
        if data.get("exclude_hidden"):
            queryset = queryset.exclude(hidden=True)
        if data.get("exclude_core_properties"):
            queryset = queryset.exclude(name__in=CORE_NAMES)
            for prefix in CORE_PREFIXES:
                queryset = queryset.exclude(name__startswith=prefix)
        if data.get("verified") is not None:
            queryset = queryset.filter(verified=data["verified"])
        return self._seen_on(queryset, data.get("event_names"), data.get("filter_by_event_names"))

    @staticmethod
    def _seen_on(queryset: QuerySet, event_names: list[str] | None, only_seen: bool | None) -> QuerySet:
        if not event_names:
            return queryset.annotate(
                is_seen_on_filtered_events=Value(None, output_field=BooleanField(null=True))
            ).order_by("-verified", "name")
        seen = EventProperty.objects.filter(
            team_id=OuterRef("team_id"), property=OuterRef("name"), event__in=event_names
        )
        queryset = queryset.annotate(is_seen_on_filtered_events=Exists(seen))
        if only_seen:
            queryset = queryset.filter(is_seen_on_filtered_events=True)
        return queryset.order_by("-is_seen_on_filtered_events", "-verified", "name")
