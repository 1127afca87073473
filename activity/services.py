"""Recording activity: the one function every app calls after it creates, updates or deletes something.

Entries are written in the caller's transaction, so a rolled-back change leaves no entry behind.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping

from django.db import models

from activity.models import ActivityLog

# Never reported as changes, whatever the scope.
ALWAYS_EXCLUDED_FIELDS = frozenset(
    {
        "id",
        "uuid",
        "short_id",
        "created_at",
        "created_by",
        "last_modified_at",
        "last_modified_by",
        "updated_at",
        "updated_by",
        "team",
        "team_id",
    }
)
MASKED = "masked"


def activity_log_record(
    *,
    scope: str,
    activity: str,
    item_id,
    user=None,
    team_id: int | None = None,
    organization_id=None,
    name: str | None = None,
    short_id: str | None = None,
    item_type: str | None = None,
    changes: list[dict] | None = None,
    before: Mapping | None = None,
    after: Mapping | None = None,
    exclude: Iterable[str] = (),
    masked: Iterable[str] = (),
    trigger: dict | None = None,
    context: dict | None = None,
    was_impersonated: bool = False,
) -> ActivityLog | None:
    """Record one activity. Pass `before`/`after` snapshots (see `model_snapshot`) to have field-level `changes`
    computed, or `changes` ready-made. An "updated" activity with no changes is not recorded."""
    if changes is None and before is not None and after is not None:
        changes = changes_between(scope, before, after, exclude=exclude, masked=masked)
    if activity == "updated" and not changes:
        return None
    is_system = user is None
    return ActivityLog.objects.create(
        scope=scope,
        activity=activity,
        item_id=str(item_id),
        user=user,
        is_system=is_system,
        was_impersonated=was_impersonated,
        team_id=team_id,
        organization_id=organization_id,
        detail={
            "name": name,
            "short_id": short_id,
            "type": item_type,
            "changes": changes or None,
            "trigger": trigger,
            "context": context,
        },
    )


def change(scope: str, field: str, before, after, action: str | None = None) -> dict:
    """One entry of `detail.changes`; the action follows from which side is empty unless given."""
    if action is None:
        action = "created" if _is_empty(before) else "deleted" if _is_empty(after) else "changed"
    return {
        "type": scope,
        "action": action,
        "field": field,
        "before": None if action == "created" else before,
        "after": None if action == "deleted" else after,
    }


def changes_between(
    scope: str, before: Mapping, after: Mapping, *, exclude: Iterable[str] = (), masked: Iterable[str] = ()
) -> list[dict]:
    """Field-level differences between two snapshots, in the order of `after`'s keys."""
    excluded = ALWAYS_EXCLUDED_FIELDS | set(exclude)
    masked = set(masked)
    changes = []
    for field in dict.fromkeys([*after, *before]):
        if field in excluded:
            continue
        old, new = before.get(field), after.get(field)
        if (_is_empty(old) and _is_empty(new)) or old == new:
            continue
        item = change(scope, field, old, new)
        if field in masked:
            item["before"] = MASKED if item["before"] is not None else None
            item["after"] = MASKED if item["after"] is not None else None
        changes.append(item)
    return changes


def model_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The concrete field values of `instance` as JSON-safe data (foreign keys as their ids)."""
    wanted = set(fields) if fields is not None else None
    return {
        field.name: json_safe(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if wanted is None or field.name in wanted
    }


def json_safe(value):
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    return value


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple) and len(value) == 0)
