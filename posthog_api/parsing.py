"""Lenient parsing of identifiers taken from URLs and bodies: a bad value means "no such object", not an error."""

import uuid


def uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
