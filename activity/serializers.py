from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activity.models import ActivityLog

SYSTEM_USER = {"first_name": "System", "email": None, "is_system": True}
DETAIL_KEYS = ("changes", "trigger", "name", "short_id", "type")


class ActivityLogSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()

    class Meta:
        model = ActivityLog
        fields = ["id", "user", "activity", "scope", "item_id", "detail", "created_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_user(self, entry: ActivityLog) -> dict:
        if entry.user is not None:
            return {"first_name": entry.user.first_name, "email": entry.user.email}
        if entry.is_system:
            return dict(SYSTEM_USER)
        return {"first_name": "", "email": ""}

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_detail(self, entry: ActivityLog) -> dict | None:
        if entry.detail is None:
            return None
        return {key: entry.detail[key] for key in DETAIL_KEYS if key in entry.detail}
