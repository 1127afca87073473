"""Reading table files from S3-compatible object storage over HTTP, with the standard library only.

Requests are signed with AWS Signature Version 4 when the table has a credential, never follow redirects, and only
reach public addresses (the address is checked after DNS and the connection is pinned to it) unless
WAREHOUSE_ALLOW_PRIVATE_URLS is set. Every failure raises ColumnsError with a friendly message.
"""

import datetime as dt
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings

from warehouse.inference import (
    BAD_URI,
    BUCKET_DENIED,
    EMPTY_FILE,
    MISSING_BUCKET,
    MISSING_FILE,
    NO_ACCESS_KEY,
    NO_COLUMNS,
    READ_DENIED,
    ColumnsError,
)
from warehouse.s3_signing import Keys, signed_headers

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_LIST_PAGES = 10
MAX_FULL_BODY = 64 * 1024 * 1024  # a server that ignores Range: read at most this much
# One page of a listing (S3 sends at most 1,000 keys of at most 1 KiB each); more is not a listing to parse.
MAX_LIST_BODY = 4 * 1024 * 1024
GLOB_CHARACTERS = re.compile(r"[*?{]")
VIRTUAL_HOSTED = re.compile(r"^(?P<bucket>.+?)\.(s3[.-].*amazonaws\.com|storage\.googleapis\.com)$")
ERRORS_ON_READ = {
    "InvalidAccessKeyId": NO_ACCESS_KEY,
    "AccessDenied": READ_DENIED,
    "SignatureDoesNotMatch": READ_DENIED,
    "NoSuchKey": MISSING_FILE,
    "NoSuchBucket": MISSING_BUCKET,
}
ERRORS_ON_LIST = {**ERRORS_ON_READ, "AccessDenied": BUCKET_DENIED, "SignatureDoesNotMatch": BUCKET_DENIED}
ERRORS_BY_STATUS = {403: READ_DENIED, 404: MISSING_FILE}

# Messages for url_pattern (newest PostHog), checked on create and on change.
NOT_HTTPS = "URL pattern must use https."
NO_HOSTNAME = "URL pattern must include a valid hostname."
HOST_NOT_ALLOWED = "URL pattern hostname is not allowed."
INTERNAL_HOST = "URL pattern hostname must not resolve to internal IP ranges."
OWN_BUCKET = "Cant use this bucket"


def _private_allowed() -> bool:
    return settings.WAREHOUSE_ALLOW_PRIVATE_URLS


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _host_and_port(parts) -> tuple:
    """Where a URL connects to, however its host is spelled (case, user info, explicit default port)."""
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.hostname, port or {"http": 80, "https": 443}.get(parts.scheme)


def _on_upload_host(parts) -> bool:
    return bool(parts.hostname) and _host_and_port(parts) == _host_and_port(urlsplit(settings.WAREHOUSE_UPLOAD_URL))


def is_upload_url(url: str) -> bool:
    """Whether `url` points at the host uploads are named under (which serves nothing: uploads live in PostgreSQL)."""
    try:
        return _on_upload_host(urlsplit(url))
    except ValueError:
        return False


