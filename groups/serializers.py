from rest_framework import serializers

from groups.models import Group, GroupTypeMapping

GROUP_KEY_MAX_LENGTH = 400
QUERY_REQUIRED = {"required": "This query parameter is required."}


class GroupSerializer(serializers.ModelSerializer):
    group_properties = serializers.JSONField(required=False)

    class Meta:
        model = Group
        fields = ["group_type_index", "group_key", "group_properties", "created_at"]
        read_only_fields = ["created_at"]


class CreateGroupSerializer(serializers.Serializer):
    group_type_index = serializers.IntegerField()
    group_key = serializers.CharField(max_length=GROUP_KEY_MAX_LENGTH)
    group_properties = serializers.JSONField(required=False, allow_null=True)

    def validate_group_properties(self, value):
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Group properties must be an object.")
        return value


class GroupQuerySerializer(serializers.Serializer):
    """`?group_type_index=&group_key=` of the actions that address one group."""

    group_type_index = serializers.IntegerField(error_messages=QUERY_REQUIRED)
    group_key = serializers.CharField(error_messages=QUERY_REQUIRED)


class GroupPropertyUpdateSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=400)
    value = serializers.JSONField()


class GroupPropertyValuesQuerySerializer(serializers.Serializer):
    group_type_index = serializers.IntegerField(error_messages=QUERY_REQUIRED)
    key = serializers.CharField(error_messages=QUERY_REQUIRED)
    value = serializers.CharField(required=False, allow_blank=True)


class RelatedQuerySerializer(serializers.Serializer):
    group_type_index = serializers.IntegerField(required=False, allow_null=True)
    id = serializers.CharField(error_messages=QUERY_REQUIRED)


class GroupTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupTypeMapping
        fields = [
            "group_type",
            "group_type_index",
            "name_singular",
            "name_plural",
            "detail_dashboard",
            "default_columns",
            "created_at",
        ]
        read_only_fields = ["group_type", "group_type_index", "created_at"]
