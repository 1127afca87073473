"""Validation of Team settings, with PostHog's messages where it has them (each raises a DRF ValidationError)."""

import json
import re

from rest_framework.exceptions import ValidationError

from posthog_api.parsing import int_or_none
from projects.constants import AI_RESOLUTION_CHANNELS, CONVERSATIONS_MANAGED_KEYS, LOGS_RETENTION_DAYS, MODIFIER_KEYS

PROPERTY_FILTER_TYPES = frozenset(
    "event person element session cohort group recording log_entry hogql data_warehouse "
    "data_warehouse_person_property event_metadata feature error_tracking_issue log flag".split()
)
TRIGGER_FILTER_OPERATORS = frozenset(
    {"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "lt"}
)
MAX_WILDCARDS_PER_URL = 5
MAX_ERRORS_TO_IGNORE_LENGTH = 300
MAX_DURATION_MS = 30000


def _object_or_none(value, allowed: tuple[str, ...], message: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("Must provide a dictionary or None.")
    if not set(value) <= set(allowed):
        raise ValidationError(message)
    return value


def linked_flag(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("Must provide a dictionary or None.")
    if set(value) not in ({"id", "key"}, {"id", "key", "variant"}):
        raise ValidationError(
            "Must provide a dictionary with only 'id' and 'key' keys. _or_ only 'id', 'key', and 'variant' keys."
        )
    flag_id = value["id"]
    if isinstance(flag_id, str) and flag_id.strip().lstrip("-").isdigit():
        flag_id = int_or_none(flag_id)  # None for digits int() refuses: '²', or more than 4300 of them
    if isinstance(flag_id, bool) or not isinstance(flag_id, int):
        raise ValidationError("Must provide an integer 'id'.")
    return {**value, "id": flag_id}


def network_payload_capture_config(value):
    return _object_or_none(
        value,
        ("recordHeaders", "recordBody"),
        "Must provide a dictionary with only 'recordHeaders' and/or 'recordBody' keys.",
    )


def masking_config(value):
    value = _object_or_none(
        value,
        ("maskAllInputs", "maskTextSelector", "blockSelector"),
        "Must provide a dictionary with only 'maskAllInputs', 'maskTextSelector' and/or 'blockSelector' keys.",
    )
    if value is not None:
        if "maskAllInputs" in value and not isinstance(value["maskAllInputs"], bool):
            raise ValidationError("maskAllInputs must be a boolean.")
        for key in ("maskTextSelector", "blockSelector"):
            if key in value and not isinstance(value[key], str):
                raise ValidationError(f"{key} must be a string.")
    return value


def session_replay_config(value):
    value = _object_or_none(
        value,
        ("record_canvas", "ai_config"),
        "Must provide a dictionary with only 'record_canvas' or 'ai_config' keys.",
    )
    if value is not None and "ai_config" in value:
        _object_or_none(
            value["ai_config"],
            ("included_event_properties", "opt_in", "preferred_events", "excluded_events", "important_user_properties"),
            "Must provide a dictionary with only 'included_event_properties', 'opt_in', 'preferred_events', "
            "'excluded_events' or 'important_user_properties' keys in 'ai_config'.",
        )
    return value


def errors_to_ignore(value):
    field = "autocapture_exceptions_errors_to_ignore"
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValidationError(f"Must provide a list for field: {field}.")
    if not all(isinstance(item, str) for item in value):
        raise ValidationError(f"Must provide a list of strings to field: {field}.")
    if len(json.dumps(value)) > MAX_ERRORS_TO_IGNORE_LENGTH:
        raise ValidationError(
            f"Field {field} must be less than {MAX_ERRORS_TO_IGNORE_LENGTH} characters. "
            "Complex config should be provided in posthog-js initialization."
        )
    return value


def urls_without_nulls(value, *, check_wildcards: bool):
    if value is None:
        return None
    urls = [url for url in value if url is not None]
    if check_wildcards and any(url.count("*") > MAX_WILDCARDS_PER_URL for url in urls):
        raise ValidationError("Each URL can include up to 5 wildcards. Remove the extra ones from this entry.")
    return urls


def property_filters(value):
    prefix = "Must provide an array of valid property filters."
    if not isinstance(value, list):
        raise ValidationError(f"{prefix} Expected a list.")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str | int):
            raise ValidationError(f"{prefix} Each filter needs a 'key'.")
        if item.get("type", "event") not in PROPERTY_FILTER_TYPES:
            raise ValidationError(f"{prefix} Unknown filter type '{item.get('type')}'.")
        if item.get("operator") not in ("is_set", "is_not_set") and "value" not in item:
            raise ValidationError(f"{prefix} The filter on '{item['key']}' needs a 'value'.")
    return value


def path_cleaning_filters(value):
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValidationError("Must provide a list of path cleaning rules.")
    for rule in value:
        regex = rule.get("regex") if isinstance(rule, dict) else None
        if not isinstance(regex, str) or not regex:
            raise ValidationError("A path cleaning rule needs a regex. Remove the rule or give it one.")
        try:
            groups = re.compile(regex).groups
        except re.error as error:
            raise ValidationError(f"Invalid path cleaning regex '{regex}': {error}") from None
        for reference in re.findall(r"\\(\d+)", str(rule.get("alias") or "")):
            if int(reference) > groups:
                raise ValidationError(
                    f"The alias of path cleaning rule '{regex}' refers to group \\{reference}, which the regex lacks."
                )
    return value


def trigger_groups(value):
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("version") != 2 or not isinstance(value.get("groups"), list):
        raise ValidationError("Must provide an object with 'version': 2 and a 'groups' list.")
    if "fallbackSampleRate" in value and not _is_rate(value["fallbackSampleRate"]):
        raise ValidationError("fallbackSampleRate must be a number between 0 and 1.")
    for group in value["groups"]:
        if not isinstance(group, dict) or "id" not in group or not isinstance(group.get("conditions"), dict):
            raise ValidationError("Each trigger group needs an 'id', a 'sampleRate' and a 'conditions' object.")
        if not _is_rate(group.get("sampleRate")):
            raise ValidationError("sampleRate must be a number between 0 and 1.")
        duration = group.get("minDurationMs")
        if duration is not None and (
            isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= MAX_DURATION_MS
        ):
            raise ValidationError(f"minDurationMs must be an integer between 0 and {MAX_DURATION_MS}.")
        _trigger_conditions(group["conditions"])
    return value


def _trigger_conditions(conditions: dict) -> None:
    if conditions.get("matchType", "any") not in ("any", "all"):
        raise ValidationError("matchType must be 'any' or 'all'.")
    for url in conditions.get("urls") or []:
        if not isinstance(url, dict) or url.get("matching") != "regex" or not isinstance(url.get("url"), str):
            raise ValidationError("Each URL trigger needs a 'url' and 'matching': 'regex'.")
        try:
            re.compile(url["url"])
        except re.error as error:
            raise ValidationError(f"Invalid URL trigger regex '{url['url']}': {error}") from None
    for item in conditions.get("properties") or []:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("key"), str)
            or item.get("type") not in ("event", "person")
            or item.get("operator") not in TRIGGER_FILTER_OPERATORS
            or "value" not in item
        ):
            raise ValidationError("Each property trigger needs a 'key', a 'type', an 'operator' and a 'value'.")


