import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posthog_api.testing import error
from tests.warehouse.builders import CSV, CSV_COLUMNS, CSV_STORED, columns_body, make_table, table_body
from warehouse import remote, services
from warehouse.models import DataWarehouseTable

JSON_ROWS = b'{"id": 1, "tags": ["a"], "meta": {"k": 1}, "when": "2024-01-02"}\n{"id": 2.5, "extra": null}\n'


def file_url(team) -> str:
    return f"/api/environments/{team.id}/warehouse_tables/file/"


def upload(client, team, content=CSV, filename="orders.csv", **fields):
    data = {"file": SimpleUploadedFile(filename, content), **fields}
    return client.post(file_url(team), data, format="multipart")


# --- file ---


def test_upload_stores_the_file_and_makes_a_table(write_client, team, user, upload_root):
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
    assert (upload_root / f"managed/team_{team.id}/orders.csv").read_bytes() == CSV


def test_upload_of_json_rows(write_client, team, upload_root):
    response = upload(write_client, team, JSON_ROWS, "rows.jsonl", name="rows", format="JSONEachRow")

    assert response.status_code == 201
    assert DataWarehouseTable.objects.get().columns == {
        "id": {"hogql": "FloatDatabaseField", "clickhouse": "Nullable(Float64)", "valid": True},
        "tags": {"hogql": "StringArrayDatabaseField", "clickhouse": "Array(Nullable(String))", "valid": True},
        "meta": {"hogql": "StringJSONDatabaseField", "clickhouse": "Map(String, Nullable(String))", "valid": True},
        "when": {"hogql": "DateDatabaseField", "clickhouse": "Nullable(Date)", "valid": True},
        "extra": {"hogql": "StringDatabaseField", "clickhouse": "Nullable(String)", "valid": True},
    }


def test_upload_reuses_the_live_table_of_that_name(write_client, team, upload_root):
    existing = make_table(team, name="orders", format="Parquet", columns={})

    response = upload(write_client, team, name="orders")

    assert response.status_code == 201
    existing.refresh_from_db()
    assert response.json()["id"] == str(existing.id)
    assert (existing.format, existing.columns) == ("CSVWithNames", CSV_STORED)
    assert DataWarehouseTable.objects.count() == 1


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
def test_upload_refusals_answer_a_message(write_client, team, upload_root, fields, filename, message):
    content = b"a,b\n1\n" if "different amount" in message else CSV

    response = upload(write_client, team, content, filename, **fields)

    assert response.status_code == 400
    assert response.json() == {"message": message}
    assert not DataWarehouseTable.objects.exists()
    assert not upload_root.exists() or not any(upload_root.rglob("*.csv"))


@pytest.mark.parametrize(
    ("content", "file_format"),
    [
        (b'{"a\\u0000b": 1}\n', "JSONEachRow"),
        (b'{"a\\ud800": 1}\n', "JSONEachRow"),
        (b"a\x00b,c\n1,2\n", "CSVWithNames"),
    ],
)
def test_upload_of_column_names_postgresql_cannot_keep(write_client, team, upload_root, content, file_format):
    response = upload(write_client, team, content, "rows.txt", name="rows", format=file_format)

    assert (response.status_code, response.json()) == (400, {"message": "Could not get columns"})
    assert not DataWarehouseTable.objects.exists()


@pytest.mark.parametrize(
    ("name", "upload_url"),
    [("t" * 129, "https://uploads.example.com"), ("t", "https://uploads.example.com/" + "u" * 400)],
    ids=["name over 128 characters", "url_pattern over 500 characters"],
)
def test_upload_too_long_to_store(write_client, team, upload_root, settings, name, upload_url):
    settings.WAREHOUSE_UPLOAD_URL = upload_url

    response = upload(write_client, team, CSV, "f" * 80 + ".csv", name=name)

    assert (response.status_code, response.json()) == (400, {"message": "Failed to upload file"})
    assert not DataWarehouseTable.objects.exists()
    assert not upload_root.exists() or not any(upload_root.rglob("*.csv"))


def test_upload_without_a_file(write_client, team, upload_root):
    response = write_client.post(file_url(team), {"name": "t"}, format="multipart")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_upload_of_a_too_large_file(write_client, team, upload_root, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 10)

    response = upload(write_client, team, name="orders")

    assert response.json() == {"message": "File size exceeds maximum allowed size of 50MB"}


