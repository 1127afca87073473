"""Column types inferred from the start of a file, the way ClickHouse's schema inference names them.

CSVWithNames and JSONEachRow read a prefix of the file; Parquet reads its footer (warehouse/parquet.py). A failure
raises ColumnsError with one of PostHog's friendly messages (plugins-warehouse-webvitals.md §2.5).
"""

import csv
import io
import json
import re

NO_ACCESS_KEY = "The Access Key you provided does not exist"
READ_DENIED = "Access was denied when reading the provided file"
BUCKET_DENIED = "Access was denied to the provided bucket"
EMPTY_FILE = "The provided file contains no data"
MISSING_FILE = "The provided file doesn't exist in the bucket"
BAD_URI = "The provided file or bucket doesn't exist"
MISSING_BUCKET = "The provided bucket doesn't exist"
NOT_PARQUET = "The provided file is not in Parquet format"
RAGGED_ROWS = "The provided file has rows with different amount of values"
NO_COLUMNS = "Could not get columns"

MAX_ROWS = 25_000  # ClickHouse's input_format_max_rows_to_read_for_schema_inference
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$")
INTEGER = re.compile(r"^[+-]?\d+$")
FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)
INT64_RANGE = range(-(2**63), 2**63)


class ColumnsError(Exception):
    """Columns could not be inferred; the message is the one the API answers."""


def _merge(current: str | None, new: str | None) -> str | None:
    if new is None or current == new:
        return current
    if current is None:
        return new
    if {current, new} == {"Int64", "Float64"}:
        return "Float64"
    return "String"


def _text_type(value: str) -> str | None:
    if value == "":
        return None
    if INTEGER.match(value):
        return "Int64" if int(value) in INT64_RANGE else "Float64"
    if FLOAT.match(value):
        return "Float64"
    if value in ("true", "false"):
        return "Bool"
    if DATE.match(value):
        return "Date"
    if DATETIME.match(value):
        return "DateTime64(9)"
    return "String"


def _json_type(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64" if value in INT64_RANGE else "Float64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, str):
        inferred = _text_type(value) if value else "String"
        return inferred if inferred in ("Date", "DateTime64(9)") else "String"
    if isinstance(value, list):
        element = None
        for item in value:
            element = _merge(element, _json_type(item))
        return f"Array(Nullable({element or 'String'}))"
    return "Map(String, Nullable(String))"


def _nullable(types: dict[str, str | None]) -> dict[str, str]:
    result = {}
    for name, value in types.items():
        value = value or "String"
        result[name] = value if value.startswith(("Array(", "Map(")) else f"Nullable({value})"
    return result


def _complete_lines(data: bytes, truncated: bool) -> str:
    text = data.decode("utf-8", errors="replace")
    last_line_end = max(text.rfind("\n"), text.rfind("\r"))
    if truncated and last_line_end >= 0:
        text = text[:last_line_end]
    return text


def infer_csv_with_names(data: bytes, truncated: bool = False) -> dict[str, str]:
    try:
        return _csv_types(data, truncated)
    except csv.Error:  # e.g. a field over the csv module's size limit
        raise ColumnsError(NO_COLUMNS) from None


def _csv_types(data: bytes, truncated: bool) -> dict[str, str]:
    # newline="" lets the csv module read \r, \n and \r\n line ends, and line breaks inside quoted fields.
    rows = csv.reader(io.StringIO(_complete_lines(data, truncated).lstrip("\ufeff"), newline=""))
    header = next(rows, None)
    if not header or header == [""]:
        raise ColumnsError(EMPTY_FILE)
    if len(set(header)) != len(header) or "" in header:
        raise ColumnsError(NO_COLUMNS)
    types: dict[str, str | None] = dict.fromkeys(header)
    seen = 0
    for row in rows:
        if not row:
            continue
        if len(row) != len(header):
            raise ColumnsError(RAGGED_ROWS)
        for name, value in zip(header, row, strict=True):
            types[name] = _merge(types[name], _text_type(value))
        seen += 1
        if seen >= MAX_ROWS:
            break
    if not seen:
        raise ColumnsError(EMPTY_FILE)
    return _nullable(types)


def infer_json_each_row(data: bytes, truncated: bool = False) -> dict[str, str]:
    types: dict[str, str | None] = {}
    seen = 0
    for line in _complete_lines(data, truncated).splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ColumnsError(NO_COLUMNS)
            for name, value in row.items():
                types[name] = _merge(types.get(name), _json_type(value))
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's recursion limit
            raise ColumnsError(NO_COLUMNS) from None
        seen += 1
        if seen >= MAX_ROWS:
            break
    if not seen:
        raise ColumnsError(EMPTY_FILE)
    if not types:
        raise ColumnsError(NO_COLUMNS)
    return _nullable(types)
