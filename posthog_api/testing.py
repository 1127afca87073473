"""Builders shared by the test suite: users, organizations with a project, memberships and API keys."""

import itertools

from rest_framework.test import APIClient

from api_keys.services import personal_api_key_create
from organizations.models import Organization, OrganizationMembership
from organizations.services import organization_create
from users.models import User

_sequence = itertools.count(1)


def make_user(email: str | None = None, **fields) -> User:
    return User.objects.create_user(
        email=email or f"user{next(_sequence)}@example.com", password="pw-Secret-123", **fields
    )


def make_organization(owner: User, name: str | None = None) -> Organization:
    """An organization with its first project and environment; `owner` is its owner and now in it."""
    return organization_create(name=name or f"Organization {next(_sequence)}", created_by=owner)


def add_member(organization: Organization, user: User, level: int = OrganizationMembership.Level.MEMBER):
    return OrganizationMembership.objects.create(organization=organization, user=user, level=level)


def make_key(user: User, scopes: list[str] | None = None, **fields) -> str:
    """A personal API key for `user`; returns the raw value."""
    _, value = personal_api_key_create(user=user, label=f"key {next(_sequence)}", scopes=scopes or ["*"], **fields)
    return value


def key_client(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def error(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "code": code, "detail": detail, "attr": attr}


def not_authenticated() -> dict:
    return error("authentication_error", "not_authenticated", "Authentication credentials were not provided.")


def permission_denied(detail: str = "You do not have permission to perform this action.") -> dict:
    return error("authentication_error", "permission_denied", detail)


def not_found(detail: str = "Not found.") -> dict:
    return error("invalid_request", "not_found", detail)
