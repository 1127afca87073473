from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from organizations.models import Organization, OrganizationMembership
from roles.models import Role, RoleMembership
from roles.serializers import DUPLICATE_NAME_MESSAGE


def _lock_organization_and_check_name(*, organization_id, name: str, role_id=None) -> None:
    """Names are unique case-insensitively, which the database constraint cannot see: writers queue on the org row."""
    Organization.objects.select_for_update().filter(pk=organization_id).first()
    duplicates = Role.objects.filter(organization_id=organization_id, name__iexact=name)
    if role_id is not None:
        duplicates = duplicates.exclude(pk=role_id)
    if duplicates.exists():
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique")


def role_create(*, organization: Organization, name: str, created_by, **fields) -> Role:
    try:
        with transaction.atomic():
            _lock_organization_and_check_name(organization_id=organization.pk, name=name)
            return Role.objects.create(organization=organization, name=name, created_by=created_by, **fields)
    except IntegrityError:
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique") from None


def role_update(*, role: Role, **fields) -> Role:
    try:
        with transaction.atomic():
            if "name" in fields:
                _lock_organization_and_check_name(
                    organization_id=role.organization_id, name=fields["name"], role_id=role.pk
                )
            for name, value in fields.items():
                setattr(role, name, value)
            role.save(update_fields=[*fields])
            return role
    except IntegrityError:
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique") from None


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a role and its memberships; an organization that defaulted new members to it no longer does."""
    Organization.objects.filter(pk=role.organization_id, default_role_id=role.pk).update(default_role_id=None)
    role.delete()


@transaction.atomic
def role_membership_create(*, role: Role, user_uuid) -> RoleMembership:
    membership = (
        OrganizationMembership.objects.select_related("user")
        .filter(organization_id=role.organization_id, user__uuid=user_uuid, user__is_active=True)
        .first()
    )
    if membership is None:
        raise ValidationError("User does not exist.")
    if RoleMembership.objects.filter(role=role, user=membership.user).exists():
        raise ValidationError("User is already part of the role.")
    try:
        with transaction.atomic():
            return RoleMembership.objects.create(role=role, user=membership.user, organization_member=membership)
    except IntegrityError:
        raise ValidationError("User is already part of the role.") from None


@transaction.atomic
def role_membership_delete(*, membership: RoleMembership) -> None:
    membership.delete()
