import json
import re
from itertools import count

import django_filters
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Left
from rest_framework.exceptions import ValidationError

from persons.models import Person, PersonDistinctId
from persons.selectors import property_value_text

NUMBER = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
# A negative operator matches persons lacking the key too (HogQL compares a missing property as "not equal").
POSITIVE = {"is_not": "exact", "not_icontains": "icontains", "not_regex": "regex", "not_in": "in"}
OPERATORS = {
    "exact",
    "is_not",
    "icontains",
    "not_icontains",
    "regex",
    "not_regex",
    "gt",
    "lt",
    "gte",
    "lte",
    "is_set",
    "is_not_set",
    "is_date_exact",
    "is_date_after",
    "is_date_before",
    "in",
    "not_in",
}
PERSON_PROPERTY_TYPES = {None, "", "person"}


def _invalid(detail: str):
    return ValidationError({"properties": [detail]})


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _invalid(f"Value {value!r} is not a number.") from None


def _date(value) -> str:
    text = str(value)
    if not re.match(ISO_DATE, text):
        raise _invalid(f"Value {value!r} is not a date (YYYY-MM-DD).")
    return text[:10]


class PropertyFilterQuery:
    """Turns PostHog property filters (`[{"key", "value", "operator", "type"}]`, or nested
    `{"type": "AND"|"OR", "values": [...]}` groups) into one Q over the `properties` jsonb column."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self._names = count()

    def apply(self, raw: str) -> QuerySet:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise _invalid("Properties are unparsable!") from None
        condition = self._group(parsed)
        return self.queryset.filter(condition) if condition is not None else self.queryset

    def _group(self, node) -> Q | None:
        if isinstance(node, list):
            return self._combine([self._group(item) for item in node], "AND")
        if not isinstance(node, dict):
            raise _invalid("Properties are unparsable!")
        if "values" in node and node.get("type") in ("AND", "OR"):
            if not isinstance(node["values"], list):
                raise _invalid("Properties are unparsable!")
            return self._combine([self._group(item) for item in node["values"]], node["type"])
        return self._condition(node)

    @staticmethod
    def _combine(conditions: list, connector: str) -> Q | None:
        result = None
        for condition in conditions:
            if condition is None:
                continue
            if result is None:
                result = condition
            else:
                result = result & condition if connector == "AND" else result | condition
        return result

    def _alias(self, expression) -> str:
        name = f"_property_{next(self._names)}"
        self.queryset = self.queryset.alias(**{name: expression})
        return name

    def _condition(self, item: dict) -> Q:
        key = item.get("key")
        if not isinstance(key, str) or not key:
            raise _invalid("Every property filter needs a `key`.")
        if item.get("type") not in PERSON_PROPERTY_TYPES:
            raise _invalid(f"Persons can only be filtered by person properties, not `{item.get('type')}`.")
        operator = item.get("operator") or "exact"
        if operator not in OPERATORS:
            raise _invalid(f"Unknown operator `{operator}`.")
        has_key = Q(properties__has_key=key)
        if operator == "is_set":
            return has_key
        if operator == "is_not_set":
            return ~has_key
        value = item.get("value")
        values = value if isinstance(value, list) else [value]
        text = self._alias(KeyTextTransform(key, "properties"))
        condition = self._positive(POSITIVE.get(operator, operator), text, values)
        if operator in POSITIVE:
            return ~has_key | (has_key & ~condition)
        return has_key & condition

    def _positive(self, operator: str, text: str, values: list) -> Q:
        if operator in ("exact", "in"):
            return Q(**{f"{text}__in": [property_value_text(value) for value in values]})
        if operator == "icontains":
            return self._any(Q(**{f"{text}__icontains": property_value_text(value)}) for value in values)
        if operator == "regex":
            for value in values:
                try:
                    re.compile(str(value))
                except re.error:
                    raise _invalid(f"Invalid regular expression {value!r}.") from None
            return self._any(Q(**{f"{text}__regex": str(value)}) for value in values)
        if operator in ("gt", "lt", "gte", "lte"):
            number = self._alias(Cast(F(text), FloatField()))
            return Q(**{f"{text}__regex": NUMBER, f"{number}__{operator}": _number(values[0])})
        day = self._alias(Left(F(text), 10))
        lookup = {"is_date_exact": "exact", "is_date_after": "gt", "is_date_before": "lt"}[operator]
        return Q(**{f"{text}__regex": ISO_DATE, f"{day}__{lookup}": _date(values[0])})

    @staticmethod
    def _any(conditions) -> Q:
        result = Q(pk__in=[])
        for condition in conditions:
            result |= condition
        return result


def _owns(distinct_id: str) -> Exists:
    return Exists(
        PersonDistinctId.objects.filter(person_id=OuterRef("pk"), team_id=OuterRef("team_id"), distinct_id=distinct_id)
    )


class PersonFilterSet(django_filters.FilterSet):
    distinct_id = django_filters.CharFilter(method="filter_distinct_id", label="Filter list by distinct id.")
    email = django_filters.CharFilter(method="filter_email", label="Filter persons by email (exact match)")
    search = django_filters.CharFilter(
        method="filter_search",
        label="Search persons, either by email (full text search) or distinct_id (exact match).",
    )
    properties = django_filters.CharFilter(method="filter_properties", label="Filter Persons by person properties.")

    class Meta:
        model = Person
        fields = ["distinct_id", "email", "search", "properties"]

    def filter_distinct_id(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_owns(value))

    def filter_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(properties__email=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.alias(_email=KeyTextTransform("email", "properties")).filter(
            Q(_email__icontains=value) | _owns(value)
        )

    def filter_properties(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return PropertyFilterQuery(queryset).apply(value)
