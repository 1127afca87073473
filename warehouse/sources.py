"""Where a table's file is read from (an upload kept here, or object storage), and its columns inferred from it."""

from pathlib import Path

from warehouse import remote, uploads
from warehouse.inference import (
    MISSING_FILE,
    NO_COLUMNS,
    NOT_PARQUET,
    ColumnsError,
    infer_csv_with_names,
    infer_json_each_row,
)
from warehouse.models import DataWarehouseTable
from warehouse.parquet import FOOTER, infer_parquet, metadata_length
from warehouse.s3_signing import Keys

HEAD_BYTES = 1024 * 1024
TAIL_BYTES = 64 * 1024
# PostHog stores no columns for these: headerless CSV has no names and Delta tables are folders.
FORMATS_WITHOUT_COLUMNS = {
    DataWarehouseTable.Format.CSV,
    DataWarehouseTable.Format.DELTA,
    DataWarehouseTable.Format.DELTA_S3_WRAPPER,
}


class FileSource:
    """An open binary file of known size (an upload being received)."""

    def __init__(self, file, size: int):
        self.file, self.size = file, size

    def head(self, size: int) -> tuple[bytes, bool]:
        self.file.seek(0)
        return self.file.read(size), self.size > size

    def tail(self, size: int) -> tuple[bytes, int]:
        self.file.seek(max(0, self.size - size))
        return self.file.read(), self.size


class LocalSource:
    """A file kept under the upload root."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self, method: str, size: int):
        try:
            with self.path.open("rb") as file:
                return getattr(FileSource(file, file.seek(0, 2)), method)(size)
        except FileNotFoundError:
            raise ColumnsError(MISSING_FILE) from None

    def head(self, size: int) -> tuple[bytes, bool]:
        return self._read("head", size)

    def tail(self, size: int) -> tuple[bytes, int]:
        return self._read("tail", size)


class RemoteSource:
    def __init__(self, url: str, keys: Keys | None):
        self.url = remote.resolve_object(url, keys)
        self.keys = keys

    def head(self, size: int) -> tuple[bytes, bool]:
        return remote.read_head(self.url, self.keys, size)

    def tail(self, size: int) -> tuple[bytes, int]:
        return remote.read_tail(self.url, self.keys, size)


def source_for(*, url: str, team_id: int, access_key: str | None, access_secret: str | None):
    path = uploads.path_for_url(url, team_id)
    if path is not None:
        return LocalSource(path)
    keys = Keys(access_key, access_secret) if access_key and access_secret else None
    return RemoteSource(url, keys)


def _parquet_types(source) -> dict[str, str]:
    tail, total = source.tail(TAIL_BYTES)
    length = metadata_length(tail)
    if length + FOOTER > total:
        raise ColumnsError(NOT_PARQUET)
    if length + FOOTER > len(tail):
        tail, _ = source.tail(length + FOOTER)
    return infer_parquet(tail[-(length + FOOTER) : -FOOTER])


def _storable(text: str) -> bool:
    """Whether PostgreSQL can keep the text in jsonb: no NUL and no lone surrogate."""
    return "\x00" not in text and not any("\ud800" <= character <= "\udfff" for character in text)


def _file_types(source, file_format: str) -> dict[str, str]:
    if file_format == DataWarehouseTable.Format.PARQUET:
        return _parquet_types(source)
    data, truncated = source.head(HEAD_BYTES)
    if file_format == DataWarehouseTable.Format.JSON:
        return infer_json_each_row(data, truncated)
    return infer_csv_with_names(data, truncated)


def infer_types(source, file_format: str) -> dict[str, str]:
    """`{column: ClickHouse type}` of the file behind `source`; raises ColumnsError."""
    types = _file_types(source, file_format)
    if not all(_storable(name) and _storable(kind) for name, kind in types.items()):
        raise ColumnsError(NO_COLUMNS)
    return types
