import datetime as dt

import pytest

from tests.warehouse.parquet_files import EXPECTED, SCHEMA, leaf, parquet_file
from tests.warehouse.test_tables import body, tables_url
from warehouse import crypto, remote, s3_signing, sources
from warehouse.inference import ColumnsError, infer_csv_with_names, infer_json_each_row
from warehouse.models import DataWarehouseTable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"a,b\n1,x\n", {"a": "Nullable(Int64)", "b": "Nullable(String)"}),
        (b"\xef\xbb\xbfa\n1\n2.5\n", {"a": "Nullable(Float64)"}),
        (b'a,b\n"1,5",\n', {"a": "Nullable(String)", "b": "Nullable(String)"}),
        (b"a\ntrue\n1\n", {"a": "Nullable(String)"}),
        (b"a\n99999999999999999999\n", {"a": "Nullable(Float64)"}),
        (b"a,b\n2024-01-01T10:00:00Z,2024-01-01\n", {"a": "Nullable(DateTime64(9))", "b": "Nullable(Date)"}),
    ],
)
def test_csv_types(text, expected):
    assert infer_csv_with_names(text) == expected


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"])
def test_a_truncated_csv_prefix_drops_its_partial_last_line(line_end):
    data = line_end.join([b"a,b", b"1,2", b"3,tex"])

    assert infer_csv_with_names(data, truncated=True) == {"a": "Nullable(Int64)", "b": "Nullable(Int64)"}


def test_csv_fields_may_hold_line_breaks_when_quoted():
    assert infer_csv_with_names(b'a,b\r\n"x\ny",2\r\n') == {"a": "Nullable(String)", "b": "Nullable(Int64)"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,a\n1,2\n", "Could not get columns"),
        (b"a,b\n" + b"x" * 200_000 + b",1\n", "Could not get columns"),
        (b"", "The provided file contains no data"),
    ],
)
def test_csv_refusals(data, message):
    with pytest.raises(ColumnsError, match=message):
        infer_csv_with_names(data)


@pytest.mark.parametrize(
    "data",
    [
        b"not json\n",
        b"[1, 2]\n",
        b"{}\n",
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        b'{"a": ' + b'{"b": ' * 5_000 + b"1" + b"}" * 5_000 + b"}\n",
    ],
)
def test_json_rows_that_are_not_objects_with_keys(data):
    with pytest.raises(ColumnsError, match="Could not get columns"):
        infer_json_each_row(data)


def test_json_rows_types():
    data = b'{"n": 1, "b": true, "s": "x", "l": [1, 2.5], "e": []}\n{"n": null}\n'
    assert infer_json_each_row(data) == {
        "n": "Nullable(Int64)",
        "b": "Nullable(Bool)",
        "s": "Nullable(String)",
        "l": "Array(Nullable(Float64))",
        "e": "Array(Nullable(String))",
    }


# --- Parquet ---


def test_parquet_columns_come_from_the_footer(write_client, team, object_store, bucket):
    bucket.objects["/bucket/t.parquet"] = parquet_file(SCHEMA, body=b"PAR1" + b"\x00" * 200_000)

    response = write_client.post(tables_url(team), body(f"{object_store}/bucket/t.parquet", format="Parquet"))

    assert response.status_code == 201
    assert {name: c["clickhouse"] for name, c in DataWarehouseTable.objects.get().columns.items()} == EXPECTED
    assert [r["headers"]["Range"] for r in bucket.requests] == ["bytes=-65536"]


def test_a_long_footer_takes_a_second_read(write_client, team, object_store, bucket, monkeypatch):
    monkeypatch.setattr(sources, "TAIL_BYTES", 16)
    bucket.objects["/bucket/t.parquet"] = parquet_file(SCHEMA)

    response = write_client.post(tables_url(team), body(f"{object_store}/bucket/t.parquet", format="Parquet"))

    assert response.status_code == 201
    assert len(bucket.requests) == 2


