import pytest
from django.db import connection

from posthog_api.testing import error, key_client, make_key, not_found, permission_denied
from tests.warehouse.builders import CSV, CSV_STORED, make_table, table_body
from warehouse import crypto
from warehouse.models import DataWarehouseCredential, DataWarehouseTable

ROOTS = ("environments", "projects")


def tables_url(team, root="environments") -> str:
    return f"/api/{root}/{team.id}/warehouse_tables/"


def body(url_pattern: str, **fields) -> dict:
    return {
        "name": "orders",
        "format": "CSVWithNames",
        "url_pattern": url_pattern,
        "credential": {"access_key": "AKIAEXAMPLE", "access_secret": "s3cr3t"},
        **fields,
    }


# --- List and retrieve ---


@pytest.mark.parametrize("root", ROOTS)
def test_list_returns_live_tables_newest_first(client, team, user, root):
    older = make_table(team, user, name="older")
    newer = make_table(team, user, name="newer")
    make_table(team, user, name="gone", deleted=True)

    response = client.get(tables_url(team, root))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [table_body(newer), table_body(older)],
    }


def test_list_searches_names_by_every_term(client, team):
    make_table(team, name="stripe_charges")
    make_table(team, name="stripe_customers")
    make_table(team, name="hubspot_contacts")

    names = lambda query: [t["name"] for t in client.get(tables_url(team), {"search": query}).json()["results"]]  # noqa: E731

    assert names("STRIPE") == ["stripe_customers", "stripe_charges"]
    assert names("stripe, charges") == ["stripe_charges"]
    assert names("stripe contacts") == []


def test_list_can_leave_columns_out(client, team):
    make_table(team)

    response = client.get(tables_url(team), {"include_columns": "false"})

    assert response.json()["results"][0]["columns"] == []


def test_list_pages_with_limit_and_offset(client, team):
    for index in range(3):
        make_table(team, name=f"t{index}")

    response = client.get(tables_url(team), {"limit": 1, "offset": 1})

    assert response.json()["count"] == 3
    assert [t["name"] for t in response.json()["results"]] == ["t1"]


def test_list_costs_a_fixed_number_of_queries(client, team, user, django_assert_max_num_queries):
    for index in range(5):
        make_table(team, user, name=f"t{index}")
    client.get(tables_url(team))  # warm the key's caches

    with django_assert_max_num_queries(8):
        response = client.get(tables_url(team))
    assert response.json()["count"] == 5


def test_retrieve_serializes_columns_and_never_the_keys(read_client, team, user):
    table = make_table(team, user)

    response = read_client.get(f"{tables_url(team)}{table.id}/")

    assert response.status_code == 200
    assert response.json() == table_body(table)
    assert "AKIA-test" not in response.content.decode() and "secret-test" not in response.content.decode()


def test_legacy_and_hidden_columns_are_served_from_the_stored_dict(client, team):
    table = make_table(
        team,
        columns={
            "amount": "Nullable(Decimal(10, 2))",
            "tags": "Array(Nullable(String))",
            "_dlt_id": "String",
            "at": {"clickhouse": "DateTime64(6, 'UTC')", "hogql": "DateTimeDatabaseField", "valid": False},
            "odd": "AggregateFunction(sum, Int64)",
        },
    )

    columns = client.get(f"{tables_url(team)}{table.id}/").json()["columns"]

    assert {c["key"]: (c["type"], c["schema_valid"]) for c in columns} == {
        "amount": ("decimal", True),
        "tags": ("array", True),
        "at": ("datetime", False),
        "odd": ("unknown", True),
    }


@pytest.mark.parametrize("lookup", ["deleted", "not-a-uuid", "00000000-0000-0000-0000-000000000001"])
def test_retrieve_of_a_missing_or_deleted_table_is_404(client, team, lookup):
    deleted = make_table(team, deleted=True)
    table_id = deleted.id if lookup == "deleted" else lookup

    response = client.get(f"{tables_url(team)}{table_id}/")

    assert response.status_code == 404
    assert response.json() == not_found()


# --- Create ---


@pytest.mark.parametrize("root", ROOTS)
def test_create_reads_the_columns_from_the_file(write_client, team, user, object_store, bucket, root):
    bucket.objects["/bucket/data/orders.csv"] = CSV

    response = write_client.post(tables_url(team, root), body(f"{object_store}/bucket/data/orders.csv"))

    assert response.status_code == 201, response.json()
    table = DataWarehouseTable.objects.get()
    assert response.json() == table_body(table)
    assert table.team == team and table.created_by == user
    assert table.columns == CSV_STORED
    assert (table.credential.access_key, table.credential.access_secret) == ("AKIAEXAMPLE", "s3cr3t")
    assert table.credential.team == team


