import random
import string

from django.apps import apps
from django.db import transaction
from django.utils.text import slugify

from organizations.models import Organization, OrganizationMembership

SLUG_MAX_LENGTH = 48
SLUG_ATTEMPTS = 10


def organization_slug(name: str) -> str:
    """`slugify(name)`, and on a clash the first 43 characters plus `-` and 4 random letters."""
    base = slugify(name)[:SLUG_MAX_LENGTH].lower() or "organization"
    candidate = base
    for _ in range(SLUG_ATTEMPTS):
        if not Organization.objects.filter(slug=candidate).exists():
            return candidate
        suffix = "".join(random.choices(string.ascii_letters, k=4))
        candidate = f"{base[:43]}-{suffix}".lower()
    raise RuntimeError("Could not find a free organization slug")


@transaction.atomic
def organization_create(*, name: str, created_by, **fields) -> Organization:
    """An organization with its first project and environment, the creator as owner and now in it."""
    # NOTE: imported here because projects depends on organizations, not the other way round.
    from projects.services import project_create

    organization = Organization.objects.create(name=name, slug=organization_slug(name), **fields)
    _, team = project_create(organization=organization, created_by=created_by)
    OrganizationMembership.objects.create(
        organization=organization, user=created_by, level=OrganizationMembership.Level.OWNER
    )
    created_by.current_organization = organization
    created_by.current_team = team
    created_by.save(update_fields=["current_organization", "current_team"])
    return organization


@transaction.atomic
def organization_member_remove(*, membership: OrganizationMembership) -> None:
    """Remove a member and their roles there; if it was their current organization, move them to another (or none)."""
    user = membership.user
    organization_id = membership.organization_id
    # NOTE: role memberships of this membership cascade; legacy ones without `organization_member` go explicitly.
    role_membership = apps.get_model("roles", "RoleMembership")
    role_membership.objects.filter(user=user, role__organization_id=organization_id).delete()
    membership.delete()
    if user.current_organization_id != organization_id:
        return
    next_membership = (
        OrganizationMembership.objects.filter(user=user).select_related("organization").order_by("joined_at").first()
    )
    user.current_organization = next_membership.organization if next_membership else None
    user.current_team = next_membership.organization.teams.order_by("id").first() if next_membership else None
    user.save(update_fields=["current_organization", "current_team"])
