"""Turning a capture request body into JSON the way PostHog's capture does (persons-groups-ingestion.md §1.2)."""

import base64
import binascii
import zlib
from urllib.parse import parse_qs

from ingestion import fastjson, lzstring

# NOTE: the documented limit for every capture path: 20 MiB as received and 20 MiB once decompressed.
MAX_BODY_BYTES = 20 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
RAW_CONTENT_TYPES = ("", "text/plain", "application/json")


class DecodeError(Exception):
    """The body could not be decoded; `code` and `detail` become the 400 body."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


class BodyTooLarge(Exception):
    pass


def _gunzip(data: bytes, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, MAX_BODY_BYTES + 1)
    except zlib.error as exc:
        raise DecodeError("invalid_payload", f"Malformed request data: Failed to decompress data. {exc}") from None
    if len(out) > MAX_BODY_BYTES or decompressor.unconsumed_tail:
        raise BodyTooLarge()
    return out


def _b64decode(text: str) -> bytes:
    text = text.strip().replace(" ", "+")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _as_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_payload", f"Malformed request data: Invalid JSON: {exc}") from None


def locate_payload(*, method: str, content_type: str, body: bytes, query: dict) -> tuple[bytes | str | None, dict]:
    """The payload and the form fields (for form-encoded bodies) of a request."""
    if method == "GET":
        return query.get("data"), {}
    if content_type in RAW_CONTENT_TYPES or body[:2] == GZIP_MAGIC:
        return body, {}
    if content_type == "application/x-www-form-urlencoded":
        form = {key: values[0] for key, values in parse_qs(body.decode("latin-1"), keep_blank_values=True).items()}
        return form.get("data"), form
    return body, {}


def decode_payload(data: bytes | str | None, compression: str):
    """Decompress and parse one payload; returns the JSON value."""
    if data is None or len(data) == 0:
        raise DecodeError(
            "no_data",
            "No data found. Make sure to use a POST request when sending the payload in the body of the request.",
        )
    compression = (compression or "").lower()
    if data in (b"undefined", "undefined") and compression:
        raise DecodeError(
            "invalid_payload",
            "Malformed request data: data being loaded from the request body for decompression is the literal "
            "string 'undefined'",
        )
    if isinstance(data, bytes) and data[:2] == GZIP_MAGIC:
        # posthog-js sends gzip as text/plain with no header and no query parameter.
        data = _gunzip(data)
    elif compression in ("gzip", "gzip-js"):
        raw = data if isinstance(data, bytes) else data.encode("latin-1")
        data = _gunzip(raw)
    elif compression == "deflate":
        raw = data if isinstance(data, bytes) else data.encode("latin-1")
        data = _gunzip(raw, zlib.MAX_WBITS)
    elif compression == "lz64":
        try:
            text = _as_text(data).strip().replace(" ", "+")
            data = lzstring.decompress_from_base64(text, max_length=MAX_BODY_BYTES)
        except lzstring.LZStringTooLarge:
            raise BodyTooLarge() from None
        except (lzstring.LZStringError, IndexError) as exc:
            raise DecodeError("invalid_payload", f"Malformed request data: Failed to decompress data. {exc}") from None
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if raw.lstrip()[:1] not in (b"{", b"[", b""):
        try:
            decoded = _b64decode(raw.decode("ascii")).strip()
        except (binascii.Error, ValueError):
            decoded = b""
        # Only a base64 text that decodes to JSON is base64 (old posthog-js `data=` bodies).
        if decoded[:1] in (b"{", b"["):
            raw = decoded
    try:
        return fastjson.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DecodeError("invalid_payload", f"Malformed request data: Invalid JSON: {exc}") from None