def test_create_ignores_a_foreign_team_in_the_body(write_client, team, other_organization, object_store, bucket):
    bucket.objects["/bucket/orders.csv"] = CSV

    response = write_client.post(
        tables_url(team), body(f"{object_store}/bucket/orders.csv", team=other_organization.teams.get().id)
    )

    assert response.status_code == 201
    assert DataWarehouseTable.objects.get().team == team


def test_credentials_are_stored_encrypted(write_client, team, object_store, bucket):
    bucket.objects["/bucket/orders.csv"] = CSV
    write_client.post(tables_url(team), body(f"{object_store}/bucket/orders.csv"))

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_key, access_secret FROM {DataWarehouseCredential._meta.db_table}")
        [(raw_key, raw_secret)] = cursor.fetchall()
    assert "AKIAEXAMPLE" not in raw_key and "s3cr3t" not in raw_secret
    assert (crypto.decrypt(raw_key), crypto.decrypt(raw_secret)) == ("AKIAEXAMPLE", "s3cr3t")


def test_requests_are_signed_with_the_tables_keys(write_client, team, object_store, bucket):
    bucket.objects["/bucket/orders.csv"] = CSV

    write_client.post(tables_url(team), body(f"{object_store}/bucket/orders.csv"))

    authorization = bucket.requests[0]["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/")
    assert "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" in (
        authorization
    )


@pytest.mark.parametrize(
    ("change", "attr", "code", "detail"),
    [
        ({"name": None}, "name", "null", "This field may not be null."),
        ({"format": "XYZ"}, "format", "invalid_choice", '"XYZ" is not a valid choice.'),
        ({"name": "x" * 129}, "name", "max_length", "Ensure this field has no more than 128 characters."),
        ({"credential": {"access_key": "k"}}, "credential__access_secret", "required", "This field is required."),
        ({"credential": {"access_key": "", "access_secret": "s"}}, "credential__access_key", "blank", None),
        ({"name": "events"}, "name", "invalid_input", "A table with this name already exists."),
        ({"url_pattern": "ftp://bucket/x.csv"}, "url_pattern", "invalid_input", "URL pattern must use https."),
        (
            {"url_pattern": "https:///x.csv"},
            "url_pattern",
            "invalid_input",
            "URL pattern must include a valid hostname.",
        ),
        (
            {"url_pattern": "https://[::1/b/x.csv"},
            "url_pattern",
            "invalid_input",
            "URL pattern must include a valid hostname.",
        ),
        (
            {"url_pattern": "https://localhost/b/x.csv"},
            "url_pattern",
            "invalid_input",
            "URL pattern hostname is not allowed.",
        ),
        (
            {"url_pattern": "https://LOCALHOST./b/x.csv"},
            "url_pattern",
            "invalid_input",
            "URL pattern hostname is not allowed.",
        ),
        (
            {"url_pattern": "https://10.1.2.3/b/x.csv"},
            "url_pattern",
            "invalid_input",
            "URL pattern hostname must not resolve to internal IP ranges.",
        ),
        ({"url_pattern": "https://169.254.169.254/latest/meta-data"}, "url_pattern", "invalid_input", None),
    ],
)
def test_create_validates_fields(write_client, team, change, attr, code, detail):
    response = write_client.post(tables_url(team), {**body("https://bucket.s3.amazonaws.com/x.csv"), **change})

    assert response.status_code == 400
    assert response.json()["attr"] == attr and response.json()["code"] == code
    if detail:
        assert response.json() == error("validation_error", code, detail, attr)
    assert not DataWarehouseTable.objects.exists() and not DataWarehouseCredential.objects.exists()


@pytest.mark.parametrize("missing", ["name", "format", "url_pattern", "credential"])
def test_create_requires_each_field(write_client, team, missing):
    data = body("https://bucket.s3.amazonaws.com/x.csv")
    del data[missing]

    response = write_client.post(tables_url(team), data)

    assert response.json() == error("validation_error", "required", "This field is required.", missing)


def test_create_refuses_the_name_of_a_live_table_but_not_of_a_deleted_one(write_client, team, object_store, bucket):
    make_table(team, name="taken")
    make_table(team, name="was_taken", deleted=True)
    bucket.objects["/bucket/orders.csv"] = CSV
    url = f"{object_store}/bucket/orders.csv"

    refused = write_client.post(tables_url(team), body(url, name="taken"))
    accepted = write_client.post(tables_url(team), body(url, name="was_taken"))

    assert refused.json() == error(
        "validation_error", "invalid_input", "A table with this name already exists.", "name"
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "https://uploads.example.com/bucket/managed/team_1/a.csv",
        "https://UPLOADS.example.com/bucket/managed/team_1/a.csv",
        "https://someone@uploads.example.com:443/bucket/managed/team_1/a.csv",
    ],
)
def test_create_refuses_the_upload_bucket(write_client, team, upload_url, url):
    response = write_client.post(tables_url(team), body(url))

    assert response.json() == error("validation_error", "invalid_input", "Cant use this bucket", "url_pattern")


