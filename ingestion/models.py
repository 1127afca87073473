from django.db import models
from django.db.models.functions import Now


class QueuedEvent(models.Model):
    """A captured event waiting for the ingestion worker (table ingestion_queue).

    `payload` is the event as capture normalised it: event, distinct_id, uuid, properties (with $set/$set_once moved
    in), the skew-corrected timestamp, and capture's own `now`.
    """

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    payload = models.JSONField()
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
