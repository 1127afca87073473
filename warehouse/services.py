"""Writes to warehouse tables. Columns are read from the file before any row is written, so a file that cannot be
read leaves nothing behind. PostHog logs no activity for these tables (plugins-warehouse-webvitals.md §2.10)."""

import logging
import re

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from warehouse import sources, uploads
from warehouse.columns import CLICKHOUSE_BY_TYPE, columns_from_types, updated_column
from warehouse.inference import ColumnsError
from warehouse.models import DataWarehouseCredential, DataWarehouseTable
from warehouse.selectors import live_tables, name_is_taken
from warehouse.serializers import NAME_TAKEN

TABLE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_UPLOAD_BYTES = 52_428_800
UPLOAD_FAILED = "Failed to upload file"
NAMES_LOCK_NAMESPACE = 0x5748  # "WH": a team's table names, held while one is claimed

logger = logging.getLogger(__name__)


class MessageError(Exception):
    """A refusal PostHog answers as 400 `{"message": ...}` rather than in the error envelope."""


def _lock_names(team_id: int) -> None:
    """Writers that claim a table name queue per team, so two requests cannot both take a free name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NAMES_LOCK_NAMESPACE, team_id])


def _claim_name(*, team_id: int, name: str, table_id=None) -> None:
    _lock_names(team_id)
    if name_is_taken(team_id=team_id, name=name, exclude_id=table_id):
        raise ValidationError({"name": [NAME_TAKEN]})


def _inferred_columns(source_factory, file_format: str) -> dict:
    if file_format in sources.FORMATS_WITHOUT_COLUMNS:
        return {}
    try:
        return columns_from_types(sources.infer_types(source_factory(), file_format))
    except ColumnsError as error:
        raise ValidationError(str(error)) from None


def _remote_columns(*, team_id: int, url_pattern: str, file_format: str, credential: dict | None) -> dict:
    credential = credential or {}
    return _inferred_columns(
        lambda: sources.source_for(
            url=url_pattern,
            team_id=team_id,
            access_key=credential.get("access_key"),
            access_secret=credential.get("access_secret"),
        ),
        file_format,
    )


def table_create(*, team, created_by, name: str, format: str, url_pattern: str, credential: dict, **fields):
    columns = _remote_columns(team_id=team.pk, url_pattern=url_pattern, file_format=format, credential=credential)
    with transaction.atomic():
        _claim_name(team_id=team.pk, name=name)
        stored_credential = DataWarehouseCredential.objects.create(team=team, created_by=created_by, **credential)
        return DataWarehouseTable.objects.create(
            team=team,
            created_by=created_by,
            name=name,
            format=format,
            url_pattern=url_pattern,
            credential=stored_credential,
            columns=columns,
            **fields,
        )


@transaction.atomic
def table_update(*, table: DataWarehouseTable, user, credential: dict | None = None, **fields) -> DataWarehouseTable:
    """Change the given fields; a credential updates the table's own in place (or becomes its first). Columns are
    not read again: that is `table_refresh_schema`."""
    if credential is not None:
        if table.credential is None:
            table.credential = DataWarehouseCredential.objects.create(
                team_id=table.team_id, created_by=user, **credential
            )
        elif credential:
            for name, value in credential.items():
                setattr(table.credential, name, value)
            table.credential.save(update_fields=list(credential))
    if "name" in fields and fields["name"] != table.name:
        _claim_name(team_id=table.team_id, name=fields["name"], table_id=table.pk)
    for name, value in fields.items():
        setattr(table, name, value)
    # Only what was given: the columns a schema refresh wrote meanwhile must not be put back as they were read.
    table.save(update_fields=[*fields, *(["credential"] if credential is not None else []), "updated_at"])
    return table


def table_refresh_schema(*, table: DataWarehouseTable) -> None:
    credential = table.credential
    keys = {"access_key": credential.access_key, "access_secret": credential.access_secret} if credential else None
    columns = _remote_columns(
        team_id=table.team_id, url_pattern=table.url_pattern, file_format=table.format, credential=keys
    )
    DataWarehouseTable.objects.filter(pk=table.pk).update(columns=columns, updated_at=timezone.now())


@transaction.atomic
def table_update_schema(*, table: DataWarehouseTable, updates: dict) -> None:
    table = DataWarehouseTable.objects.select_for_update().get(pk=table.pk)
    columns = dict(table.columns or {})
    for key in updates:
        if key not in columns:
            raise MessageError(f"Column {key} does not exist on table")
    for key, requested in updates.items():
        # NOTE: only the lower-case names are valid; PostHog fails with a 500 on other enum names and upper case.
        if not isinstance(requested, str) or requested not in CLICKHOUSE_BY_TYPE:
            raise MessageError(f"Can not parse type {requested} for column {key} - type does not exist")
        columns[key] = updated_column(columns[key], requested)
    table.columns = columns
    table.save(update_fields=["columns", "updated_at"])


@transaction.atomic
def table_delete(*, table: DataWarehouseTable) -> None:
    """Soft delete. An uploaded file no other live table reads is removed with it.

    NOTE: PostHog also soft-deletes the team's joins naming the table; posthog-api has no joins.
    """
    _lock_names(table.team_id)  # an upload reusing the file commits before or after this check, not during it
    table.deleted = True
    table.deleted_at = timezone.now()
    table.save(update_fields=["deleted", "deleted_at", "updated_at"])
    still_used = live_tables().filter(team_id=table.team_id, url_pattern=table.url_pattern).exists()
    if not still_used:
        uploads.remove(table.url_pattern, table.team_id)


def _upload_checks(*, file, name: str | None, file_format: str) -> tuple[str, str]:
    """(table name, stored file name) for an upload, or MessageError in PostHog's order."""
    if file is None:
        raise MessageError("No file provided")
    filename = uploads.sanitize_filename(file.name or "")
    if not filename or filename.startswith("."):
        raise MessageError("Invalid filename")
    if file_format not in DataWarehouseTable.Format.values:
        choices = ", ".join(sorted(DataWarehouseTable.Format.values))
        raise MessageError(f"Invalid format. Must be one of: {choices}")
    name = name or filename
    if not TABLE_NAME.match(name):
        raise MessageError(
            "Table names must start with a letter or underscore and contain only alphanumeric characters or "
            "underscores."
        )
    if file.size > MAX_UPLOAD_BYTES:
        raise MessageError("File size exceeds maximum allowed size of 50MB")
    return name, filename