def test_another_port_on_the_upload_host_is_another_store(
    write_client, team, upload_url, object_store, bucket, settings
):
    settings.WAREHOUSE_UPLOAD_URL = "http://127.0.0.1:1/uploads"
    bucket.objects["/bucket/a.csv"] = b"a\n1\n"

    response = write_client.post(tables_url(team), body(f"{object_store}/bucket/a.csv"))

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "served", "message"),
    [
        ("/bucket/missing.csv", None, "The provided file doesn't exist in the bucket"),
        ("/bucket/empty.csv", b"", "The provided file contains no data"),
        ("/bucket/header.csv", b"a,b\n", "The provided file contains no data"),
        ("/bucket/ragged.csv", b"a,b\n1,2\n3\n", "The provided file has rows with different amount of values"),
        ("/denied/x.csv", ("AccessDenied", 403), "Access was denied when reading the provided file"),
        ("/nobucket/x.csv", ("NoSuchBucket", 404), "The provided bucket doesn't exist"),
        ("/badkey/x.csv", ("InvalidAccessKeyId", 403), "The Access Key you provided does not exist"),
        ("/broken/x.csv", ("InternalError", 500), "Could not get columns"),
        ("/bucket", None, "The provided file or bucket doesn't exist"),
    ],
)
def test_create_answers_a_friendly_400_when_the_file_cannot_be_read(
    write_client, team, object_store, bucket, path, served, message
):
    if isinstance(served, bytes):
        bucket.objects[path] = served
    elif isinstance(served, tuple):
        bucket.errors[path] = (served[1], served[0])

    response = write_client.post(tables_url(team), body(f"{object_store}{path}"))

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", message)
    assert not DataWarehouseTable.objects.exists() and not DataWarehouseCredential.objects.exists()


def test_an_unreachable_store_is_a_clean_400(write_client, team, settings):
    settings.WAREHOUSE_ALLOW_PRIVATE_URLS = True

    response = write_client.post(tables_url(team), body("http://127.0.0.1:9/bucket/orders.csv"))

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Could not get columns")


def test_a_host_that_does_not_resolve_is_a_clean_400(write_client, team):
    response = write_client.post(tables_url(team), body("https://store.example.invalid/bucket/orders.csv"))

    assert response.status_code == 400
    assert response.json() == error("validation_error", "invalid_input", "Could not get columns")


@pytest.mark.parametrize("file_format", ["CSV", "Delta", "DeltaS3Wrapper"])
def test_formats_without_readable_columns_are_stored_without_reading(write_client, team, file_format):
    response = write_client.post(
        tables_url(team), body("https://bucket.s3.amazonaws.invalid/table/", format=file_format)
    )

    assert response.status_code == 201
    assert response.json()["columns"] == []
    assert DataWarehouseTable.objects.get().columns == {}


# --- Update ---


def test_patch_changes_fields_without_reading_the_file_again(write_client, team, user):
    table = make_table(team, user)

    response = write_client.patch(f"{tables_url(team)}{table.id}/", {"name": "renamed", "format": "Parquet"})

    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.name, table.format, table.columns) == ("renamed", "Parquet", CSV_STORED)
    assert response.json() == table_body(table)


def test_patch_updates_the_credential_in_place(write_client, team):
    table = make_table(team)
    credential_id = table.credential_id

    response = write_client.patch(f"{tables_url(team)}{table.id}/", {"credential": {"access_secret": "rotated"}})

    assert response.status_code == 200
    credential = DataWarehouseCredential.objects.get()
    assert (credential.id, credential.access_key, credential.access_secret) == (credential_id, "AKIA-test", "rotated")


def test_patch_gives_a_table_without_credential_its_first(write_client, team, user):
    table = make_table(team)
    table.credential = None
    table.save()

    response = write_client.patch(
        f"{tables_url(team)}{table.id}/", {"credential": {"access_key": "k", "access_secret": "s"}}
    )

    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.credential.access_key, table.credential.access_secret) == ("k", "s")
    assert table.credential.created_by == user


def test_put_needs_every_field(write_client, team):
    table = make_table(team)

    response = write_client.put(f"{tables_url(team)}{table.id}/", {"name": "x"})

    assert response.status_code == 400
    assert response.json()["code"] == "required"


def test_put_replaces_the_writable_fields(write_client, team):
    table = make_table(team)
    data = body("https://other.s3.amazonaws.com/new.csv", name="orders", format="JSONEachRow")

    response = write_client.put(f"{tables_url(team)}{table.id}/", data)

    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.url_pattern, table.format, table.credential.access_key) == (
        "https://other.s3.amazonaws.com/new.csv",
        "JSONEachRow",
        "AKIAEXAMPLE",
    )


def test_patch_refuses_a_name_another_table_has(write_client, team):
    make_table(team, name="first")
    table = make_table(team, name="second")

    response = write_client.patch(f"{tables_url(team)}{table.id}/", {"name": "first"})

    assert response.json() == error(
        "validation_error", "invalid_input", "A table with this name already exists.", "name"
    )


def test_patch_checks_a_changed_url_pattern(write_client, team):
    table = make_table(team)

    response = write_client.patch(f"{tables_url(team)}{table.id}/", {"url_pattern": "http://bucket/x.csv"})

    assert response.json() == error("validation_error", "invalid_input", "URL pattern must use https.", "url_pattern")


def test_patch_deleted_only_sets_the_flag(write_client, team):
    table = make_table(team)

    response = write_client.patch(f"{tables_url(team)}{table.id}/", {"deleted": True})

    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.deleted, table.deleted_at) == (True, None)
    assert write_client.get(f"{tables_url(team)}{table.id}/").status_code == 404


# --- Delete ---


def test_delete_is_soft_and_keeps_the_credential(write_client, team):
    table = make_table(team)

    response = write_client.delete(f"{tables_url(team)}{table.id}/")

    assert response.status_code == 204
    assert response.content == b""
    table.refresh_from_db()
    assert table.deleted is True and table.deleted_at is not None
    assert DataWarehouseCredential.objects.filter(pk=table.credential_id).exists()
    assert write_client.delete(f"{tables_url(team)}{table.id}/").status_code == 404


# --- Scopes and tenancy ---


@pytest.mark.parametrize(
    ("method", "suffix", "needed"),
    [
        ("get", "", "warehouse_table:read"),
        ("get", "{id}/", "warehouse_table:read"),
        ("post", "", "warehouse_table:write"),
        ("patch", "{id}/", "warehouse_table:write"),
        ("put", "{id}/", "warehouse_table:write"),
        ("delete", "{id}/", "warehouse_table:write"),
        ("post", "file/", "warehouse_table:write"),
        ("post", "{id}/refresh_schema/", "warehouse_table:write"),
        ("post", "{id}/update_schema/", "warehouse_table:write"),
    ],
)
def test_a_key_without_the_scope_is_refused(user, team, method, suffix, needed):
    table = make_table(team)
    client = key_client(make_key(user, ["person:read"] if needed.endswith("read") else ["warehouse_table:read"]))

    response = getattr(client, method)(tables_url(team) + suffix.format(id=table.id), {})

    assert response.status_code == 403
    assert response.json() == permission_denied(f"API key missing required scope '{needed}'")
    table.refresh_from_db()
    assert table.deleted is False


def test_another_organizations_key_cannot_reach_the_tables(team, other_user, other_organization):
    table = make_table(team)
    stranger = key_client(make_key(other_user))

    for response in (
        stranger.get(tables_url(team)),
        stranger.get(f"{tables_url(team)}{table.id}/"),
        stranger.delete(f"{tables_url(team)}{table.id}/"),
        stranger.post(f"{tables_url(team)}{table.id}/update_schema/", {"updates": {"id": "string"}}),
    ):
        assert response.status_code == 403
        assert response.json() == permission_denied("You don't have access to the project.")
    table.refresh_from_db()
    assert table.deleted is False and table.columns == CSV_STORED


def test_another_teams_table_is_not_found_through_my_team(client, team, other_organization):
    foreign = make_table(other_organization.teams.get())

    for response in (
        client.get(f"{tables_url(team)}{foreign.id}/"),
        client.patch(f"{tables_url(team)}{foreign.id}/", {"name": "mine"}),
        client.delete(f"{tables_url(team)}{foreign.id}/"),
        client.post(f"{tables_url(team)}{foreign.id}/refresh_schema/"),
    ):
        assert response.status_code == 404
    assert client.get(tables_url(team)).json()["count"] == 0
    foreign.refresh_from_db()
    assert (foreign.name, foreign.deleted) == ("orders", False)


def test_listing_costs_the_same_queries_for_2_or_20_tables(client, team, user, django_assert_num_queries):
    for index in range(2):
        make_table(team, user, name=f"t{index}")
    client.get(tables_url(team))  # the key's last_used_at is written once an hour
    with django_assert_num_queries(4):
        assert client.get(tables_url(team)).json()["count"] == 2
    for index in range(2, 20):
        make_table(team, user, name=f"t{index}")
    with django_assert_num_queries(4):
        assert client.get(tables_url(team)).json()["count"] == 20
