"""The footer reader against a file written by a real Parquet library, and against corrupt footers."""

from pathlib import Path

import pytest

from tests.warehouse.parquet_files import encode_struct, leaf
from warehouse.inference import ColumnsError
from warehouse.parquet import infer_parquet
from warehouse.sources import FileSource, infer_types

# Written by pyarrow 26 (pq.write_table with its defaults): one column per Arrow type.
PYARROW_FILE = Path(__file__).parent / "files" / "pyarrow_types.parquet"
PYARROW_TYPES = {
    "i8": "Nullable(Int8)",
    "i16": "Nullable(Int16)",
    "i32": "Nullable(Int32)",
    "i64": "Nullable(Int64)",
    "u8": "Nullable(UInt8)",
    "u16": "Nullable(UInt16)",
    "u32": "Nullable(UInt32)",
    "u64": "Nullable(UInt64)",
    "f16": "Nullable(Float32)",
    "f64": "Nullable(Float64)",
    "s": "Nullable(String)",
    "ls": "Nullable(String)",
    "bin": "Nullable(String)",
    "fsb": "Nullable(FixedString(4))",
    "b": "Nullable(Bool)",
    "d": "Nullable(Date32)",
    "ts_ms": "Nullable(DateTime64(3))",
    "ts_us": "Nullable(DateTime64(6))",
    "ts_ns": "Nullable(DateTime64(9))",
    "t32": "Nullable(Int32)",
    "t64": "Nullable(Int64)",
    "dec": "Nullable(Decimal(10, 2))",
    "dec38": "Nullable(Decimal(38, 5))",
    "lst": "Array(Nullable(Int64))",
    "lstr": "Array(Nullable(String))",
    "nested_list": "Array(Array(Nullable(Int32)))",
    "st": "Tuple(x Nullable(Int64), y Nullable(String))",
    "mp": "Map(String, Nullable(Int64))",
    "dict": "Nullable(String)",
    "lst_struct": "Array(Tuple(a Nullable(Int32)))",
    "nul": "Nullable(Nothing)",
}


def test_a_file_written_by_pyarrow():
    with PYARROW_FILE.open("rb") as file:
        assert infer_types(FileSource(file, PYARROW_FILE.stat().st_size), "Parquet") == PYARROW_TYPES


def _metadata(schema: list) -> bytes:
    return encode_struct({1: 1, 2: schema, 3: 0, 4: []})


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(b"\x1c" * 5000, id="structs nested without end"),
        pytest.param(b"\x19\xcc" * 5000, id="lists of structs nested without end"),
        pytest.param(b"\x1b\x01\xcc\x00\x00", id="map keyed by a struct"),
        pytest.param(_metadata([{4: "schema", 5: 1}, {1: 1, 4: 7}]), id="name not text"),
        pytest.param(_metadata([{4: "schema", 5: "x"}, leaf("a", 1)]), id="child count not a number"),
        pytest.param(_metadata([{4: "schema", 5: 1}, leaf("a", 1, extra={10: 3})]), id="logical type not a struct"),
        pytest.param(_metadata([{4: "schema", 5: 1}, leaf("a", 1, extra={10: {8: 1}})]), id="timestamp not a struct"),
        pytest.param(_metadata([{4: "schema", 5: 1}, 5]), id="element not a struct"),
        pytest.param(_metadata([{4: f"g{n}", 5: 1} for n in range(300)] + [leaf("a", 1)]), id="schema too deep"),
    ],
)
def test_corrupt_footers_are_refused_cleanly(metadata):
    with pytest.raises(ColumnsError, match="The provided file is not in Parquet format"):
        infer_parquet(metadata)
