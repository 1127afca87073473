"""AWS Signature Version 4 for the unsigned-payload GETs the warehouse makes (S3 and compatible stores)."""

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AWS_REGION = re.compile(r"(?:^|\.)s3[.-](?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.")


@dataclass(frozen=True)
class Keys:
    access_key: str
    access_secret: str


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _region(host: str) -> str:
    match = AWS_REGION.search(host)
    return match["region"] if match else "us-east-1"


def signed_headers(host: str, path: str, query: str, keys: Keys | None, now: dt.datetime) -> dict[str, str]:
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if keys is None:
        return headers
    names = sorted(headers)
    canonical = "\n".join(
        ["GET", path, query, *(f"{name}:{headers[name]}" for name in names), "", ";".join(names), EMPTY_SHA256]
    )
    scope = f"{amz_date[:8]}/{_region(host)}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + keys.access_secret).encode()
    for part in scope.split("/"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={keys.access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers
