"""Checks on free-form JSON that the database or the secret masking would otherwise trip over."""

from rest_framework import serializers

from posthog_api.validators import validate_storable_json

ATTACHMENT_TEXT_MAX_LENGTH = 200  # PluginAttachment's key, file_name and content_type


def validate_config_schema(value) -> None:
    """A list of field objects (a `key`, when given, is a string: secret masking matches it against config keys),
    or an object keyed by field key."""
    if isinstance(value, dict):
        return
    if not isinstance(value, list):
        raise serializers.ValidationError("Must be a list of config fields or an object keyed by field key.")
    for field in value:
        if not isinstance(field, dict):
            raise serializers.ValidationError("Each config field must be an object.")
        if "key" in field and not isinstance(field["key"], str):
            raise serializers.ValidationError("A config field's `key` must be a string.")


def validate_attachment(key: str, upload) -> None:
    """An uploaded `add_attachment[<key>]` file fits PluginAttachment's 200-character text columns."""
    texts = [key, upload.name or "", upload.content_type or ""]
    if max(len(text) for text in texts) > ATTACHMENT_TEXT_MAX_LENGTH:
        raise serializers.ValidationError(
            f"An attachment's key, file name and content type are at most {ATTACHMENT_TEXT_MAX_LENGTH} characters."
        )
    validate_storable_json(texts)
