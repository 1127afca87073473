"""Checks on free-form JSON from a request, for what PostgreSQL's jsonb and text columns would refuse at write time."""

import math

from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

NULL_CHARACTERS = "Null characters are not allowed."  # DRF's text fields say the same
NOT_FINITE = "Numbers must be finite."
TOO_DEEP = "The value is nested too deeply."

_no_surrogates = ProhibitSurrogateCharactersValidator()


def is_storable_text(value: str) -> bool:
    """Whether PostgreSQL can take `value` as text at all (as a column value or a query parameter): no NUL character,
    no lone surrogate. Text from a URL, header or body that fails this matches no stored value."""
    return "\x00" not in value and (value.isascii() or not _has_surrogate(value))


def _has_surrogate(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return True
    return False


def validate_storable_json(value, *, max_depth: int | None = None) -> None:
    """No NUL character or lone surrogate in any key or string, finite numbers only, and with `max_depth` no deeper
    nesting (for values that recursive code walks later). Iterative: the JSON parser accepts nesting deeper than a
    recursive walk could follow."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if max_depth is not None and depth >= max_depth:
                raise serializers.ValidationError(TOO_DEEP)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            if "\x00" in item:
                raise serializers.ValidationError(NULL_CHARACTERS, code="null_characters_not_allowed")
            _no_surrogates(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise serializers.ValidationError(NOT_FINITE)