def test_a_store_that_ignores_ranges_still_works(write_client, team, object_store, bucket):
    bucket.honour_range = False
    bucket.objects["/bucket/t.parquet"] = parquet_file([{4: "schema", 5: 1}, leaf("id", 2)])
    bucket.objects["/bucket/t.csv"] = b"a\n1\n"

    parquet = write_client.post(tables_url(team), body(f"{object_store}/bucket/t.parquet", format="Parquet"))
    csv = write_client.post(tables_url(team), body(f"{object_store}/bucket/t.csv", name="csv"))

    assert (parquet.status_code, csv.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,b\n1,2\n", "The provided file is not in Parquet format"),
        (b"PAR1\xff\xff\xff\x00PAR1", "The provided file is not in Parquet format"),
        (b"PAR1" + b"\x05\x00\x00\x00" + b"PAR1", "The provided file is not in Parquet format"),
    ],
)
def test_files_that_are_not_parquet(write_client, team, object_store, bucket, data, message):
    bucket.objects["/bucket/t.parquet"] = data

    response = write_client.post(tables_url(team), body(f"{object_store}/bucket/t.parquet", format="Parquet"))

    assert (response.status_code, response.json()["detail"]) == (400, message)


# --- Locations, signing, address checks, encryption ---


@pytest.mark.parametrize(
    ("url", "root", "key"),
    [
        ("https://logs.s3.eu-west-1.amazonaws.com/a/b.csv", "https://logs.s3.eu-west-1.amazonaws.com", "a/b.csv"),
        ("https://s3.us-west-2.amazonaws.com/logs/a/b.csv", "https://s3.us-west-2.amazonaws.com/logs", "a/b.csv"),
        ("https://data.storage.googleapis.com/x%20y.csv", "https://data.storage.googleapis.com", "x y.csv"),
        ("https://minio.example.com/bucket/k.csv", "https://minio.example.com/bucket", "k.csv"),
    ],
)
def test_bucket_and_key_of_a_url(url, root, key):
    assert remote._location(url) == remote.Location(root, key)


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("logs.s3.eu-west-1.amazonaws.com", "eu-west-1"),
        ("s3-us-west-2.amazonaws.com", "us-west-2"),
        ("logs.s3.amazonaws.com", "us-east-1"),
        ("minio.example.com", "us-east-1"),
    ],
)
def test_signing_region_of_a_host(host, region):
    assert s3_signing._region(host) == region


def test_signature_matches_the_aws_documented_example():
    # AWS's "GET Bucket (List Objects)" example for Signature Version 4 (S3 API reference, header-based auth).
    keys = s3_signing.Keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    headers = s3_signing.signed_headers(
        "examplebucket.s3.amazonaws.com", "/", "max-keys=2&prefix=J", keys, dt.datetime(2013, 5, 24, tzinfo=dt.UTC)
    )

    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    )


def test_private_addresses_are_refused_at_read_time_too(settings):
    settings.WAREHOUSE_ALLOW_PRIVATE_URLS = False

    with pytest.raises(ColumnsError, match="Could not get columns"):
        remote.read_head("https://127.0.0.1/bucket/x.csv", None, 10)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://store.example.com/bucket/x.csv",
        "https:///bucket/x.csv",
        "https://[::1/bucket/x.csv",
        "https://store.example.com:99999/bucket/x.csv",
    ],
)
def test_stored_urls_without_a_usable_host_are_not_fetched(settings, url):
    settings.WAREHOUSE_ALLOW_PRIVATE_URLS = True

    with pytest.raises(ColumnsError, match="The provided file or bucket doesn't exist"):
        remote.read_head(url, None, 10)


def test_a_stored_url_that_does_not_parse_is_not_resolved():
    with pytest.raises(ColumnsError, match="The provided file or bucket doesn't exist"):
        remote.resolve_object("https://[::1/bucket/*.csv", None)


def test_credentials_round_trip_and_refuse_tampering():
    token = crypto.encrypt("s3cr3t")

    assert crypto.decrypt(token) == "s3cr3t"
    assert crypto.encrypt("s3cr3t") != token
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert crypto.decrypt(tampered) is None
    assert crypto.decrypt("plain") is None


@pytest.mark.parametrize(
    ("content_range", "total"),
    [
        ("bytes 0-9/1234", 1234),
        ("bytes 0-9/*", None),
        ("bytes 0-9/\u00b2", None),
        ("bytes 0-9/" + "9" * 5000, None),
        ("", None),
    ],
)
def test_the_total_size_is_read_only_from_plain_digits(content_range, total):
    answer = remote._Answer(status=206, headers={"content-range": content_range}, body=b"")

    assert remote._total_size(answer) == total