def url_pattern_error(url: str) -> str | None:
    """Why a table may not read `url`, or None. A host that does not resolve now is let through: reading it fails
    later with a clear message, and the address is checked again before every connection."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return NO_HOSTNAME
    if _on_upload_host(parts):
        return OWN_BUCKET
    if parts.scheme != "https" and not (_private_allowed() and parts.scheme == "http"):
        return NOT_HTTPS
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return NO_HOSTNAME
    if not host:
        return NO_HOSTNAME
    if _private_allowed():
        return None
    if f".{host.rstrip('.')}".endswith(".localhost"):
        return HOST_NOT_ALLOWED
    try:
        addresses = _addresses(host, port or 443)
    except (OSError, UnicodeError):
        return None
    if any(_is_internal(address) for address in addresses):
        return INTERNAL_HOST
    return None


# --- Connections pinned to a checked address ---


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _parts(url: str):
    try:
        return urlsplit(url)
    except ValueError:
        raise ColumnsError(BAD_URI) from None


def _request(url: str, keys: Keys | None, limit: int, range_header: str | None = None) -> _Answer:
    parts = _parts(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ColumnsError(BAD_URI)
    https = parts.scheme == "https"
    try:
        port = parts.port or (443 if https else 80)
    except ValueError:  # out of range
        raise ColumnsError(BAD_URI) from None
    host_header = parts.netloc.rsplit("@", 1)[-1]
    try:
        addresses = _addresses(parts.hostname, port)
    except (OSError, UnicodeError) as error:
        logger.info("warehouse: cannot resolve %s: %s", parts.hostname, error)
        raise ColumnsError(NO_COLUMNS) from None
    if not _private_allowed() and any(_is_internal(address) for address in addresses):
        raise ColumnsError(NO_COLUMNS)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, addresses[0], timeout=TIMEOUT_SECONDS)
    headers = signed_headers(host_header, parts.path or "/", parts.query, keys, dt.datetime.now(dt.UTC))
    if range_header:
        headers["Range"] = range_header
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read(limit + 1)
        return _Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    except (OSError, http.client.HTTPException) as error:
        logger.info("warehouse: reading %s failed: %s", url, error)
        raise ColumnsError(NO_COLUMNS) from None
    finally:
        connection.close()


def _error_message(answer: _Answer, by_code: dict[str, str]) -> str:
    code = None
    try:
        code = ET.fromstring(answer.body).findtext("Code") if answer.body.lstrip().startswith(b"<") else None
    except ET.ParseError:
        pass
    if code in by_code:
        return by_code[code]
    return ERRORS_BY_STATUS.get(answer.status, NO_COLUMNS)


# --- Objects and globs ---


@dataclass(frozen=True)
class Location:
    root: str  # scheme://host[/bucket]: where keys are listed
    key: str


def _location(url: str) -> Location:
    parts = _parts(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = unquote(parts.path).lstrip("/")
    if VIRTUAL_HOSTED.match(parts.hostname or ""):
        bucket_path, key = "", path
    else:
        bucket, _, key = path.partition("/")
        bucket_path = f"/{bucket}" if bucket else ""
    if not key or (not bucket_path and not VIRTUAL_HOSTED.match(parts.hostname or "")):
        raise ColumnsError(BAD_URI)
    return Location(base + bucket_path, key)


def _object_url(location: Location, key: str) -> str:
    return f"{location.root}/{quote(key, safe='/-_.~')}"


def _glob_regex(pattern: str) -> re.Pattern:
    """ClickHouse's globs: `*` and `?` within a path segment, `**` across segments, `{a,b}` alternatives."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(re.escape(option) for option in pattern[i + 1 : end].split(",")) + ")")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _list_keys(location: Location, prefix: str, keys: Keys | None) -> list[str]:
    found, token = [], None
    for _ in range(MAX_LIST_PAGES):
        query = {"list-type": "2", "prefix": prefix, **({"continuation-token": token} if token else {})}
        query_string = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
        answer = _request(f"{location.root}/?{query_string}", keys, MAX_LIST_BODY)
        if answer.status != 200:
            raise ColumnsError(_error_message(answer, ERRORS_ON_LIST))
        if len(answer.body) > MAX_LIST_BODY:
            raise ColumnsError(NO_COLUMNS)
        try:
            document = ET.fromstring(answer.body)
        except ET.ParseError:
            raise ColumnsError(NO_COLUMNS) from None
        for element in document.iter():
            if element.tag.rsplit("}", 1)[-1] == "Key" and element.text:
                found.append(element.text)
        token = next(
            (e.text for e in document.iter() if e.tag.rsplit("}", 1)[-1] == "NextContinuationToken" and e.text),
            None,
        )
        if token is None:
            break
    return found


def resolve_object(url: str, keys: Keys | None) -> str:
    """The URL of the one object `url` names: itself, or the first key its glob matches."""
    location = _location(url)
    match = GLOB_CHARACTERS.search(location.key)
    if match is None:
        return _object_url(location, location.key)
    pattern = _glob_regex(location.key)
    candidates = sorted(key for key in _list_keys(location, location.key[: match.start()], keys) if pattern.match(key))
    if not candidates:
        raise ColumnsError(MISSING_FILE)
    return _object_url(location, candidates[0])


# --- Reading ---


def _total_size(answer: _Answer) -> int | None:
    content_range = answer.headers.get("content-range", "")
    total = content_range.rsplit("/", 1)[-1]
    # NOTE: headers are decoded as latin-1, where `isdigit()` also accepts "²"; 18 digits stay far below bigint.
    return int(total) if total.isascii() and total.isdigit() and len(total) <= 18 else None


def read_head(url: str, keys: Keys | None, size: int) -> tuple[bytes, bool]:
    """The first `size` bytes of the object, and whether the object is longer."""
    answer = _request(url, keys, size, f"bytes=0-{size - 1}")
    if answer.status == 416:
        raise ColumnsError(EMPTY_FILE)
    if answer.status not in (200, 206):
        raise ColumnsError(_error_message(answer, ERRORS_ON_READ))
    total = _total_size(answer)
    truncated = len(answer.body) > size or (total is not None and total > size)
    return answer.body[:size], truncated


def read_tail(url: str, keys: Keys | None, size: int) -> tuple[bytes, int]:
    """The last `size` bytes of the object (all of it if shorter), and its length."""
    answer = _request(url, keys, MAX_FULL_BODY, f"bytes=-{size}")
    if answer.status == 416:
        raise ColumnsError(EMPTY_FILE)
    if answer.status not in (200, 206):
        raise ColumnsError(_error_message(answer, ERRORS_ON_READ))
    if answer.status == 200:
        if len(answer.body) > MAX_FULL_BODY:
            raise ColumnsError(NO_COLUMNS)
        return answer.body[-size:], len(answer.body)
    return answer.body, _total_size(answer) or len(answer.body)
