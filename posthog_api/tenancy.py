"""Resolving the organization, project and environment named in a URL, and the caller's membership in them.

Models are looked up through the app registry so that the framework layer imports no feature app.
"""

import uuid
from functools import cache

from django.apps import apps
from django.db import connection
from rest_framework.exceptions import AuthenticationFailed, NotFound

from posthog_api.rows import Columns, column, table

CURRENT = "@current"


def organization_model():
    return apps.get_model("organizations", "Organization")


def membership_model():
    return apps.get_model("organizations", "OrganizationMembership")


def team_model():
    return apps.get_model("projects", "Team")


def project_model():
    return apps.get_model("projects", "Project")


def _require_user(request):
    if not request.user or not request.user.is_authenticated:
        raise AuthenticationFailed()
    return request.user


def current_organization_id(user) -> uuid.UUID | None:
    """The user's current organization, falling back to (and saving) the first one they belong to."""
    if user.current_organization_id is not None:
        return user.current_organization_id
    first = membership_model().objects.filter(user=user).order_by("joined_at").values_list("organization_id", flat=True)
    org_id = first.first()
    if org_id is not None:
        type(user).objects.filter(pk=user.pk).update(current_organization_id=org_id)
        user.current_organization_id = org_id
    return org_id


def current_team_id(user) -> int | None:
    """The user's current environment, falling back to (and saving) the first of their current organization."""
    if user.current_team_id is not None:
        return user.current_team_id
    org_id = current_organization_id(user)
    team_id = team_model().objects.filter(organization_id=org_id).values_list("id", flat=True).first()
    if team_id is not None:
        type(user).objects.filter(pk=user.pk).update(current_team_id=team_id)
        user.current_team_id = team_id
    return team_id


@cache
def _organization_statement() -> tuple[str, Columns, Columns]:
    """The organization by primary key with the caller's membership LEFT JOINed (one at most: unique per user)."""
    organization, membership = organization_model(), membership_model()
    organizations, memberships = Columns(organization), Columns(membership)
    sql = (
        f"SELECT {organizations.select('o')}, {memberships.select('m')} FROM {table(organization)} o"
        f" LEFT JOIN {table(membership)} m ON m.{column(membership, 'organization')} = o.{column(organization, 'id')}"
        f" AND m.{column(membership, 'user')} = %s"
        f" WHERE o.{column(organization, 'id')} = %s"
    )
    return sql, organizations, memberships


def resolve_organization(request, value: str):
    """The organization in the URL. The same query brings the caller's membership (or its absence), which
    `membership_of` then answers from: one hand-written statement (posthog_api/rows.py) on every
    organization-scoped request."""
    if value == CURRENT:
        org_id = current_organization_id(_require_user(request))
        if org_id is None:
            raise NotFound("Organization not found.")
        value = org_id
    try:
        org_id = uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Organization not found.") from None
    user = request.user
    user_id = user.pk if _is_user(user) else None
    sql, organizations, memberships = _organization_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, org_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Organization not found.")
    organization = organizations.load(row[: len(organizations)])
    membership = None
    if row[len(organizations)] is not None:
        membership = memberships.load(row[len(organizations) :])
        membership.organization = organization
    _membership_cache(request)[organization.pk] = membership
    return organization


def resolve_team_id(request, value: str, *, as_project: bool) -> int:
    """The id in a `team_id` or `project_id` URL segment; `@current` is the caller's current environment or project."""
    if value == CURRENT:
        team_id = current_team_id(_require_user(request))
        if team_id is None:
            raise NotFound("Project not found.")
        if as_project:
            return team_model().objects.values_list("project_id", flat=True).get(pk=team_id)
        return team_id
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Project not found.") from None


@cache
def _team_statement() -> tuple[str, list[Columns]]:
    """The environment with its organization and project (as `select_related`) and the caller's membership LEFT
    JOINed: ~120 columns, whose ORM compilation alone cost ~0.5 ms on every project-scoped request."""
    team, organization, project, membership = team_model(), organization_model(), project_model(), membership_model()
    parts = [Columns(team), Columns(organization), Columns(project), Columns(membership)]
    organization_id = f"t.{column(team, 'organization')}"
    sql = (
        f"SELECT {parts[0].select('t')}, {parts[1].select('o')}, {parts[2].select('p')}, {parts[3].select('m')}"
        f" FROM {table(team)} t"
        f" JOIN {table(organization)} o ON o.{column(organization, 'id')} = {organization_id}"
        f" JOIN {table(project)} p ON p.{column(project, 'id')} = t.{column(team, 'project')}"
        f" LEFT JOIN {table(membership)} m ON m.{column(membership, 'organization')} = {organization_id}"
        f" AND m.{column(membership, 'user')} = %s"
        f" WHERE t.{column(team, 'id')} = %s"
    )
    return sql, parts


def get_team(team_id: int, request=None):
    """The environment with its organization and project. With the request, the caller's membership comes in the
    same statement and `membership_of` answers from it."""
    user_id = request.user.pk if request is not None and _is_user(request.user) else None
    sql, (teams, organizations, projects, memberships) = _team_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, team_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Project not found.")
    values = iter(row)
    team, organization, project = (
        part.load([next(values) for _ in part.fields]) for part in (teams, organizations, projects)
    )
    team.organization, team.project = organization, project
    membership_values = list(values)
    if request is not None:
        membership = memberships.load(membership_values) if membership_values[0] is not None else None
        if membership is not None:
            membership.organization = organization
        _membership_cache(request)[organization.pk] = membership
    return team


def get_project(project_id: int):
    try:
        return project_model().objects.select_related("organization").get(pk=project_id)
    except project_model().DoesNotExist:
        raise NotFound("Project not found.") from None


def _is_user(user) -> bool:
    """A signed-in or key-authenticated person (not anonymous, not a project secret key's ProjectUser)."""
    return bool(user and user.is_authenticated and user.pk is not None)


def _membership_cache(request) -> dict:
    return request.__dict__.setdefault("_memberships", {})


def membership_of(request, organization_id):
    """The caller's membership in an organization, cached per request (`resolve_organization` fills it too)."""
    cache = _membership_cache(request)
    if organization_id not in cache:
        user = request.user
        cache[organization_id] = (
            membership_model().objects.filter(organization_id=organization_id, user=user).first()
            if _is_user(user)
            else None
        )
    return cache[organization_id]
