"""Session authentication and the contract that API-key authenticators fulfil.

Key authenticators live in the apps that own the keys (`api_keys`) and are named in settings. They return
`(user, credential)`, where the credential satisfies `APIKeyCredential`; permissions read scopes only through it.
"""

import hashlib
import re
from typing import Protocol

from rest_framework import authentication
from rest_framework.request import Request

BEARER_PATTERN = re.compile(r"^\s*Bearer\s+(?P<token>\S.*?)\s*$")
OAUTH_ACCESS_TOKEN_PREFIX = "pha_"


class APIKeyCredential(Protocol):
    """What permissions read from `request.auth`. Project credentials also set `is_project_credential` and `team_id`."""

    scopes: list[str] | None
    scoped_teams: list[int] | None
    scoped_organizations: list[str] | None
    mask_value: str | None


def hash_key_value(value: str) -> str:
    """Keys are long random strings, so an unsalted SHA-256 suffices and makes lookup one indexed equality."""
    return f"sha256${hashlib.sha256(value.encode()).hexdigest()}"


def is_api_key_credential(auth: object) -> bool:
    return auth is not None and hasattr(auth, "scopes")


def is_project_credential(auth: object) -> bool:
    """A credential that stands for a project, not a user (a project secret API key)."""
    return is_api_key_credential(auth) and getattr(auth, "is_project_credential", False)


def bearer_token(request: Request) -> str | None:
    match = BEARER_PATTERN.match(request.META.get("HTTP_AUTHORIZATION", ""))
    return match.group("token") if match else None


def find_personal_api_key(request: Request) -> tuple[str, str] | None:
    """The first personal API key candidate and where it was found: header, then body, then query string."""
    token = bearer_token(request)
    if token and not token.startswith(OAUTH_ACCESS_TOKEN_PREFIX):
        return token, "Authorization header"
    data = getattr(request, "data", None)
    if hasattr(data, "get") and isinstance(data.get("personal_api_key"), str):
        return data["personal_api_key"], "body"
    if "personal_api_key" in request.query_params:
        return request.query_params["personal_api_key"], "query string"
    return None


class SessionAuthentication(authentication.SessionAuthentication):
    """Session cookie auth that answers 401 (not DRF's 403) when nothing authenticates."""

    def authenticate_header(self, request: Request) -> str:
        return "Session"
