"""Column types of a Parquet file, read from its footer (FileMetaData, Thrift compact protocol), the way ClickHouse
names them. Only the schema is decoded; nothing else of the file is read."""

import struct
from dataclasses import dataclass

from warehouse.inference import EMPTY_FILE, NO_COLUMNS, NOT_PARQUET, ColumnsError

MAGIC = b"PAR1"
FOOTER = 8  # metadata length (4 bytes, little endian) + magic
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)
# SchemaElement fields
TYPE, TYPE_LENGTH, REPETITION, NAME, NUM_CHILDREN, CONVERTED, SCALE, PRECISION, _, LOGICAL = range(1, 11)
PHYSICAL = {0: "Bool", 1: "Int32", 2: "Int64", 3: "DateTime64(9)", 4: "Float32", 5: "Float64", 6: "String"}
CONVERTED_INTEGERS = {11: "UInt8", 12: "UInt16", 13: "UInt32", 14: "UInt64", 15: "Int8", 16: "Int16", 17: "Int32"}
CONVERTED_TIMES = {6: "Date32", 9: "DateTime64(3)", 10: "DateTime64(6)"}
CONVERTED_MAP, CONVERTED_MAP_KEY_VALUE, CONVERTED_LIST, CONVERTED_DECIMAL = 1, 2, 3, 5
LOGICAL_MAP, LOGICAL_LIST, LOGICAL_DECIMAL, LOGICAL_DATE, LOGICAL_TIMESTAMP, LOGICAL_INTEGER = 2, 3, 5, 6, 8, 10
LOGICAL_NULL = 11  # a column of nulls only (Arrow's null type)
INTEGER_FIELDS = (TYPE, TYPE_LENGTH, REPETITION, NUM_CHILDREN, CONVERTED, SCALE, PRECISION)
# Far deeper than any real footer or schema; bounds the recursion a corrupt footer could ask for.
MAX_DEPTH = 100
TIMESTAMP_PRECISION = {1: 3, 2: 6, 3: 9}
REPEATED = 2


class _Reader:
    """A generic Thrift compact-protocol decoder: structs become {field id: value}."""

    def __init__(self, data: bytes):
        self.data, self.at, self.depth = data, 0, 0

    def byte(self) -> int:
        value = self.data[self.at]
        self.at += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int):
        if kind in (TRUE, FALSE):
            return self.byte() == TRUE  # only reached inside lists; struct fields carry the value in the type
        if kind == BYTE:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if kind in (I16, I32, I64):
            return self.zigzag()
        if kind == DOUBLE:
            self.at += 8
            return struct.unpack("<d", self.data[self.at - 8 : self.at])[0]
        if kind == BINARY:
            length = self.varint()
            self.at += length
            return self.data[self.at - length : self.at]
        if kind in (LIST, SET, MAP, STRUCT):
            return self.nested(kind)
        raise ValueError(f"unknown thrift type {kind}")

    def nested(self, kind: int):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError("thrift values nested too deeply")
        if kind in (LIST, SET):
            header = self.byte()
            size = header >> 4 if header >> 4 != 15 else self.varint()
            value = [self.value(header & 0x0F) for _ in range(size)]
        elif kind == MAP:  # FileMetaData has no maps: kept as pairs, which need not be hashable
            size = self.varint()
            kinds = self.byte() if size else 0
            value = [(self.value(kinds >> 4), self.value(kinds & 0x0F)) for _ in range(size)]
        else:
            value = self.struct()
        self.depth -= 1
        return value

    def struct(self) -> dict:
        fields, last = {}, 0
        while (header := self.byte()) != STOP:
            kind, delta = header & 0x0F, header >> 4
            last = last + delta if delta else self.zigzag()
            fields[last] = kind == TRUE if kind in (TRUE, FALSE) else self.value(kind)
        return fields


def metadata_length(tail: bytes) -> int:
    if len(tail) < FOOTER or tail[-4:] != MAGIC:
        raise ColumnsError(NOT_PARQUET)
    return struct.unpack("<I", tail[-8:-4])[0]


def _decimal(element: dict) -> str:
    return f"Decimal({element.get(PRECISION, 38)}, {element.get(SCALE, 0)})"


