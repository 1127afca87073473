"""Parquet files for the tests: a footer (FileMetaData) written with the Thrift compact protocol, no data pages."""

import struct

BOOL_TRUE, BOOL_FALSE, I32, I64, BINARY, LIST, STRUCT = 1, 2, 5, 6, 8, 9, 12


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> bytes:
    return _varint((value << 1) ^ (value >> 63))


def _kind(value) -> int:
    if isinstance(value, bool):
        return BOOL_TRUE if value else BOOL_FALSE
    if isinstance(value, int):
        return I64 if abs(value) > 2**31 else I32
    if isinstance(value, (str, bytes)):
        return BINARY
    if isinstance(value, list):
        return LIST
    return STRUCT


def _value(value) -> bytes:
    if isinstance(value, int) and not isinstance(value, bool):
        return _zigzag(value)
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return _varint(len(value)) + value
    if isinstance(value, list):
        kind = _kind(value[0]) if value else STRUCT
        header = bytes([(len(value) << 4) | kind]) if len(value) < 15 else bytes([0xF0 | kind]) + _varint(len(value))
        return header + b"".join(_value(item) for item in value)
    return encode_struct(value)


def encode_struct(fields: dict) -> bytes:
    """{field id: value}: ints are i32 (i64 when large), str/bytes binary, lists lists, dicts structs."""
    out, last = bytearray(), 0
    for field_id in sorted(fields):
        value, kind = fields[field_id], _kind(fields[field_id])
        delta = field_id - last
        out += bytes([(delta << 4) | kind]) if 0 < delta <= 15 else bytes([kind]) + _zigzag(field_id)
        if not isinstance(value, bool):
            out += _value(value)
        last = field_id
    return bytes(out) + b"\x00"


def parquet_file(schema: list[dict], body: bytes = b"PAR1") -> bytes:
    metadata = encode_struct({1: 1, 2: schema, 3: 0, 4: []})
    return body + metadata + struct.pack("<I", len(metadata)) + b"PAR1"


def leaf(name: str, physical: int, repetition: int = 1, extra: dict | None = None) -> dict:
    """A SchemaElement of a column: 1 type, 3 repetition (0 required, 1 optional, 2 repeated), 4 name, plus
    `extra` (2 type length, 6 converted type, 7 scale, 8 precision, 10 logical type)."""
    return {1: physical, 3: repetition, 4: name, **(extra or {})}


def group(name: str, children: list, repetition: int = 1, extra: dict | None = None) -> list[dict]:
    """A group element followed by its children's elements (depth first); 5 is the number of children."""
    head = {3: repetition, 4: name, 5: len(children), **(extra or {})}
    return [head] + [element for child in children for element in (child if isinstance(child, list) else [child])]


SCHEMA = [
    {4: "schema", 5: 10},
    leaf("id", 2),
    leaf("name", 6, extra={6: 0, 10: {1: {}}}),
    leaf("ts", 2, extra={10: {8: {1: True, 2: {2: {}}}}}),
    leaf("price", 7, extra={2: 16, 6: 5, 7: 2, 8: 10}),
    *group("tags", [group("list", [leaf("element", 6, extra={6: 0})], repetition=2)], extra={6: 3}),
    *group("attrs", [group("key_value", [leaf("key", 6, 0, {6: 0}), leaf("value", 1)], repetition=2)], extra={6: 1}),
    leaf("day", 1, extra={6: 6}),
    leaf("flag", 0, 0),
    leaf("small", 1, extra={6: 16}),
    *group("point", [leaf("x", 5), leaf("y", 5)]),
]
EXPECTED = {
    "id": "Nullable(Int64)",
    "name": "Nullable(String)",
    "ts": "Nullable(DateTime64(6))",
    "price": "Nullable(Decimal(10, 2))",
    "tags": "Array(Nullable(String))",
    "attrs": "Map(String, Nullable(Int32))",
    "day": "Nullable(Date32)",
    "flag": "Nullable(Bool)",
    "small": "Nullable(Int16)",
    "point": "Tuple(x Nullable(Float64), y Nullable(Float64))",
}
