from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from activity.services import activity_log_record, change, model_snapshot
from organizations.models import Organization, OrganizationMembership
from roles.models import Role, RoleMembership
from roles.serializers import DUPLICATE_NAME_MESSAGE

LOGGED_FIELDS = ("name", "feature_flags_access_level")  # the fields a role update can change


def _lock_organization_and_check_name(*, organization_id, name: str, role_id=None) -> None:
    """Names are unique case-insensitively, which the database constraint cannot see: writers queue on the org row."""
    Organization.objects.select_for_update().filter(pk=organization_id).first()
    duplicates = Role.objects.filter(organization_id=organization_id, name__iexact=name)
    if role_id is not None:
        duplicates = duplicates.exclude(pk=role_id)
    if duplicates.exists():
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique")


def _log(role: Role, activity: str, user, **detail) -> None:
    activity_log_record(
        scope="Role",
        activity=activity,
        item_id=role.pk,
        user=user,
        organization_id=role.organization_id,
        name=role.name,
        **detail,
    )


def _member_value(user) -> dict:
    return {"first_name": user.first_name, "email": user.email}


def role_create(*, organization: Organization, name: str, created_by, **fields) -> Role:
    try:
        with transaction.atomic():
            _lock_organization_and_check_name(organization_id=organization.pk, name=name)
            role = Role.objects.create(organization=organization, name=name, created_by=created_by, **fields)
            _log(role, "created", created_by)
            return role
    except IntegrityError:
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique") from None


def role_update(*, role: Role, user, **fields) -> Role:
    before = model_snapshot(role, LOGGED_FIELDS)
    try:
        with transaction.atomic():
            if "name" in fields:
                _lock_organization_and_check_name(
                    organization_id=role.organization_id, name=fields["name"], role_id=role.pk
                )
            for name, value in fields.items():
                setattr(role, name, value)
            role.save(update_fields=[*fields])
            _log(role, "updated", user, before=before, after=model_snapshot(role, LOGGED_FIELDS))
            return role
    except IntegrityError:
        raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}, code="unique") from None


@transaction.atomic
def role_delete(*, role: Role, user) -> None:
    """Delete a role and its memberships; an organization that defaulted new members to it no longer does."""
    Organization.objects.filter(pk=role.organization_id, default_role_id=role.pk).update(default_role_id=None)
    _log(role, "deleted", user)
    role.delete()


@transaction.atomic
def role_membership_create(*, role: Role, user_uuid, added_by) -> RoleMembership:
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
            role_membership = RoleMembership.objects.create(
                role=role, user=membership.user, organization_member=membership
            )
    except IntegrityError:
        raise ValidationError("User is already part of the role.") from None
    _log(role, "updated", added_by, changes=[change("Role", "members", None, _member_value(membership.user))])
    return role_membership


@transaction.atomic
def role_membership_delete(*, membership: RoleMembership, removed_by) -> None:
    """Take a user out of a role; the role's activity records who left."""
    _log(
        membership.role,
        "updated",
        removed_by,
        changes=[change("Role", "members", _member_value(membership.user), None)],
    )
    membership.delete()
