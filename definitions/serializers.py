from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from definitions.models import PropertyDefinition
from posthog_api.serializers import UserBasicSerializer


class PropertyDefinitionSerializer(serializers.ModelSerializer):
    """PostHog's property definition with the taxonomy fields (seed 002's shape). `name` is never renamed and
    `is_numerical` follows `property_type`."""

    tags = serializers.ListField(child=serializers.CharField(max_length=255), required=False)
    updated_by = UserBasicSerializer(read_only=True)
    verified_by = UserBasicSerializer(read_only=True)
    is_seen_on_filtered_events = serializers.SerializerMethodField()

    class Meta:
        model = PropertyDefinition
        fields = [
            "id",
            "name",
            "description",
            "tags",
            "is_numerical",
            "updated_at",
            "updated_by",
            "is_seen_on_filtered_events",
            "property_type",
            "verified",
            "verified_at",
            "verified_by",
            "hidden",
        ]
        read_only_fields = ["id", "updated_at", "updated_by", "verified_at", "verified_by"]

    @extend_schema_field({"type": "boolean", "nullable": True, "readOnly": True})
    def get_is_seen_on_filtered_events(self, definition: PropertyDefinition) -> bool | None:
        return getattr(definition, "is_seen_on_filtered_events", None)

    def validate(self, data: dict) -> dict:
        if data.get("property_type") == "":
            data["property_type"] = None
        hidden = data.get("hidden", self.instance.hidden if self.instance else False)
        verified = data.get("verified", self.instance.verified if self.instance else False)
        if data.get("hidden") and data.get("verified"):
            raise serializers.ValidationError("A property cannot be both hidden and verified")
        if data.get("hidden"):
            data["verified"] = False
        elif data.get("verified"):
            data["hidden"] = False
        elif hidden and verified:
            raise serializers.ValidationError("A property cannot be both hidden and verified")
        return data

    def update(self, definition: PropertyDefinition, data: dict) -> PropertyDefinition:
        user = self.context["request"].user
        data.pop("name", None)
        data.pop("is_numerical", None)
        if "property_type" in data:
            data["is_numerical"] = data["property_type"] == "Numeric"
        if "verified" in data and data["verified"] != definition.verified:
            data["verified_at"] = timezone.now() if data["verified"] else None
            data["verified_by"] = user if data["verified"] else None
        data["updated_at"] = timezone.now()
        data["updated_by"] = user
        return super().update(definition, data)