def _too_long_to_store(*, name: str, url_pattern: str) -> bool:
    fields = DataWarehouseTable._meta
    return (
        len(name) > fields.get_field("name").max_length or len(url_pattern) > fields.get_field("url_pattern").max_length
    )


def table_upload(*, team, created_by, file, name: str | None, file_format: str) -> DataWarehouseTable:
    """Store an uploaded file and make it a table, reusing the team's live table of that name if there is one.
    The table and the file are written in one transaction: a failed upload leaves neither."""
    name, filename = _upload_checks(file=file, name=name, file_format=file_format)
    try:
        columns = _inferred_columns(lambda: sources.FileSource(file, file.size), file_format)
    except ValidationError as error:
        raise MessageError(error.detail[0]) from None
    url_pattern = uploads.url_for(team.pk, filename)
    if _too_long_to_store(name=name, url_pattern=url_pattern):
        # NOTE: PostHog's answer to a row it cannot save (its catch-all around the upload).
        raise MessageError(UPLOAD_FAILED)
    with transaction.atomic():
        _lock_names(team.pk)
        table = live_tables().select_for_update().filter(team=team, name=name).first()
        if table is None:
            table = DataWarehouseTable(team=team, created_by=created_by, name=name)
        table.url_pattern, table.format, table.columns = url_pattern, file_format, columns
        table.save()
        try:
            uploads.save(team.pk, filename, file)
        except DatabaseError:  # leaving the block rolls the table row back too
            logger.exception("warehouse: storing upload %s of team %s failed", filename, team.pk)
            raise MessageError(UPLOAD_FAILED) from None
    return table
