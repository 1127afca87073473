import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from posthog_api.testing import error, key_client, make_key
from tests.warehouse.builders import CSV, CSV_COLUMNS, CSV_STORED, columns_body, make_table, table_body
from tests.warehouse.parquet_files import encode_struct, leaf
from warehouse import services, sources
from warehouse.models import DataWarehouseTable, UploadedFile

JSON_ROWS = b'{"id": 1, "tags": ["a"], "meta": {"k": 1}, "when": "2024-01-02"}\n{"id": 2.5, "extra": null}\n'


def file_url(team) -> str:
    return f"/api/environments/{team.id}/warehouse_tables/file/"


def upload(client, team, content=CSV, filename="orders.csv", **fields):
    data = {"file": SimpleUploadedFile(filename, content), **fields}
    return client.post(file_url(team), data, format="multipart")


def stored(team) -> dict[str, bytes]:
    """The team's stored uploads: {filename: content}."""
    return {row.filename: bytes(row.content) for row in UploadedFile.objects.filter(team=team)}


# --- file ---


def test_upload_stores_the_file_and_makes_a_table(write_client, team, user, upload_url):
    response = upload(write_client, team, name="orders")

    assert response.status_code == 201
    table = DataWarehouseTable.objects.get()
    url = f"https://uploads.example.com/bucket/managed/team_{team.id}/orders.csv"
    assert (table.name, table.format, table.url_pattern, table.credential, table.created_by) == (
        "orders",
        "CSVWithNames",
        url,
        None,
        user,
    )
    assert table.columns == CSV_STORED
    assert response.json() == table_body(table)
    assert stored(team) == {"orders.csv": CSV}
    assert UploadedFile.objects.get().size == len(CSV)


def test_upload_of_json_rows(write_client, team, upload_url):
    response = upload(write_client, team, JSON_ROWS, "rows.jsonl", name="rows", format="JSONEachRow")

    assert response.status_code == 201
    assert DataWarehouseTable.objects.get().columns == {
        "id": {"hogql": "FloatDatabaseField", "clickhouse": "Nullable(Float64)", "valid": True},
        "tags": {"hogql": "StringArrayDatabaseField", "clickhouse": "Array(Nullable(String))", "valid": True},
        "meta": {"hogql": "StringJSONDatabaseField", "clickhouse": "Map(String, Nullable(String))", "valid": True},
        "when": {"hogql": "DateDatabaseField", "clickhouse": "Nullable(Date)", "valid": True},
        "extra": {"hogql": "StringDatabaseField", "clickhouse": "Nullable(String)", "valid": True},
    }


def test_upload_reuses_the_live_table_of_that_name(write_client, team, upload_url):
    existing = make_table(team, name="orders", format="Parquet", columns={})

    response = upload(write_client, team, name="orders")

    assert response.status_code == 201
    existing.refresh_from_db()
    assert response.json()["id"] == str(existing.id)
    assert (existing.format, existing.columns) == ("CSVWithNames", CSV_STORED)
    assert DataWarehouseTable.objects.count() == 1


def test_uploading_a_file_name_again_replaces_the_stored_bytes(write_client, team, upload_url):
    upload(write_client, team, name="orders")
    first = UploadedFile.objects.get()

    response = upload(write_client, team, b"id\n7\n", name="orders")

    assert response.status_code == 201
    again = UploadedFile.objects.get()
    assert (again.pk, bytes(again.content), again.size) == (first.pk, b"id\n7\n", 5)
    assert again.updated_at > first.updated_at


