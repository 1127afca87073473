"""Credentials encrypted at rest with Fernet (as PostHog stores them), under a key derived from SECRET_KEY.

A value that does not decrypt (tampered, or SECRET_KEY changed) reads back as None.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), b"warehouse-credential", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        return None