def test_upload_without_storage_configured(write_client, team, settings):
    settings.WAREHOUSE_UPLOAD_ROOT = None

    response = upload(write_client, team, name="orders")

    assert (response.status_code, response.json()) == (
        400,
        {"message": "Object storage must be available to upload files."},
    )
    assert not DataWarehouseTable.objects.exists()


def test_upload_names_are_sanitised_into_the_key(write_client, team, upload_root):
    response = upload(write_client, team, filename="../../etc/my data.csv", name="mine")

    assert response.status_code == 201
    assert response.json()["url_pattern"].endswith(f"/managed/team_{team.id}/my_data.csv")
    assert (upload_root / f"managed/team_{team.id}/my_data.csv").exists()


def test_a_json_body_carries_no_file(write_client, team, upload_root):
    response = write_client.post(file_url(team), {"name": "t"}, format="json")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_a_json_list_body_carries_no_file_either(write_client, team, upload_root):
    response = write_client.post(file_url(team), [1, 2], format="json")

    assert (response.status_code, response.json()) == (400, {"message": "No file provided"})


def test_deleting_an_uploaded_table_removes_its_file(
    write_client, team, upload_root, django_capture_on_commit_callbacks
):
    table_id = upload(write_client, team, name="orders").json()["id"]
    path = upload_root / f"managed/team_{team.id}/orders.csv"

    with django_capture_on_commit_callbacks(execute=True):
        response = write_client.delete(f"/api/environments/{team.id}/warehouse_tables/{table_id}/")

    assert response.status_code == 204
    assert not path.exists()


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


def test_refresh_schema_of_an_uploaded_table_reads_the_kept_file(write_client, team, upload_root):
    table_id = upload(write_client, team, name="orders").json()["id"]
    DataWarehouseTable.objects.filter(pk=table_id).update(columns={})

    response = write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table_id}/refresh_schema/")

    assert response.status_code == 200
    assert DataWarehouseTable.objects.get().columns == CSV_STORED


def test_refresh_schema_failure_is_a_400_and_keeps_the_columns(write_client, team, object_store, bucket):
    table = make_table(team, url_pattern=f"{object_store}/bucket/gone.csv")

    response = write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table.id}/refresh_schema/")

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "The provided file doesn't exist in the bucket"
    )
    table.refresh_from_db()
    assert table.columns == CSV_STORED


def test_refresh_schema_follows_a_glob_to_the_first_matching_object(write_client, team, object_store, bucket):
    bucket.objects["/bucket/logs/2024/b.csv"] = b"late\nx\n"
    bucket.objects["/bucket/logs/2024/a.csv"] = b"early\n1\n"
    bucket.objects["/bucket/logs/2024/a.json"] = b"{}\n"
    table = make_table(team, url_pattern=f"{object_store}/bucket/logs/*/*.csv")

    write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table.id}/refresh_schema/")

    table.refresh_from_db()
    assert list(table.columns) == ["early"]
    assert bucket.requests[0]["query"] == "list-type=2&prefix=logs%2F"


def test_a_listing_too_large_to_be_one_page_is_not_parsed(write_client, team, object_store, bucket, monkeypatch):
    monkeypatch.setattr(remote, "MAX_LIST_BODY", 200)
    for n in range(20):
        bucket.objects[f"/bucket/logs/{n:03d}.csv"] = b"a\n1\n"
    table = make_table(team, url_pattern=f"{object_store}/bucket/logs/*.csv")

    response = write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table.id}/refresh_schema/")

    assert (response.status_code, response.json()["detail"]) == (400, "Could not get columns")


def test_a_glob_without_matches_or_a_denied_listing(write_client, team, object_store, bucket):
    bucket.errors["/locked"] = (403, "AccessDenied")
    empty = make_table(team, name="empty", url_pattern=f"{object_store}/bucket/none/*.csv")
    locked = make_table(team, name="locked", url_pattern=f"{object_store}/locked/*.csv")

    answers = [
        write_client.post(f"/api/environments/{team.id}/warehouse_tables/{table.id}/refresh_schema/").json()["detail"]
        for table in (empty, locked)
    ]

    assert answers == ["The provided file doesn't exist in the bucket", "Access was denied to the provided bucket"]


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