def _leaf_type(element: dict) -> str:
    logical, converted, physical = element.get(LOGICAL, {}), element.get(CONVERTED), element.get(TYPE)
    if LOGICAL_DECIMAL in logical or converted == CONVERTED_DECIMAL:
        return _decimal(element)
    if LOGICAL_TIMESTAMP in logical:
        unit = logical[LOGICAL_TIMESTAMP].get(2, {})
        return f"DateTime64({TIMESTAMP_PRECISION.get(next(iter(unit), 2), 6)})"
    if LOGICAL_DATE in logical:
        return "Date32"
    if LOGICAL_NULL in logical:
        return "Nothing"
    if LOGICAL_INTEGER in logical:
        width, signed = logical[LOGICAL_INTEGER].get(1, 64), logical[LOGICAL_INTEGER].get(2, True)
        return f"{'' if signed else 'U'}Int{width}"
    if converted in CONVERTED_INTEGERS:
        return CONVERTED_INTEGERS[converted]
    if converted in CONVERTED_TIMES:
        return CONVERTED_TIMES[converted]
    if physical == 7:
        return f"FixedString({element.get(TYPE_LENGTH, 16)})"
    if physical in PHYSICAL:
        return PHYSICAL[physical]
    raise ColumnsError(NO_COLUMNS)


def _is_nested(type_name: str) -> bool:
    return type_name.startswith(("Array(", "Map(", "Tuple("))


def _nullable(type_name: str) -> str:
    return type_name if _is_nested(type_name) else f"Nullable({type_name})"


@dataclass
class _Node:
    element: dict
    children: list["_Node"]

    @property
    def name(self) -> str:
        return self.element.get(NAME, b"").decode("utf-8", errors="replace")


def _well_formed(element) -> bool:
    """Whether a decoded SchemaElement has the value types the schema reading below relies on."""
    if not isinstance(element, dict) or not isinstance(element.get(NAME, b""), bytes):
        return False
    if not all(isinstance(element.get(field, 0), int) for field in INTEGER_FIELDS):
        return False
    logical = element.get(LOGICAL, {})
    if not isinstance(logical, dict) or not all(isinstance(value, dict) for value in logical.values()):
        return False
    return isinstance(logical.get(LOGICAL_TIMESTAMP, {}).get(2, {}), dict)


def _tree(elements: list, at: int = 0, depth: int = 0) -> tuple[_Node, int]:
    """The element at `at` with its subtree (the schema is a depth-first list), and the index after it."""
    element, children, at = elements[at], [], at + 1
    if depth > MAX_DEPTH or not _well_formed(element):
        raise ColumnsError(NOT_PARQUET)
    for _ in range(element.get(NUM_CHILDREN, 0)):
        child, at = _tree(elements, at, depth + 1)
        children.append(child)
    return _Node(element, children), at


def _field_type(node: _Node) -> str:
    kind = _type(node)
    return f"Array({_nullable(kind)})" if node.element.get(REPETITION) == REPEATED else kind


def _type(node: _Node) -> str:
    element = node.element
    if not node.children and TYPE in element:
        return _leaf_type(element)
    logical, converted = element.get(LOGICAL, {}), element.get(CONVERTED)
    if LOGICAL_LIST in logical or converted == CONVERTED_LIST:
        # A list holds one repeated child: the element itself (two levels) or a group around it (three levels).
        repeated = node.children[0] if node.children else None
        if repeated is None:
            return "Array(Nullable(String))"
        inner = _field_type(repeated.children[0]) if len(repeated.children) == 1 else _type(repeated)
        return f"Array({_nullable(inner)})"
    if LOGICAL_MAP in logical or converted in (CONVERTED_MAP, CONVERTED_MAP_KEY_VALUE):
        pair = node.children[0].children if node.children else []
        if len(pair) != 2:
            return "Map(String, Nullable(String))"
        return f"Map({_type(pair[0])}, {_nullable(_field_type(pair[1]))})"
    members = ", ".join(f"{child.name} {_nullable(_field_type(child))}" for child in node.children)
    return f"Tuple({members})"


def infer_parquet(metadata: bytes) -> dict[str, str]:
    """Column types from the raw FileMetaData bytes (the footer without its length and magic)."""
    try:
        elements = _Reader(metadata).struct().get(2)
    except (IndexError, ValueError, struct.error):
        raise ColumnsError(NOT_PARQUET) from None
    if not elements or not isinstance(elements, list):
        raise ColumnsError(EMPTY_FILE)
    try:
        root, _ = _tree(elements)
    except IndexError:
        raise ColumnsError(NOT_PARQUET) from None
    columns = {child.name: _nullable(_field_type(child)) for child in root.children}
    if not columns:
        raise ColumnsError(EMPTY_FILE)
    return columns