@pytest.mark.parametrize(
    ("fields", "filename", "message"),
    [
        (
            {"name": "1st"},
            "a.csv",
            "Table names must start with a letter or underscore and contain only alphanumeric "
            "characters or underscores.",
        ),
        (
            {},
            "orders.csv",
            "Table names must start with a letter or underscore and contain only alphanumeric "
            "characters or underscores.",
        ),
        (
            {"name": "t", "format": "Excel"},
            "a.csv",
            "Invalid format. Must be one of: CSV, CSVWithNames, Delta, DeltaS3Wrapper, JSONEachRow, Parquet",
        ),
        ({"name": "t"}, ".hidden", "Invalid filename"),
        ({"name": "t"}, "a.csv", "The provided file has rows with different amount of values"),
    ],
)
def test_upload_refusals_answer_a_message(write_client, team, upload_url, fields, filename, message):
    content = b"a,b\n1\n" if "different amount" in message else CSV

    response = upload(write_client, team, content, filename, **fields)

    assert response.status_code == 400
    assert response.json() == {"message": message}
    assert not DataWarehouseTable.objects.exists()
    assert not UploadedFile.objects.exists()


@pytest.mark.parametrize(
    ("content", "file_format"),
    [
        (b'{"a\\u0000b": 1}\n', "JSONEachRow"),
        (b'{"a\\ud800": 1}\n', "JSONEachRow"),
        (b"a\x00b,c\n1,2\n", "CSVWithNames"),
    ],
)
def test_upload_of_column_names_postgresql_cannot_keep(write_client, team, upload_url, content, file_format):
    response = upload(write_client, team, content, "rows.txt", name="rows", format=file_format)

    assert (response.status_code, response.json()) == (400, {"message": "Could not get columns"})
    assert not DataWarehouseTable.objects.exists()
    assert not UploadedFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "base_url"),
    [("t" * 129, "https://uploads.example.com"), ("t", "https://uploads.example.com/" + "u" * 400)],
    ids=["name over 128 characters", "url_pattern over 500 characters"],
)
def test_upload_too_long_to_store(write_client, team, upload_url, settings, name, base_url):
    settings.WAREHOUSE_UPLOAD_URL = base_url

    response = upload(write_client, team, CSV, "f" * 80 + ".csv", name=name)

    assert (response.status_code, response.json()) == (400, {"message": "Failed to upload file"})
    assert not DataWarehouseTable.objects.exists()
    assert not UploadedFile.objects.exists()


def test_upload_without_a_file(write_client, team, upload_url):
    response = write_client.post(file_url(team), {"name": "t"}, format="multipart")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_upload_of_a_too_large_file(write_client, team, upload_url, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 10)

    response = upload(write_client, team, name="orders")

    assert (response.status_code, response.json()) == (
        400,
        {"message": "File size exceeds maximum allowed size of 50MB"},
    )
    assert not UploadedFile.objects.exists()


def test_upload_needs_no_configuration(write_client, team, settings):
    response = upload(write_client, team, name="orders")

    assert response.status_code == 201
    assert response.json()["url_pattern"] == f"{settings.WAREHOUSE_UPLOAD_URL}/managed/team_{team.id}/orders.csv"
    assert stored(team) == {"orders.csv": CSV}


def test_a_file_the_database_refuses_leaves_no_table_either(write_client, team, upload_url):
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE warehouse_uploadedfile ADD CONSTRAINT refuse_all CHECK (size < 10)")

    response = upload(write_client, team, name="orders")

    assert (response.status_code, response.json()) == (400, {"message": "Failed to upload file"})
    assert not DataWarehouseTable.objects.exists()
    assert not UploadedFile.objects.exists()


def test_upload_names_are_sanitised_into_the_key(write_client, team, upload_url):
    response = upload(write_client, team, filename="../../etc/my data.csv", name="mine")

    assert response.status_code == 201
    assert response.json()["url_pattern"].endswith(f"/managed/team_{team.id}/my_data.csv")
    assert list(stored(team)) == ["my_data.csv"]


def test_a_json_body_carries_no_file(write_client, team, upload_url):
    response = write_client.post(file_url(team), {"name": "t"}, format="json")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_a_json_list_body_carries_no_file_either(write_client, team, upload_url):
    response = write_client.post(file_url(team), [1, 2], format="json")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_deleting_an_uploaded_table_removes_its_file(write_client, team, upload_url):
    table_id = upload(write_client, team, name="orders").json()["id"]

    response = write_client.delete(f"/api/environments/{team.id}/warehouse_tables/{table_id}/")

    assert response.status_code == 204
    assert not UploadedFile.objects.exists()


