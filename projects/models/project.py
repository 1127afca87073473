import uuid

from django.db import connection, models

from posthog_api.models import generate_random_token

DEFAULT_PROJECT_NAME = "Default project"


def generate_project_token() -> str:
    return f"phc_{generate_random_token(32)}"


def next_team_id() -> int:
    """Project and its first team share one id taken from the team sequence (PostHog's `create_with_team`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('projects_team', 'id'))")
        return cursor.fetchone()[0]


class Project(models.Model):
    id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey("organizations.Organization", models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200, default=DEFAULT_PROJECT_NAME)
    product_description = models.TextField(max_length=1000, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)
    is_pending_deletion = models.BooleanField(null=True, blank=True, default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """An environment of a project (PostHog's Team)."""

    organization = models.ForeignKey("organizations.Organization", models.CASCADE, related_name="teams")
    project = models.ForeignKey(Project, models.CASCADE, related_name="teams")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, default=DEFAULT_PROJECT_NAME)
    api_token = models.CharField(max_length=200, unique=True, default=generate_project_token)
    secret_api_token = models.CharField(max_length=200, unique=True, null=True, blank=True)
    secret_api_token_backup = models.CharField(max_length=200, unique=True, null=True, blank=True)
    timezone = models.CharField(max_length=240, default="UTC")
    is_demo = models.BooleanField(default=False)
    ingested_event = models.BooleanField(default=False)
    completed_snippet_onboarding = models.BooleanField(default=False)
    has_completed_onboarding_for = models.JSONField(null=True, blank=True)
    access_control = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
