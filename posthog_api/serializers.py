"""Nested shapes shared across apps: UserBasic, TeamBasic and ProjectBasic.

The serializers declare the shapes (schema, input, every nested use). For hot read paths, `user_basic`,
`team_basic` and `project_basic` build the same dicts directly, where DRF would construct and run one field object
per attribute; tests/posthog_api/test_serializers.py holds each function to its serializer's DRF output.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.choices import TIMEZONES
from projects.models import Project, Team

_datetime_field = serializers.DateTimeField(read_only=True)


def iso_datetime(value) -> str | None:
    """A datetime as DRF's DateTimeField renders it (ISO 8601 in the current time zone, `Z` for UTC); aware
    datetimes directly, the rest (naive, strings) through the field."""
    if value is None:
        return None
    if value.__class__ is not datetime.datetime or value.tzinfo is None:
        return _datetime_field.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def str_or_none(value) -> str | None:
    return None if value is None else str(value)


class PlainRepresentation:
    """Output through `plain_representation`, a function that builds the dict the declared fields would.

    Only for the class that names the function: a subclass that changes the fields (RoleOrganizationMember drops
    `last_login`, ProjectBackwardCompatBasic renames) gets DRF's field machinery unless it names its own.
    """

    plain_representation: staticmethod

    def to_representation(self, instance) -> dict:
        function = type(self).__dict__.get("plain_representation")
        if function is None:
            return super().to_representation(instance)
        return function(instance)


@extend_schema_field(OpenApiTypes.INT64)
class Int64Field(serializers.IntegerField):
    """An integer PostHog's schema types as int64 (ids from bigint sequences)."""


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's field, refusing what is no integer or string id before the lookup: DRF would look up `true` and `1.5`
    as 1, and crash on `1e999` (OverflowError) or a deeply nested list (RecursionError)."""

    def to_internal_value(self, data):
        if isinstance(data, bool | float | list | dict):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


# The columns `user_basic` reads, for `.only()` (a user row also holds JSON settings nobody reads here).
USER_BASIC_COLUMNS = (
    "id",
    "uuid",
    "distinct_id",
    "first_name",
    "last_name",
    "email",
    "is_email_verified",
    "hedgehog_config",
    "role_at_organization",
)


def user_basic(user) -> dict:
    return {
        "id": user.id,
        "uuid": str(user.uuid),
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
        "hedgehog_config": user.hedgehog_config,
        "role_at_organization": user.role_at_organization,
    }


class UserBasicSerializer(PlainRepresentation, serializers.ModelSerializer):
    hedgehog_config = serializers.JSONField(read_only=True, allow_null=True)
    plain_representation = staticmethod(user_basic)

    class Meta:
        model = get_user_model()
        fields = list(USER_BASIC_COLUMNS)
        read_only_fields = fields


# The columns `team_basic` reads, for `.only()`: a Team row has ~85 columns, several of them large JSON documents.
TEAM_BASIC_COLUMNS = (
    "id",
    "uuid",
    "organization_id",
    "project_id",
    "api_token",
    "name",
    "completed_snippet_onboarding",
    "has_completed_onboarding_for",
    "ingested_event",
    "is_demo",
    "timezone",
    "access_control",
)


def team_basic(team) -> dict:
    return {
        "id": team.id,
        "uuid": str(team.uuid),
        "organization": str(team.organization_id),
        "project_id": team.project_id,
        "api_token": team.api_token,
        "name": team.name,
        "completed_snippet_onboarding": team.completed_snippet_onboarding,
        "has_completed_onboarding_for": team.has_completed_onboarding_for,
        "ingested_event": team.ingested_event,
        "is_demo": team.is_demo,
        "timezone": team.timezone,
        "access_control": team.access_control,
    }


class TeamBasicSerializer(PlainRepresentation, serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = Int64Field(read_only=True)
    timezone = serializers.ChoiceField(choices=TIMEZONES, read_only=True)
    plain_representation = staticmethod(team_basic)

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


def project_basic(project) -> dict:
    return {"id": project.id, "organization_id": str(project.organization_id), "name": project.name}


class ProjectBasicSerializer(PlainRepresentation, serializers.ModelSerializer):
    organization_id = serializers.UUIDField(read_only=True)
    plain_representation = staticmethod(project_basic)

    class Meta:
        model = Project
        fields = ["id", "organization_id", "name"]
        read_only_fields = fields