def test_a_file_another_live_table_reads_is_kept_until_its_last_table_goes(write_client, team, upload_url):
    first = upload(write_client, team, name="orders").json()["id"]
    second = upload(write_client, team, name="orders_copy").json()["id"]

    write_client.delete(f"/api/environments/{team.id}/warehouse_tables/{first}/")

    assert stored(team) == {"orders.csv": CSV}
    write_client.delete(f"/api/environments/{team.id}/warehouse_tables/{second}/")
    assert stored(team) == {}


def test_deleting_a_remote_table_keeps_the_teams_uploads(write_client, team, upload_url):
    upload(write_client, team, name="orders")
    table = make_table(team, name="remote", url_pattern="https://bucket.s3.amazonaws.com/orders.csv")

    write_client.delete(f"/api/environments/{team.id}/warehouse_tables/{table.id}/")

    assert stored(team) == {"orders.csv": CSV}


# --- refresh_schema ---


def test_refresh_schema_replaces_the_columns_from_the_file(write_client, team, object_store, bucket):
    bucket.objects["/bucket/orders.csv"] = b"id,total\n1,2.5\n"
    table = make_table(team, url_pattern=f"{object_store}/bucket/orders.csv")

    response = write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table.id}/refresh_schema/")

    assert (response.status_code, response.content) == (200, b"")
    table.refresh_from_db()
    assert table.columns == {
        "id": {"hogql": "IntegerDatabaseField", "clickhouse": "Nullable(Int64)", "valid": True},
        "total": {"hogql": "FloatDatabaseField", "clickhouse": "Nullable(Float64)", "valid": True},
    }
    assert bucket.requests[0]["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIA-test/")


def refresh(client, team, table_id):
    return client.post(f"/api/environments/{team.id}/warehouse_tables/{table_id}/refresh_schema/")


def test_refresh_schema_of_an_uploaded_table_reads_the_stored_file(write_client, team, upload_url):
    table_id = upload(write_client, team, name="orders").json()["id"]
    DataWarehouseTable.objects.filter(pk=table_id).update(columns={})

    response = refresh(write_client, team, table_id)

    assert response.status_code == 200
    assert DataWarehouseTable.objects.get().columns == CSV_STORED


def test_refresh_schema_reads_only_the_head_of_a_stored_file(write_client, team, upload_url, monkeypatch):
    monkeypatch.setattr(sources, "HEAD_BYTES", 64)  # the ragged last row lies beyond the head that is read
    content = b"first,second\n" + b"1,2\n" * 50 + b"ragged\n"
    table_id = upload(write_client, team, content, "orders.csv", name="orders").json()["id"]
    DataWarehouseTable.objects.filter(pk=table_id).update(columns={})

    response = refresh(write_client, team, table_id)

    assert response.status_code == 200
    assert list(DataWarehouseTable.objects.get().columns) == ["first", "second"]
    assert stored(team) == {"orders.csv": content}


def parquet_file(body_size: int) -> bytes:
    footer = encode_struct({1: 1, 2: [{4: "schema", 5: 1}, leaf("amount", 2)], 3: 0, 4: []})
    return b"PAR1" + b"\x00" * body_size + footer + len(footer).to_bytes(4, "little") + b"PAR1"


@pytest.mark.parametrize("tail_bytes", [64 * 1024, 16], ids=["footer in the first tail", "footer read again"])
def test_refresh_schema_reads_the_parquet_tail_of_a_stored_file(
    write_client, team, upload_url, monkeypatch, tail_bytes
):
    content = parquet_file(100_000)
    table_id = upload(write_client, team, content, "events.parquet", name="events", format="Parquet").json()["id"]
    DataWarehouseTable.objects.filter(pk=table_id).update(columns={})
    monkeypatch.setattr(sources, "TAIL_BYTES", tail_bytes)

    response = refresh(write_client, team, table_id)

    assert response.status_code == 200
    assert DataWarehouseTable.objects.get().columns == {
        "amount": {"hogql": "IntegerDatabaseField", "clickhouse": "Nullable(Int64)", "valid": True}
    }
    assert stored(team) == {"events.parquet": content}


