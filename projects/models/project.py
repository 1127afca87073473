from django.db import connection, models

from posthog_api.models import generate_random_token

DEFAULT_PROJECT_NAME = "Default project"


def generate_project_token() -> str:
    """`phc_` and 44 base57 characters."""
    return f"phc_{generate_random_token(32)}"


def generate_secret_token() -> str:
    """`phs_` and 48 (rarely 49) base57 characters."""
    return f"phs_{generate_random_token(35)}"


def next_team_id() -> int:
    """Project and its first team share one id taken from the team sequence (PostHog's `create_with_team`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('projects_team', 'id'))")
        return cursor.fetchone()[0]


class Project(models.Model):
    """A project. Its settings live on its passthrough environment: the Team whose id equals the project's."""

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
