"""Nested shapes shared across apps: UserBasic, TeamBasic and ProjectBasic."""

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.choices import TIMEZONES
from projects.models import Project, Team


@extend_schema_field(OpenApiTypes.INT64)
class Int64Field(serializers.IntegerField):
    """An integer PostHog's schema types as int64 (ids from bigint sequences)."""


class UserBasicSerializer(serializers.ModelSerializer):
    hedgehog_config = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "uuid",
            "distinct_id",
            "first_name",
            "last_name",
            "email",
            "is_email_verified",
            "hedgehog_config",
            "role_at_organization",
        ]
        read_only_fields = fields


class TeamBasicSerializer(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = Int64Field(read_only=True)
    timezone = serializers.ChoiceField(choices=TIMEZONES, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "uuid",
            "organization",
            "project_id",
            "api_token",
            "name",
            "completed_snippet_onboarding",
            "has_completed_onboarding_for",
            "ingested_event",
            "is_demo",
            "timezone",
            "access_control",
        ]
        read_only_fields = fields


class ProjectBasicSerializer(serializers.ModelSerializer):
    organization_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "organization_id", "name"]
        read_only_fields = fields
