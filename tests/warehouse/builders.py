from posthog_api.serializers import user_basic
from warehouse.models import DataWarehouseCredential, DataWarehouseTable

CSV = b"id,name,score,active,signed_up,seen_at\n1,ada,1.5,true,2024-01-02,2024-01-02 10:00:00\n2,bob,2,false,,\n"
CSV_COLUMNS = [
    {"key": "id", "type": "integer"},
    {"key": "name", "type": "string"},
    {"key": "score", "type": "float"},
    {"key": "active", "type": "boolean"},
    {"key": "signed_up", "type": "date"},
    {"key": "seen_at", "type": "datetime"},
]
CSV_STORED = {
    "id": {"hogql": "IntegerDatabaseField", "clickhouse": "Nullable(Int64)", "valid": True},
    "name": {"hogql": "StringDatabaseField", "clickhouse": "Nullable(String)", "valid": True},
    "score": {"hogql": "FloatDatabaseField", "clickhouse": "Nullable(Float64)", "valid": True},
    "active": {"hogql": "BooleanDatabaseField", "clickhouse": "Nullable(Bool)", "valid": True},
    "signed_up": {"hogql": "DateDatabaseField", "clickhouse": "Nullable(Date)", "valid": True},
    "seen_at": {"hogql": "DateTimeDatabaseField", "clickhouse": "Nullable(DateTime64(9))", "valid": True},
}


def column(key: str, kind: str, valid: bool = True) -> dict:
    return {"key": key, "name": key, "type": kind, "schema_valid": valid, "fields": None, "table": None, "chain": None}


def columns_body(columns: list[dict]) -> list[dict]:
    """Serialized columns in jsonb's key order (shorter keys first), as PostgreSQL hands the stored dict back."""
    ordered = sorted(columns, key=lambda c: (len(c["key"].encode()), c["key"].encode()))
    return [column(c["key"], c["type"], c.get("valid", True)) for c in ordered]


def make_table(team, user=None, name="orders", columns=None, **fields) -> DataWarehouseTable:
    credential = DataWarehouseCredential.objects.create(
        team=team, access_key="AKIA-test", access_secret="secret-test", created_by=user
    )
    defaults = {"format": "CSVWithNames", "url_pattern": "https://bucket.s3.amazonaws.com/orders.csv"}
    return DataWarehouseTable.objects.create(
        team=team,
        name=name,
        credential=credential,
        created_by=user,
        columns=CSV_STORED if columns is None else columns,
        **{**defaults, **fields},
    )


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def table_body(table: DataWarehouseTable, columns: list[dict] | None = None) -> dict:
    credential = table.credential
    return {
        "id": str(table.id),
        "deleted": table.deleted,
        "name": table.name,
        "format": table.format,
        "created_by": user_basic(table.created_by) if table.created_by else None,
        "created_at": iso(table.created_at),
        "url_pattern": table.url_pattern,
        "credential": None
        if credential is None
        else {
            "id": str(credential.id),
            "created_by": user_basic(credential.created_by) if credential.created_by else None,
            "created_at": iso(credential.created_at),
        },
        "columns": columns_body(CSV_COLUMNS) if columns is None else columns,
        "external_data_source": None,
        "external_schema": None,
    }
