from django.conf import settings
from django.db import models

from ingestion.capture import uuid7
from warehouse import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (see warehouse/crypto.py); Python code only ever sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else crypto.encrypt(value)


class DataWarehouseCredential(models.Model):
    """The access key pair a table reads its files with; never serialized back."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    access_key = EncryptedTextField()
    access_secret = EncryptedTextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class DataWarehouseTable(models.Model):
    class Format(models.TextChoices):
        CSV = "CSV", "CSV"
        CSV_WITH_NAMES = "CSVWithNames", "CSVWithNames"
        PARQUET = "Parquet", "Parquet"
        JSON = "JSONEachRow", "JSON"
        DELTA = "Delta", "Delta"
        DELTA_S3_WRAPPER = "DeltaS3Wrapper", "DeltaS3Wrapper"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    name = models.CharField(max_length=128)
    format = models.CharField(max_length=128, choices=Format.choices)
    url_pattern = models.CharField(max_length=500)
    credential = models.ForeignKey(DataWarehouseCredential, models.SET_NULL, null=True, blank=True, related_name="+")
    # {"<column>": {"hogql": ..., "clickhouse": ..., "valid": ...}}, or the legacy {"<column>": "<type>"}
    columns = models.JSONField(default=dict, blank=True)
    row_count = models.IntegerField(null=True, blank=True)
    size_in_s3_mib = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted = models.BooleanField(null=True, blank=True, default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "name"], name="warehouse_table_team_name")]

    def __str__(self) -> str:
        return self.name


class UploadedFile(models.Model):
    """A file uploaded through `warehouse_tables/file/`, named by a URL under WAREHOUSE_UPLOAD_URL (uploads.py).

    `content` is stored uncompressed out of line (migration 0002), so a head or tail is read with `substring()`
    without fetching or decompressing the whole value.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    filename = models.CharField(max_length=500)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "filename"], name="warehouse_upload_team_filename")]

    def __str__(self) -> str:
        return self.filename
