"""Column types: ClickHouse type names (as stored) to HogQL field classes and the serialized `type` labels
(plugins-warehouse-webvitals.md §2.3), and the column list a table is serialized with (§2.4)."""

import re

HOGQL_BY_CLICKHOUSE = {
    **dict.fromkeys(("String", "UUID", "FixedString", "Enum8"), "StringDatabaseField"),
    **dict.fromkeys(("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"), "IntegerDatabaseField"),
    **dict.fromkeys(("Float8", "Float16", "Float32", "Float64"), "FloatDatabaseField"),
    "Decimal": "DecimalDatabaseField",
    **dict.fromkeys(("DateTime", "DateTime32", "DateTime64"), "DateTimeDatabaseField"),
    **dict.fromkeys(("Date", "Date32"), "DateDatabaseField"),
    "Bool": "BooleanDatabaseField",
    "Array": "StringArrayDatabaseField",
    **dict.fromkeys(("Map", "Tuple"), "StringJSONDatabaseField"),
    "Nothing": "UnknownDatabaseField",
}
TYPE_BY_HOGQL = {
    "StringDatabaseField": "string",
    "IntegerDatabaseField": "integer",
    "FloatDatabaseField": "float",
    "DecimalDatabaseField": "decimal",
    "DateTimeDatabaseField": "datetime",
    "DateDatabaseField": "date",
    "BooleanDatabaseField": "boolean",
    "StringArrayDatabaseField": "array",
    "StringJSONDatabaseField": "json",
    "UnknownDatabaseField": "unknown",
}
# What `update_schema` writes for each requested type.
CLICKHOUSE_BY_TYPE = {
    "integer": "Int64",
    "float": "Float64",
    "decimal": "Decimal",
    "string": "String",
    "datetime": "DateTime64",
    "date": "Date",
    "boolean": "Bool",
    "array": "Array",
    "json": "Map",
}
HIDDEN_COLUMNS = frozenset({"_dlt_id", "_dlt_load_id", "_ph_debug"})
_NULLABLE = re.compile(r"^Nullable\((.*)\)$", re.DOTALL)
_NAMED_TUPLE = re.compile(r"Tuple\([^()]*\)")


def clean_type(clickhouse_type: str) -> str:
    """The base type name: newlines stripped, `Nullable(...)` unwrapped, arguments dropped."""
    value = clickhouse_type.replace("\n", "").strip()
    if match := _NULLABLE.match(value):
        value = match.group(1)
    if value.startswith("Array("):
        value = _NAMED_TUPLE.sub("", value)
    return value.split("(", 1)[0].strip()


def hogql_for(clickhouse_type: str) -> str:
    # NOTE: PostHog has no fallback (KeyError); an unknown type is served as unknown rather than failing the read.
    return HOGQL_BY_CLICKHOUSE.get(clean_type(clickhouse_type), "UnknownDatabaseField")


def column_entry(clickhouse_type: str, valid: bool = True) -> dict:
    return {"hogql": hogql_for(clickhouse_type), "clickhouse": clickhouse_type, "valid": valid}


def columns_from_types(types: dict[str, str]) -> dict:
    return {name: column_entry(clickhouse_type) for name, clickhouse_type in types.items()}


def serialize_columns(columns: dict) -> list[dict]:
    fields = []
    for name, stored in (columns or {}).items():
        if name in HIDDEN_COLUMNS:
            continue
        if isinstance(stored, dict):
            hogql = stored.get("hogql") or hogql_for(str(stored.get("clickhouse", "")))
            valid = stored.get("valid", True)
        else:
            hogql, valid = hogql_for(str(stored)), True
        fields.append(
            {
                "key": name,
                "name": name,
                "type": TYPE_BY_HOGQL.get(hogql, "unknown"),
                "schema_valid": valid,
                "fields": None,
                "table": None,
                "chain": None,
            }
        )
    return fields


def updated_column(stored, requested_type: str) -> dict:
    """A column after `update_schema` set it to `requested_type` (a key of CLICKHOUSE_BY_TYPE)."""
    clickhouse = CLICKHOUSE_BY_TYPE[requested_type]
    entry = dict(stored) if isinstance(stored, dict) else {}
    entry.update({"clickhouse": f"Nullable({clickhouse})", "hogql": HOGQL_BY_CLICKHOUSE[clickhouse], "valid": True})
    return entry
