"""Credentials encrypted at rest with the standard library only: HMAC-SHA256 in counter mode as the key stream,
then HMAC-SHA256 over nonce and ciphertext (encrypt-then-MAC). Both keys derive from SECRET_KEY.

NOTE: PostHog stores these with Fernet; the project has no `cryptography` dependency, and this construction needs
none. A value that does not authenticate (tampered, or SECRET_KEY changed) reads back as None.
"""

import base64
import hashlib
import hmac
import os

from django.conf import settings

PREFIX = "v1$"
NONCE_BYTES = 16
TAG_BYTES = 32


def _key(purpose: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"warehouse-credential:" + purpose, hashlib.sha256).digest()


def _keystream(nonce: bytes, length: int) -> bytes:
    key = _key(b"encrypt")
    blocks = (length + 31) // 32
    stream = b"".join(hmac.new(key, nonce + i.to_bytes(8, "big"), hashlib.sha256).digest() for i in range(blocks))
    return stream[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def encrypt(plaintext: str) -> str:
    data = plaintext.encode()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = _xor(data, _keystream(nonce, len(data)))
    tag = hmac.new(_key(b"authenticate"), nonce + ciphertext, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(nonce + ciphertext + tag).decode()


def decrypt(token: str) -> str | None:
    if not token.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :])
    except ValueError:
        return None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    nonce, ciphertext, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    expected = hmac.new(_key(b"authenticate"), nonce + ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        return None
    return _xor(ciphertext, _keystream(nonce, len(ciphertext))).decode(errors="replace")
