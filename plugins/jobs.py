"""A triggered job checked against what the plugin declares: `public_jobs` (from plugin.json) and the plugin
server's `capabilities.jobs`. Both are free-form JSON, so anything malformed there is read as declaring nothing."""

from datetime import datetime

from rest_framework import serializers

from plugins.models import Plugin
from posthog_api.validators import validate_storable_json


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


PAYLOAD_TYPES = {
    "string": ("a string", lambda value: isinstance(value, str)),
    "number": ("a number", lambda value: isinstance(value, int | float) and not isinstance(value, bool)),
    "boolean": ("a boolean", lambda value: isinstance(value, bool)),
    "date": ("an ISO 8601 date", _is_date),
    "daterange": (
        "a list of two ISO 8601 dates",
        lambda value: isinstance(value, list) and len(value) == 2 and all(_is_date(item) for item in value),
    ),
}


def validate_job(plugin: Plugin, job, *, is_staff: bool) -> tuple[str, dict, str]:
    """The job's type, payload and operation, checked against the jobs the plugin declares in `public_jobs`."""
    job = job if isinstance(job, dict) else {}
    if "type" not in job:
        raise serializers.ValidationError("The job type must be specified!")
    job_type, payload, operation = job["type"], job.get("payload", {}), job.get("operation", "start")
    public_jobs = plugin.public_jobs if isinstance(plugin.public_jobs, dict) else {}
    declared = public_jobs.keys() | _names((plugin.capabilities or {}).get("jobs"))
    if not isinstance(job_type, str) or job_type not in declared:
        raise serializers.ValidationError(f'Unknown job type "{job_type}" for this plugin.')
    if not isinstance(payload, dict):
        raise serializers.ValidationError("The job payload must be an object.")
    validate_storable_json(payload)
    if not isinstance(operation, str):
        raise serializers.ValidationError("The job operation must be a string.")
    spec = public_jobs.get(job_type) or {}
    fields = spec.get("payload") if isinstance(spec, dict) else None
    for name, field in (fields if isinstance(fields, dict) else {}).items():
        _validate_payload_field(name, field if isinstance(field, dict) else {}, payload.get(name), is_staff=is_staff)
    return job_type, payload, operation


def _validate_payload_field(name: str, field: dict, value, *, is_staff: bool) -> None:
    if value is None:
        if field.get("required"):
            raise serializers.ValidationError(f'The job payload is missing the required field "{name}".')
        return
    if field.get("staff_only") and not is_staff:
        raise serializers.ValidationError(f'Only staff users can set the job payload field "{name}".')
    field_type = field.get("type")
    expected = PAYLOAD_TYPES.get(field_type) if isinstance(field_type, str) else None
    if expected is not None and not expected[1](value):
        raise serializers.ValidationError(f'The job payload field "{name}" must be {expected[0]}.')


def _names(jobs) -> set[str]:
    return {name for name in jobs if isinstance(name, str)} if isinstance(jobs, list) else set()
