from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from api_keys.models import (
    MAX_PERSONAL_API_KEYS_PER_USER,
    MAX_PROJECT_SECRET_API_KEYS_PER_PROJECT,
    PersonalAPIKey,
    ProjectSecretAPIKey,
    generate_personal_api_key_value,
    generate_project_secret_api_key_value,
)
from posthog_api.authentication import hash_key_value
from posthog_api.models import mask_key_value
from projects.models import Team


def _new_secret(key) -> str:
    generate = generate_project_secret_api_key_value if key.is_project_credential else generate_personal_api_key_value
    value = generate()
    key.secure_value = hash_key_value(value)
    key.mask_value = mask_key_value(value)
    return value


@transaction.atomic
def personal_api_key_create(
    *, user, label: str, scopes: list[str], scoped_teams=None, scoped_organizations=None
) -> tuple[PersonalAPIKey, str]:
    """A new key and its raw value, returned this once and stored only hashed; the user row is locked so the limit
    holds under concurrent creates."""
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    if PersonalAPIKey.objects.filter(user=user).count() >= MAX_PERSONAL_API_KEYS_PER_USER:
        raise ValidationError(
            f"You can only have {MAX_PERSONAL_API_KEYS_PER_USER} personal API keys. "
            "Remove an existing key before creating a new one."
        )
    key = PersonalAPIKey(
        user=user,
        label=label,
        scopes=scopes,
        scoped_teams=scoped_teams,
        scoped_organizations=scoped_organizations,
    )
    value = _new_secret(key)
    key.save()
    return key, value


def project_secret_api_key_create(
    *, team, label: str, scopes: list[str], created_by
) -> tuple[ProjectSecretAPIKey, str]:
    """A new key and its raw value, returned this once; the team row is locked so the limit holds under races."""
    try:
        with transaction.atomic():
            Team.objects.select_for_update().filter(pk=team.pk).first()
            if ProjectSecretAPIKey.objects.filter(team=team).count() >= MAX_PROJECT_SECRET_API_KEYS_PER_PROJECT:
                raise ValidationError(
                    f"A team can have at most {MAX_PROJECT_SECRET_API_KEYS_PER_PROJECT} secret API keys. "
                    "Remove an existing key before creating a new one."
                )
            if ProjectSecretAPIKey.objects.filter(team=team, label=label).exists():
                raise ValidationError(_duplicate_label_message(label))
            key = ProjectSecretAPIKey(team=team, label=label, scopes=scopes, created_by=created_by)
            value = _new_secret(key)
            key.save()
            return key, value
    except IntegrityError:
        raise ValidationError(_duplicate_label_message(label)) from None


def project_secret_api_key_update(*, key: ProjectSecretAPIKey, **fields) -> ProjectSecretAPIKey:
    label = fields.get("label", key.label)
    try:
        with transaction.atomic():
            duplicates = ProjectSecretAPIKey.objects.filter(team_id=key.team_id, label=label).exclude(pk=key.pk)
            if duplicates.exists():
                raise ValidationError(_duplicate_label_message(label))
            for name, value in fields.items():
                setattr(key, name, value)
            key.save(update_fields=[*fields])
            return key
    except IntegrityError:
        raise ValidationError(_duplicate_label_message(label)) from None


def _duplicate_label_message(label: str) -> str:
    return f"A secret API key with the label '{label}' already exists for this project."


@transaction.atomic
def api_key_roll(*, key: PersonalAPIKey | ProjectSecretAPIKey) -> tuple[PersonalAPIKey | ProjectSecretAPIKey, str]:
    """A new raw value for either kind of key; the old one stops working at once."""
    value = _new_secret(key)
    key.last_rolled_at = timezone.now()
    key.save(update_fields=["secure_value", "mask_value", "last_rolled_at"])
    return key, value
