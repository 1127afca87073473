"""JSON for the capture and ingestion hot paths: orjson, with the standard library for what orjson refuses.

orjson refuses `NaN`/`Infinity` and unpaired surrogates (which PostHog's capture tolerates: NaN becomes null, a lone
surrogate becomes U+FFFD), so those bodies take the slow path.
"""

import json
import re

import orjson

_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def loads(data: bytes | str):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        return json.loads(data, parse_constant=lambda _constant: None)


def dumps(value) -> str:
    """Compact JSON text that PostgreSQL's jsonb accepts (no NUL characters, no unpaired surrogates)."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if "\\u0000" in text:
        text = _NUL_ESCAPE.sub(r"\1\\ufffd", text)
    return text
