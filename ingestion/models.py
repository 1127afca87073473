from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class QueuedEvent(models.Model):
    """Captured events waiting for the ingestion worker (table ingestion_queue).

    One row holds up to CHUNK_SIZE events of one request, in order, as text (the layout is in `ingestion.queue`).
    Text rather than jsonb: the database never looks inside.
    """

    CHUNK_SIZE = 500

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    payload = models.TextField()
    event_count = models.IntegerField(default=1)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "ingestion_queue"
        indexes = [models.Index(fields=["team", "id"], name="ingestion_queue_team_id_idx")]


class Event(models.Model):
    """A processed event. The table is range-partitioned by month on `timestamp` (created in SQL, see migrations).

    NOTE: there is no database-level uniqueness on `uuid` (a partitioned table can only enforce keys that include
    the partition column); Django needs a primary key to read rows, so `uuid` plays that role here.
    """

    uuid = models.UUIDField(primary_key=True)
    team = models.ForeignKey("projects.Team", models.DO_NOTHING, related_name="+", db_constraint=False)
    event = models.CharField(max_length=400)
    distinct_id = models.CharField(max_length=400)
    properties = models.JSONField(default=dict)
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField()
    person_id = models.UUIDField(null=True)

    class Meta:
        managed = False
        db_table = "ingestion_event"


class IngestionWarning(models.Model):
    """Something ingestion refused or corrected (PostHog's ingestion warnings: merge refusals, bad timestamps, ...)."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    type = models.CharField(max_length=100)
    source = models.CharField(max_length=100, blank=True, default="")
    details = models.JSONField(default=dict)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "-timestamp"], name="ingestion_warning_team_ts_idx")]
