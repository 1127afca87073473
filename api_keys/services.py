from django.db import transaction
from django.utils import timezone

from api_keys.models import (
    PersonalAPIKey,
    ProjectSecretAPIKey,
    generate_personal_api_key_value,
    generate_project_secret_api_key_value,
)
from posthog_api.authentication import hash_key_value
from posthog_api.models import mask_key_value


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
    """A new key and its raw value, which is returned this once and stored only hashed."""
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


@transaction.atomic
def project_secret_api_key_create(
    *, team, label: str, scopes: list[str], created_by
) -> tuple[ProjectSecretAPIKey, str]:
    key = ProjectSecretAPIKey(team=team, label=label, scopes=scopes, created_by=created_by)
    value = _new_secret(key)
    key.save()
    return key, value


@transaction.atomic
def api_key_roll(*, key: PersonalAPIKey | ProjectSecretAPIKey) -> tuple[PersonalAPIKey | ProjectSecretAPIKey, str]:
    """A new raw value for either kind of key; the old one stops working at once."""
    value = _new_secret(key)
    key.last_rolled_at = timezone.now()
    key.save(update_fields=["secure_value", "mask_value", "last_rolled_at"])
    return key, value
