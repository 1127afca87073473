from django.utils import timezone

from api_keys.models import PersonalAPIKey
from api_keys.selectors import personal_api_key_with_user
from posthog_api.authentication import hash_key_value
from posthog_api.testing import make_key, make_user
from users.models import User


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_lookup_loads_the_whole_user_as_the_orm_does_in_one_query(user, organization, django_assert_num_queries):
    user.notification_settings = {"plugin_disabled": False}
    user.hedgehog_config = {"color": "red", "accessories": ["hat"]}
    user.last_login = timezone.now()
    user.save()
    value = make_key(user, scopes=["user:read", "project:read"], scoped_teams=[organization.teams.get().id])

    with django_assert_num_queries(1):
        key = personal_api_key_with_user(hash_key_value(value))

    assert field_values(key.user) == field_values(User.objects.get(pk=user.pk))
    assert key.user._state.adding is False and key.user._state.db == "default"
    stored = PersonalAPIKey.objects.get(pk=key.pk)
    for name in ("id", "user_id", "mask_value", "scopes", "scoped_teams", "scoped_organizations", "last_used_at"):
        assert getattr(key, name) == getattr(stored, name)
    assert key.get_deferred_fields() == {"label", "secure_value", "created_at", "last_rolled_at"}


def test_deferred_key_fields_still_load_on_access(user):
    value = make_key(user)
    key = personal_api_key_with_user(hash_key_value(value))

    assert key.label == PersonalAPIKey.objects.get(pk=key.pk).label


def test_lookup_finds_nothing_for_unknown_keys_or_inactive_users(user):
    value = make_key(user)
    make_key(make_user())

    assert personal_api_key_with_user(hash_key_value("phx_unknown")) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert personal_api_key_with_user(hash_key_value(value)) is None
