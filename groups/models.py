from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

MAX_GROUP_TYPES_PER_PROJECT = 5


class GroupTypeMapping(models.Model):
    """A group type of a project (`company`, `team`, ...) and its index 0–4, created on first use by ingestion."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    group_type = models.CharField(max_length=400)
    group_type_index = models.SmallIntegerField()
    name_singular = models.CharField(max_length=400, null=True, blank=True)
    name_plural = models.CharField(max_length=400, null=True, blank=True)
    default_columns = ArrayField(models.TextField(), null=True, blank=True)
    # NOTE: a dashboard id; a plain column until a dashboards app exists.
    detail_dashboard = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "group_type"], name="unique_group_type_per_project"),
            models.UniqueConstraint(fields=["project", "group_type_index"], name="unique_group_type_index_per_project"),
            models.CheckConstraint(
                condition=models.Q(group_type_index__gte=0, group_type_index__lt=MAX_GROUP_TYPES_PER_PROJECT),
                name="group_type_index_between_0_and_4",
            ),
        ]
        indexes = [models.Index(fields=["team", "group_type_index"], name="group_type_team_idx")]

    def __str__(self) -> str:
        return self.group_type


class Group(models.Model):
    """One group (`group_type_index`, `group_key`) of an environment and its properties."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    group_type_index = models.SmallIntegerField()
    group_key = models.CharField(max_length=400)
    group_properties = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    properties_last_updated_at = models.JSONField(default=dict)
    properties_last_operation = models.JSONField(default=dict)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "group_type_index", "group_key"], name="unique_group_key_per_type"),
        ]
        indexes = [
            models.Index(fields=["team", "group_type_index", "-created_at"], name="group_team_type_created_idx"),
        ]

    def __str__(self) -> str:
        return self.group_key