def _is_rate(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 1


def modifiers(value):
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= MODIFIER_KEYS:
        raise ValidationError("Invalid modifier key.")
    seconds = value.get("bounceRateDurationSeconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)):
        raise ValidationError({"bounceRateDurationSeconds": "Must be between 1 and 120 seconds."})
    if seconds is not None and not 1 <= seconds <= 120:
        raise ValidationError({"bounceRateDurationSeconds": "Must be between 1 and 120 seconds."})
    return value


def conversations_settings(value):
    """Drop what integrations manage and clean the lists clients send."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("Must provide a dictionary or None.")
    value = {k: v for k, v in value.items() if k not in CONVERSATIONS_MANAGED_KEYS and not k.startswith("teams_")}
    if isinstance(value.get("widget_domains"), list):
        value["widget_domains"] = urls_without_nulls(value["widget_domains"], check_wildcards=True)
    if isinstance(value.get("slack_channel_ids"), list):
        value["slack_channel_ids"] = list(dict.fromkeys(value["slack_channel_ids"]))[:50]
    icon = value.get("slack_bot_icon_url")
    if icon and not (isinstance(icon, str) and icon.startswith("https://")):
        raise ValidationError({"slack_bot_icon_url": "Must be an https URL."})
    display_name = value.get("slack_bot_display_name")
    if display_name is not None and (
        not isinstance(display_name, str)
        or len(display_name) > 200
        or any(ord(c) < 32 or ord(c) == 127 for c in display_name)
    ):
        raise ValidationError({"slack_bot_display_name": "Must be at most 200 characters, without control characters."})
    channels = value.get("ai_resolution_channels")
    if channels is not None and (not isinstance(channels, list) or not set(channels) <= AI_RESOLUTION_CHANNELS):
        raise ValidationError({"ai_resolution_channels": f"Must be a subset of {sorted(AI_RESOLUTION_CHANNELS)}."})
    return value


def logs_settings(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("Must provide a dictionary or None.")
    if "retention_days" in value and value["retention_days"] not in LOGS_RETENTION_DAYS:
        raise ValidationError(f"retention_days must be one of {list(LOGS_RETENTION_DAYS)}")
    return value
