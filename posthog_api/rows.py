"""Hand-written SELECTs for the hottest read paths, with rows loaded into model instances as the ORM loads them.

Compiling an ORM query costs a few hundred microseconds of Python, more than a small response's other work (the key
lookup on every request, `@me`'s tenancy). Statements here are written once from model metadata; their rows go
through the fields' converters (`from_db_value`, e.g. JSONField) and `Model.from_db`, like the ORM's own rows, so
fields added to a model later load without changes here. One database ("default"), as everywhere in the project.
"""

from functools import cached_property

from django.db import connections


class Columns:
    """Some or all concrete columns of a model, for a SELECT list and back to an instance."""

    def __init__(self, model, names=None):
        self.model = model
        wanted = None if names is None else set(names)
        # `Model.from_db` takes a subset of fields in the model's field order; the others stay deferred.
        self.fields = [f for f in model._meta.concrete_fields if wanted is None or f.attname in wanted]
        self.names = [field.attname for field in self.fields]
        if wanted is not None and set(self.names) != wanted:
            raise ValueError(f"{model.__name__} has no columns {sorted(wanted - set(self.names))}")

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, alias: str) -> str:
        """`alias."column", ...` in field order."""
        return ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)

    @cached_property
    def _converters(self) -> list[tuple[int, list, object]]:
        """Per column that has any: the backend's and the field's converters (as `SQLCompiler.get_converters`)."""
        connection = connections["default"]
        converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        return converters

    def load(self, values):
        """An instance from this SELECT list's values, converted as the ORM converts them."""
        connection = connections["default"]
        values = list(values)
        for index, functions, column in self._converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        return self.model.from_db("default", self.names, values)

    def load_json(self, values):
        """An instance from these columns' values as PostgreSQL's `json_build_array` renders them (a json_agg of
        rows): numbers, strings, booleans and JSON documents parse back, `to_python` restores the rest (UUIDs)."""
        values = [
            value if value is None else field.to_python(value) for field, value in zip(self.fields, values, strict=True)
        ]
        return self.model.from_db("default", self.names, values)


def quote(name: str) -> str:
    return connections["default"].ops.quote_name(name)


def table(model) -> str:
    return quote(model._meta.db_table)


def column(model, name: str) -> str:
    return quote(model._meta.get_field(name).column)
