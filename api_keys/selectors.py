"""The personal API key lookup that authenticates nearly every API request.

It is the ORM's `select_related("user").only(...)` query, written out once from the models' metadata: compiling that
query cost ~0.4 ms of Python per request, more than the rest of a small response. Rows become model instances through
the same converters and `Model.from_db` the ORM uses, so every User field (present or added later) loads as usual.
"""

from functools import cache
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connections, router

from api_keys.models import PersonalAPIKey

# What permissions, the request log and `touch_last_used_at` read from a key (see APIKeyCredential).
PERSONAL_API_KEY_FIELDS = frozenset(
    {"id", "user_id", "mask_value", "scopes", "scoped_teams", "scoped_organizations", "last_used_at"}
)


class _Lookup(NamedTuple):
    sql: str
    user_names: list[str]
    key_names: list[str]
    converters: list[tuple[int, list, object]]


@cache
def _lookup(alias: str) -> _Lookup:
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    user_meta, key_meta = user_model._meta, PersonalAPIKey._meta
    user_fields = list(user_meta.concrete_fields)
    # `Model.from_db` takes a subset of fields in the model's field order.
    key_fields = [field for field in key_meta.concrete_fields if field.attname in PERSONAL_API_KEY_FIELDS]
    columns = [f"u.{quote(field.column)}" for field in user_fields] + [f"k.{quote(f.column)}" for f in key_fields]
    user_id, secure_value = (quote(key_meta.get_field(name).column) for name in ("user", "secure_value"))
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(key_meta.db_table)} k"
        f" JOIN {quote(user_meta.db_table)} u ON u.{quote(user_meta.pk.column)} = k.{user_id}"
        f" WHERE k.{secure_value} = %s AND u.{quote(user_meta.get_field('is_active').column)} LIMIT 1"
    )
    converters = []
    for index, field in enumerate([*user_fields, *key_fields]):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, functions, column))
    return _Lookup(sql, [f.attname for f in user_fields], [f.attname for f in key_fields], converters)


def personal_api_key_with_user(secure_value: str) -> PersonalAPIKey | None:
    """The key with this (unique) hashed value and its user joined, if that user is active; one query, no ORDER BY.
    Key fields other than PERSONAL_API_KEY_FIELDS are deferred."""
    alias = router.db_for_read(PersonalAPIKey)
    connection = connections[alias]
    lookup = _lookup(alias)
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [secure_value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, functions, column in lookup.converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    user_count = len(lookup.user_names)
    user = get_user_model().from_db(alias, lookup.user_names, values[:user_count])
    key = PersonalAPIKey.from_db(alias, lookup.key_names, values[user_count:])
    key.user = user
    return key
