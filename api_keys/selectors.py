"""The personal API key lookup that authenticates nearly every API request.

It is the ORM's `select_related("user").only(...)` query written out once (posthog_api/rows.py): compiling that query
cost ~0.4 ms of Python per request, more than the rest of a small response.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from api_keys.models import PersonalAPIKey
from posthog_api.rows import Columns, column, table

# What permissions, the request log and `touch_last_used_at` read from a key (see APIKeyCredential).
PERSONAL_API_KEY_FIELDS = (
    "id",
    "user_id",
    "mask_value",
    "scopes",
    "scoped_teams",
    "scoped_organizations",
    "last_used_at",
)


@cache
def _statement() -> tuple[str, Columns, Columns]:
    user_model = get_user_model()
    users, keys = Columns(user_model), Columns(PersonalAPIKey, PERSONAL_API_KEY_FIELDS)
    sql = (
        f"SELECT {users.select('u')}, {keys.select('k')} FROM {table(PersonalAPIKey)} k"
        f" JOIN {table(user_model)} u ON u.{column(user_model, 'id')} = k.{column(PersonalAPIKey, 'user')}"
        f" WHERE k.{column(PersonalAPIKey, 'secure_value')} = %s AND u.{column(user_model, 'is_active')} LIMIT 1"
    )
    return sql, users, keys


def personal_api_key_with_user(secure_value: str) -> PersonalAPIKey | None:
    """The key with this (unique) hashed value and its user joined, if that user is active; one query, no ORDER BY.
    Key fields other than PERSONAL_API_KEY_FIELDS are deferred."""
    sql, users, keys = _statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [secure_value])
        row = cursor.fetchone()
    if row is None:
        return None
    key = keys.load(row[len(users) :])
    key.user = users.load(row[: len(users)])
    return key
