from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper JSON is refused when parsed: storing it (psycopg's JSON dump) and walking it recurse once per level, and
# ~900 levels overflow Python's stack there. No value of this API nests anywhere near this deep.
MAX_DEPTH = 256
TOO_DEEP = "JSON parse error - the body is nested too deeply"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, where nesting deeper than MAX_DEPTH is a parse error (400) instead of a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data


def nested_deeper_than(value, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (iterative: only containers are visited)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                pending.append((child, depth + 1))
    return False
