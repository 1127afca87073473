import pytest
from django.db import connection

from api_keys.selectors import _statement as key_lookup_statement
from users.selectors import _statement as tenancy_statement


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def hot_statements_prepared() -> dict[str, bool]:
    """Whether the key lookup and `@me`'s tenancy statement are prepared (the server numbers the placeholders, so
    compare what comes before the first)."""
    prepared = [statement.strip() for statement in prepared_statements()]
    heads = {
        "key lookup": key_lookup_statement()[0].split("%")[0],
        "tenancy": tenancy_statement()[0].strip().split("%")[0],
    }
    return {name: any(statement.startswith(head) for statement in prepared) for name, head in heads.items()}


def test_the_hot_statements_are_prepared_once_they_repeat_on_a_connection(client, team):
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    if threshold is None:
        pytest.skip("DB_PREPARE_THRESHOLD=none: nothing is prepared")
    for _ in range(threshold - 1):
        assert client.get("/api/users/@me/").status_code == 200
    assert hot_statements_prepared() == {"key lookup": False, "tenancy": False}

    for _ in range(2):
        assert client.get("/api/users/@me/").status_code == 200

    assert hot_statements_prepared() == {"key lookup": True, "tenancy": True}