def test_refresh_schema_of_an_upload_no_longer_stored(write_client, team, upload_url):
    table_id = upload(write_client, team, name="orders").json()["id"]
    UploadedFile.objects.all().delete()

    response = refresh(write_client, team, table_id)

    assert response.json() == error(
        "validation_error", "invalid_input", "The provided file doesn't exist in the bucket"
    )
    assert DataWarehouseTable.objects.get().columns == CSV_STORED


def test_another_teams_upload_url_never_reads_this_teams_file(
    write_client, team, other_user, other_organization, upload_url
):
    other_team = other_organization.teams.get()
    other_client = key_client(make_key(other_user, ["warehouse_table:write"]))
    upload(write_client, team, b"mine\n1\n", name="orders")
    theirs_id = upload(other_client, other_team, b"theirs\n1\n", name="orders").json()["id"]
    DataWarehouseTable.objects.filter(pk=theirs_id).update(
        url_pattern=f"{upload_url}/managed/team_{team.id}/orders.csv"
    )

    response = refresh(other_client, other_team, theirs_id)

    assert response.json() == error(
        "validation_error", "invalid_input", "The provided file doesn't exist in the bucket"
    )
    assert list(DataWarehouseTable.objects.get(pk=theirs_id).columns) == ["theirs"]
    assert (stored(team), stored(other_team)) == ({"orders.csv": b"mine\n1\n"}, {"orders.csv": b"theirs\n1\n"})


# --- update_schema ---


def update_schema(client, team, table, updates):
    return client.post(
        f"/api/environments/{team.id}/warehouse_tables/{table.id}/update_schema/",
        json.dumps({"updates": updates}),
        content_type="application/json",
    )


def test_update_schema_retypes_columns(write_client, team):
    table = make_table(team, columns={**CSV_STORED, "legacy": "String"})

    response = update_schema(write_client, team, table, {"id": "string", "legacy": "datetime"})

    assert (response.status_code, response.content) == (200, b"")
    table.refresh_from_db()
    assert table.columns["id"] == {"hogql": "StringDatabaseField", "clickhouse": "Nullable(String)", "valid": True}
    assert table.columns["legacy"] == {
        "hogql": "DateTimeDatabaseField",
        "clickhouse": "Nullable(DateTime64)",
        "valid": True,
    }
    served = write_client.get(f"/api/environments/{team.id}/warehouse_tables/{table.id}/").json()["columns"]
    expected = [*({**c, "type": "string"} if c["key"] == "id" else c for c in CSV_COLUMNS)]
    assert served == columns_body([*expected, {"key": "legacy", "type": "datetime"}])


@pytest.mark.parametrize("updates", [None, {}])
def test_update_schema_without_updates_changes_nothing(write_client, team, updates):
    table = make_table(team)

    response = update_schema(write_client, team, table, updates)

    assert response.status_code == 200
    table.refresh_from_db()
    assert table.columns == CSV_STORED


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ({"id": "string", "nope": "string"}, "Column nope does not exist on table"),
        ({"id": "string", "name": "text"}, "Can not parse type text for column name - type does not exist"),
        ({"id": "STRING"}, "Can not parse type STRING for column id - type does not exist"),
        ({"id": "lazy_table"}, "Can not parse type lazy_table for column id - type does not exist"),
        ({"id": 5}, "Can not parse type 5 for column id - type does not exist"),
    ],
)
def test_update_schema_refusals_change_nothing(write_client, team, updates, message):
    table = make_table(team)

    response = update_schema(write_client, team, table, updates)

    assert (response.status_code, response.json()) == (400, {"message": message})
    table.refresh_from_db()
    assert table.columns == CSV_STORED


def test_update_schema_of_a_deleted_table_is_404(write_client, team):
    table = make_table(team, deleted=True)

    assert update_schema(write_client, team, table, {"id": "string"}).status_code == 404
