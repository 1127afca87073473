from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from posthog_api.serializers import UserBasicSerializer
from posthog_api.validators import validate_storable_json
from sharing.models import Insight, SharePassword, SharingConfiguration

INVALID_SETTINGS = "Invalid settings format"
BOOLEAN_SETTINGS = ("whitelabel", "noHeader", "showInspector", "legend", "detailed", "hideExtraDetails")
THEMES = ("light", "dark", "system")
TRUE_TEXT, FALSE_TEXT = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
DELETED_USER_EMAIL = "deleted user"
# Deeper nesting than any query has is refused before the recursive code after validation (activity snapshots,
# rendering) runs out of stack.
MAX_QUERY_DEPTH = 64


# --- Insights ---


RESTRICTION_LEVELS = [(21, "Everyone in the project can edit"), (37, "Only those invited can edit")]
PRIVILEGE_LEVELS = [(21, "Can only view"), (37, "Can always edit")]
# Left out of a share whose settings ask to hide extra details: who made the insight, and when.
HIDDEN_EXTRA_DETAILS = ("created_by", "last_modified_by", "created_at", "last_modified_at")


def _nothing() -> serializers.SerializerMethodField:
    return serializers.SerializerMethodField(method_name="get_nothing")


class InsightSerializer(serializers.ModelSerializer):
    """PostHog's Insight shape. Results are never computed here: the result-related fields are null or empty."""

    query = serializers.DictField(required=False, allow_null=True)
    # No dashboards exist here: the list reads empty, and naming a dashboard is a 400.
    dashboards = serializers.ListField(child=serializers.IntegerField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=255), required=False)
    created_by = UserBasicSerializer(read_only=True)
    last_modified_by = UserBasicSerializer(read_only=True)
    effective_restriction_level = serializers.SerializerMethodField()
    effective_privilege_level = serializers.SerializerMethodField()
    user_access_level = serializers.SerializerMethodField(help_text="The effective access level the user has")
    timezone = serializers.SerializerMethodField(help_text="The timezone this chart is displayed in.")
    is_sample = serializers.SerializerMethodField()
    dashboard_tiles = serializers.SerializerMethodField()
    _create_in_folder = serializers.CharField(write_only=True, required=False, allow_blank=True)

    # Computed from results in PostHog; no results are computed here.
    last_refresh = _nothing()
    cache_target_age = _nothing()
    next_allowed_client_refresh = _nothing()
    result = _nothing()
    hasMore = _nothing()
    columns = _nothing()
    is_cached = _nothing()
    query_status = _nothing()
    hogql = _nothing()
    types = _nothing()
    alerts = _nothing()
    last_viewed_at = _nothing()

    class Meta:
        model = Insight
        fields = [
            "id",
            "short_id",
            "name",
            "derived_name",
            "query",
            "order",
            "deleted",
            "dashboards",
            "dashboard_tiles",
            "last_refresh",
            "cache_target_age",
            "next_allowed_client_refresh",
            "result",
            "hasMore",
            "columns",
            "created_at",
            "created_by",
            "description",
            "updated_at",
            "tags",
            "favorited",
            "last_modified_at",
            "last_modified_by",
            "is_sample",
            "effective_restriction_level",
            "effective_privilege_level",
            "user_access_level",
            "timezone",
            "is_cached",
            "query_status",
            "hogql",
            "types",
            "_create_in_folder",
            "alerts",
            "last_viewed_at",
        ]
        read_only_fields = ["id", "short_id", "created_at", "updated_at", "last_modified_at"]

    def get_nothing(self, insight: Insight) -> str | None:
        return None

    # Without access control every member may edit every insight (PostHog's defaults); to an anonymous viewer of a
    # share, PostHog presents the insight as one only collaborators edit, and which it may only view.
    @extend_schema_field(serializers.ChoiceField(RESTRICTION_LEVELS))
    def get_effective_restriction_level(self, insight: Insight) -> int:
        return 21 if "user_id" in self.context else 37

    @extend_schema_field(serializers.ChoiceField(PRIVILEGE_LEVELS))
    def get_effective_privilege_level(self, insight: Insight) -> int:
        return 37 if "user_id" in self.context else 21

    def get_user_access_level(self, insight: Insight) -> str | None:
        if "user_id" not in self.context:
            return None  # an anonymous viewer of a share
        if self.context["is_admin"] or insight.created_by_id == self.context["user_id"]:
            return "manager"
        return "editor"

    def get_timezone(self, insight: Insight) -> str:
        return self.context["timezone"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_sample(self, insight: Insight) -> bool:
        return False

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_dashboard_tiles(self, insight: Insight) -> list:
        return []

    def validate_query(self, query: dict | None) -> dict | None:
        validate_storable_json(query, max_depth=MAX_QUERY_DEPTH)
        return query

    def validate_dashboards(self, dashboards: list[int]) -> list[int]:
        if dashboards:
            raise serializers.ValidationError(f"Dashboard {dashboards[0]} does not exist in this project.")
        return dashboards

    def to_representation(self, insight: Insight) -> dict:
        data = super().to_representation(insight)
        if self.context.get("hide_extra_details"):
            for field in HIDDEN_EXTRA_DETAILS:
                data.pop(field)
        return data


# --- Sharing ---


class SharePasswordSerializer(serializers.ModelSerializer):
    created_by_email = serializers.SerializerMethodField()

    class Meta:
        model = SharePassword
        fields = ["id", "created_at", "note", "created_by_email", "is_active"]
        read_only_fields = fields

    def get_created_by_email(self, password: SharePassword) -> str:
        return password.created_by.email if password.created_by else DELETED_USER_EMAIL


class SharePasswordCreateSerializer(serializers.Serializer):
    raw_password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="If not provided, a random password is generated"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_raw_password(self, value: str) -> str:
        if value and len(value) < 8:
            raise serializers.ValidationError("Password must be at least 8 characters long.")
        return value


class SharePasswordCreatedSerializer(serializers.Serializer):
    """The new password, whose raw value is shown this once."""

    id = serializers.IntegerField()
    password = serializers.CharField()
    note = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    created_by_email = serializers.CharField()


class SharingConfigurationSerializer(serializers.ModelSerializer):
    settings = serializers.JSONField(required=False, allow_null=True)
    share_passwords = serializers.SerializerMethodField()

    class Meta:
        model = SharingConfiguration
        fields = ["created_at", "enabled", "access_token", "settings", "password_required", "share_passwords"]
        read_only_fields = ["created_at", "access_token", "share_passwords"]

    @extend_schema_field(SharePasswordSerializer(many=True))
    def get_share_passwords(self, configuration: SharingConfiguration) -> list:
        if configuration.pk is None:
            return []
        active = [password for password in configuration.share_passwords.all() if password.is_active]
        return SharePasswordSerializer(active, many=True).data

    def validate_settings(self, value):
        return clean_settings(value)


def clean_settings(value) -> dict | None:
    """Known keys only, null values dropped; booleans may come as their usual text or 0/1."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise serializers.ValidationError(INVALID_SETTINGS)
    cleaned = {}
    for key in BOOLEAN_SETTINGS:
        if value.get(key) is not None:
            cleaned[key] = _setting_bool(value[key])
    theme = value.get("theme")
    if theme is not None:
        if theme not in THEMES:
            raise serializers.ValidationError(INVALID_SETTINGS)
        cleaned["theme"] = theme
    return cleaned


def _setting_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_TEXT | FALSE_TEXT:
        return value.strip().lower() in TRUE_TEXT
    raise serializers.ValidationError(INVALID_SETTINGS)
