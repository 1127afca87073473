from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from posthog_api.serializers import UserBasicSerializer
from warehouse import remote
from warehouse.columns import serialize_columns
from warehouse.models import DataWarehouseCredential, DataWarehouseTable
from warehouse.selectors import name_is_taken

NAME_TAKEN = "A table with this name already exists."
SOURCE_TYPES = [
    "CustomerIO",
    "Github",
    "Stripe",
    "Hubspot",
    "Postgres",
    "Zendesk",
    "Snowflake",
    "Salesforce",
    "MySQL",
    "MongoDB",
    "MSSQL",
    "Vitally",
    "BigQuery",
    "Chargebee",
    "GoogleAds",
    "TemporalIO",
    "DoIt",
    "GoogleSheets",
    "MetaAds",
    "Klaviyo",
    "Mailchimp",
    "Braze",
    "Mailjet",
    "Redshift",
    "Polar",
    "RevenueCat",
    "LinkedinAds",
    "RedditAds",
    "TikTokAds",
    "Shopify",
]


# The key pair a table reads its files with: written, never read back.
class CredentialSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True)
    access_key = serializers.CharField(max_length=500, write_only=True)
    access_secret = serializers.CharField(max_length=500, write_only=True)

    class Meta:
        model = DataWarehouseCredential
        fields = ["id", "created_by", "created_at", "access_key", "access_secret"]
        read_only_fields = ["id", "created_by", "created_at"]


# The source a synced table came from. posthog-api has no sources, so it is always null; declared for the schema
# PostHog publishes.
class SimpleExternalDataSourceSerializers(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    source_type = serializers.ChoiceField(choices=SOURCE_TYPES, read_only=True)


class TableSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True)
    credential = CredentialSerializer()
    columns = serializers.SerializerMethodField()
    external_data_source = serializers.SerializerMethodField()
    external_schema = serializers.SerializerMethodField()

    class Meta:
        model = DataWarehouseTable
        fields = [
            "id",
            "deleted",
            "name",
            "format",
            "created_by",
            "created_at",
            "url_pattern",
            "credential",
            "columns",
            "external_data_source",
            "external_schema",
        ]
        read_only_fields = ["id", "created_by", "created_at", "columns", "external_data_source", "external_schema"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_columns(self, table: DataWarehouseTable) -> list[dict]:
        if not self.context.get("include_columns", True):
            return []
        return serialize_columns(table.columns)

    @extend_schema_field(SimpleExternalDataSourceSerializers)
    def get_external_data_source(self, table: DataWarehouseTable) -> None:
        return None

    @extend_schema_field(OpenApiTypes.STR)
    def get_external_schema(self, table: DataWarehouseTable) -> None:
        return None

    def validate_name(self, name: str) -> str:
        if self.instance is not None and self.instance.name == name:
            return name
        if name_is_taken(team_id=self.context["team_id"], name=name):
            raise serializers.ValidationError(NAME_TAKEN)
        return name

    def validate_url_pattern(self, url_pattern: str) -> str:
        if self.instance is not None and self.instance.url_pattern == url_pattern:
            return url_pattern
        if message := remote.url_pattern_error(url_pattern):
            raise serializers.ValidationError(message)
        return url_pattern


class UpdateSchemaSerializer(serializers.Serializer):
    updates = serializers.DictField(child=serializers.JSONField(), allow_null=True, required=False)
