import hashlib
import uuid

from django.db import models
from django.utils import timezone

# NOTE: PostHog derives a person's UUID from the team and the first distinct id, so re-sending an id after the
# person was deleted recreates the same UUID (persons-groups-ingestion.md §2.2).
PERSON_UUID_NAMESPACE = uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22")
_NAMESPACE_BYTES = PERSON_UUID_NAMESPACE.bytes


def person_uuid_for(team_id: int, distinct_id: str) -> uuid.UUID:
    """uuid.uuid5(PERSON_UUID_NAMESPACE, f"{team_id}:{distinct_id}"), a third faster (ingestion's hot path)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{team_id}:{distinct_id}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return uuid.UUID(bytes=bytes(digest))


class Person(models.Model):
    """A person of an environment: one row, any number of distinct ids (PostHog's posthog_person)."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    properties = models.JSONField(default=dict)
    # key → ISO time of the last write, and key → "set" | "set_once" (kept as PostHog has them)
    properties_last_updated_at = models.JSONField(default=dict)
    properties_last_operation = models.JSONField(default=dict)
    is_identified = models.BooleanField(default=False)
    is_user_id = models.IntegerField(null=True, blank=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "uuid"], name="unique_person_uuid_per_team")]
        indexes = [models.Index(fields=["team", "-created_at", "-id"], name="person_team_created_idx")]

    def __str__(self) -> str:
        return str(self.uuid)


class PersonDistinctId(models.Model):
    """One distinct id of a person; unique per team."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="distinct_id_rows")
    distinct_id = models.CharField(max_length=400)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "distinct_id"], name="unique_distinct_id_per_team"),
        ]

    def __str__(self) -> str:
        return self.distinct_id


class PersonlessDistinctId(models.Model):
    """A distinct id seen on person-less events ($process_person_profile: false) before any person had it."""

    team = models.ForeignKey("projects.Team", models.CASCADE, related_name="+")
    distinct_id = models.CharField(max_length=400)
    is_merged = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "distinct_id"], name="unique_personless_distinct_id_per_team"),
        ]
