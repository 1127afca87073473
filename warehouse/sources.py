"""Where a table's file is read from (an upload stored in PostgreSQL, or object storage), and its columns inferred
from it."""

from django.db import connection

from posthog_api.validators import is_storable_text
from warehouse import remote, uploads
from warehouse.inference import (
    MISSING_FILE,
    NO_COLUMNS,
    NOT_PARQUET,
    ColumnsError,
    infer_csv_with_names,
    infer_json_each_row,
)
from warehouse.models import DataWarehouseTable, UploadedFile
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
# The first or last %(size)s bytes of a stored upload, and its length.
STORED_SLICE = f"""
    SELECT
        substring(
            content
            FROM (CASE WHEN %(from_end)s THEN greatest(length(content) - %(size)s, 0) ELSE 0 END) + 1
            FOR %(size)s
        ),
        length(content)
    FROM {UploadedFile._meta.db_table}
    WHERE team_id = %(team)s AND filename = %(file)s
"""


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


class StoredSource:
    """An upload kept in PostgreSQL. Only the bytes asked for leave the database: the content column is stored
    uncompressed out of line, so `substring()` fetches just the chunks it covers."""

    def __init__(self, team_id: int, filename: str):
        self.team_id, self.filename = team_id, filename

    def _read(self, size: int, *, from_end: bool) -> tuple[bytes, int]:
        """(`size` bytes from the start or the end, the file's length)."""
        with connection.cursor() as cursor:
            cursor.execute(
                STORED_SLICE, {"size": size, "from_end": from_end, "team": self.team_id, "file": self.filename}
            )
            row = cursor.fetchone()
        if row is None:
            raise ColumnsError(MISSING_FILE)
        return bytes(row[0]), row[1]

    def head(self, size: int) -> tuple[bytes, bool]:
        data, total = self._read(size, from_end=False)
        return data, total > size

    def tail(self, size: int) -> tuple[bytes, int]:
        return self._read(size, from_end=True)


class RemoteSource:
    def __init__(self, url: str, keys: Keys | None):
        self.url = remote.resolve_object(url, keys)
        self.keys = keys

    def head(self, size: int) -> tuple[bytes, bool]:
        return remote.read_head(self.url, self.keys, size)

    def tail(self, size: int) -> tuple[bytes, int]:
        return remote.read_tail(self.url, self.keys, size)


def source_for(*, url: str, team_id: int, access_key: str | None, access_secret: str | None):
    filename = uploads.filename_for_url(url, team_id)
    if filename is not None:
        return StoredSource(team_id, filename)
    if remote.is_upload_url(url):  # another team's upload, or a name never stored: never read over the network
        raise ColumnsError(MISSING_FILE)
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
    if not all(is_storable_text(name) and is_storable_text(kind) for name, kind in types.items()):
        raise ColumnsError(NO_COLUMNS)
    return types
