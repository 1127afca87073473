import pytest
from rest_framework.exceptions import ValidationError

from tests.warehouse.builders import make_table
from warehouse import services
from warehouse.models import DataWarehouseCredential, DataWarehouseTable


def test_create_rechecks_the_name_under_the_teams_lock(team, user):
    # A name taken after the serializer checked it (a concurrent create) is still refused, and nothing is written.
    make_table(team, name="orders")

    with pytest.raises(ValidationError) as raised:
        services.table_create(
            team=team,
            created_by=user,
            name="orders",
            format="Delta",
            url_pattern="https://bucket.s3.amazonaws.com/orders/",
            credential={"access_key": "k", "access_secret": "s"},
        )

    assert raised.value.detail == {"name": ["A table with this name already exists."]}
    assert DataWarehouseTable.objects.count() == 1 and DataWarehouseCredential.objects.count() == 1


def test_update_rechecks_a_new_name(team, user):
    make_table(team, name="first")
    table = make_table(team, name="second")

    with pytest.raises(ValidationError):
        services.table_update(table=table, user=user, name="first")

    table.refresh_from_db()
    assert table.name == "second"


def test_update_leaves_columns_written_since_the_table_was_read(team, user):
    table = make_table(team, name="orders")
    refreshed = {"id": {"hogql": "StringDatabaseField", "clickhouse": "Nullable(String)", "valid": True}}
    DataWarehouseTable.objects.filter(pk=table.pk).update(columns=refreshed)  # a concurrent refresh_schema

    services.table_update(table=table, user=user, name="renamed", credential={"access_key": "k2"})

    stored = DataWarehouseTable.objects.get(pk=table.pk)
    assert (stored.name, stored.columns, stored.credential.access_key) == ("renamed", refreshed, "k2")
