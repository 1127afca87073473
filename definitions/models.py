import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone


class PropertyType(models.TextChoices):
    DATETIME = "DateTime", "DateTime"
    STRING = "String", "String"
    NUMERIC = "Numeric", "Numeric"
    BOOLEAN = "Boolean", "Boolean"
    DURATION = "Duration", "Duration"


class PropertyDefinition(models.Model):
    """A property key seen on events, persons, groups or sessions, with its detected type."""

    class Type(models.IntegerChoices):
        EVENT = 1, "event"
        PERSON = 2, "person"
        GROUP = 3, "group"
        SESSION = 4, "session"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+", null=True)
    name = models.CharField(max_length=400)
    type = models.SmallIntegerField(choices=Type.choices, default=Type.EVENT)
    group_type_index = models.SmallIntegerField(null=True, blank=True)
    is_numerical = models.BooleanField(default=False)
    property_type = models.CharField(max_length=50, choices=PropertyType.choices, null=True, blank=True)
    property_type_format = models.CharField(max_length=50, null=True, blank=True)
    volume_30_day = models.IntegerField(null=True, blank=True)
    query_usage_30_day = models.IntegerField(null=True, blank=True)
    # The enterprise taxonomy fields PostHog shows on the same resource.
    description = models.TextField(blank=True, default="")
    tags = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    hidden = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # NOTE: ingestion upserts against this exact expression (ON CONFLICT (team_id, name, type, COALESCE(...))).
            models.UniqueConstraint(
                "team", "name", "type", Coalesce("group_type_index", -1), name="unique_property_definition"
            ),
            models.CheckConstraint(
                condition=models.Q(type=3, group_type_index__isnull=False)
                | (~models.Q(type=3) & models.Q(group_type_index__isnull=True)),
                name="group_type_index_set_only_for_group_type",
            ),
        ]
        indexes = [models.Index(fields=["team", "type", "name"], name="propdef_team_type_name_idx")]

    def __str__(self) -> str:
        return self.name


class EventDefinition(models.Model):
    """An event name seen in an environment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+", null=True)
    name = models.CharField(max_length=400)
    created_at = models.DateTimeField(default=timezone.now, null=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    volume_30_day = models.IntegerField(null=True, blank=True)
    query_usage_30_day = models.IntegerField(null=True, blank=True)
    description = models.TextField(blank=True, default="")
    tags = ArrayField(models.CharField(max_length=255), default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_event_definition_per_team")]

    def __str__(self) -> str:
        return self.name


class EventProperty(models.Model):
    """That `property` was seen on `event` (feeds `event_names` and `seen_together` of property definitions)."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+", null=True)
    event = models.CharField(max_length=400)
    property = models.CharField(max_length=400)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "event", "property"], name="unique_event_property_per_team"),
        ]
        indexes = [models.Index(fields=["team", "property"], name="event_property_team_prop_idx")]
