"""Abstract model bases shared by every app."""

import secrets

from django.db import models

# base62 without the look-alikes 0 1 O I l, as PostHog's newest token generator uses.
BASE57_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def generate_random_token(nbytes: int = 32) -> str:
    """A random integer of `nbytes` bytes with its top bit set, written in base57 (32 bytes → 44 characters)."""
    number = secrets.randbits(nbytes * 8) | (1 << (nbytes * 8 - 1))
    digits = []
    while number:
        number, rest = divmod(number, 57)
        digits.append(BASE57_ALPHABET[rest])
    return "".join(reversed(digits))


def mask_key_value(value: str) -> str:
    """First 4 and last 4 characters, or `********` for short values (PostHog's mask)."""
    if len(value) < 16:
        return "********"
    return f"{value[:4]}...{value[-4:]}"


class CreatedUpdatedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        abstract = True
