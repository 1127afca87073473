import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

import pytest

from posthog_api.testing import key_client, make_key


@dataclass
class Bucket:
    """What the local object store serves: objects by path (`/bucket/key`), S3 errors by path, and the requests."""

    objects: dict[str, bytes] = field(default_factory=dict)
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    honour_range: bool = True


def _s3_error(code: str) -> bytes:
    return f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message></Error>".encode()


class ObjectStoreHandler(BaseHTTPRequestHandler):
    bucket: Bucket

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self.bucket.requests.append({"path": path, "query": parts.query, "headers": dict(self.headers)})
        if path in self.bucket.errors or path.rstrip("/") in self.bucket.errors:
            status, code = self.bucket.errors.get(path) or self.bucket.errors[path.rstrip("/")]
            return self._send(status, _s3_error(code))
        query = parse_qs(parts.query)
        if query.get("list-type") == ["2"]:
            return self._list(path.rstrip("/"), query.get("prefix", [""])[0])
        if path not in self.bucket.objects:
            return self._send(404, _s3_error("NoSuchKey"))
        self._send_object(self.bucket.objects[path])

    def _list(self, bucket_path: str, prefix: str):
        keys = sorted(
            path[len(bucket_path) + 1 :] for path in self.bucket.objects if path.startswith(f"{bucket_path}/{prefix}")
        )
        contents = "".join(f"<Contents><Key>{escape(key)}</Key></Contents>" for key in keys)
        body = f'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{contents}</ListBucketResult>'
        self._send(200, body.encode())

    def _send_object(self, data: bytes):
        requested = self.headers.get("Range", "")
        if not (self.bucket.honour_range and requested.startswith("bytes=")):
            return self._send(200, data)
        if not data:
            return self._send(416, b"")
        start, _, end = requested[len("bytes=") :].partition("-")
        if start == "":
            first, last = max(0, len(data) - int(end)), len(data) - 1
        else:
            first, last = int(start), min(int(end), len(data) - 1) if end else len(data) - 1
        self._send(206, data[first : last + 1], {"Content-Range": f"bytes {first}-{last}/{len(data)}"})

    def _send(self, status: int, body: bytes, headers: dict | None = None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def bucket():
    return Bucket()


@pytest.fixture
def object_store(bucket, settings):
    """A local S3-like server (plain http on 127.0.0.1, so private URLs are allowed); yields its base URL."""
    settings.WAREHOUSE_ALLOW_PRIVATE_URLS = True
    handler = type("Handler", (ObjectStoreHandler,), {"bucket": bucket})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def upload_url(settings):
    """The prefix uploads are named under (they are stored in PostgreSQL)."""
    settings.WAREHOUSE_UPLOAD_URL = "https://uploads.example.com/bucket"
    return settings.WAREHOUSE_UPLOAD_URL


@pytest.fixture
def write_client(user, organization):
    return key_client(make_key(user, ["warehouse_table:write"]))


@pytest.fixture
def read_client(user, organization):
    return key_client(make_key(user, ["warehouse_table:read"]))
