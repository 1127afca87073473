from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from posthog_api.testing import add_member, make_organization
from users.models import User
from users.serializers import NOTIFICATION_SETTINGS_DEFAULTS, UserSerializer


def drf_output(user: User) -> dict:
    """DRF's own rendering of the declared fields, with the stored notification settings over the defaults."""
    serializer = UserSerializer(user)
    data = serializers.Serializer.to_representation(serializer, user)
    data["notification_settings"] = {**NOTIFICATION_SETTINGS_DEFAULTS, **user.notification_settings}
    return data


def test_user_shape_renders_exactly_what_the_serializer_fields_render(user, organization, other_user):
    add_member(make_organization(other_user, name="Beta"), user)
    user.refresh_from_db()
    user.notification_settings = {"plugin_disabled": False}
    user.hedgehog_config = {"color": "red"}
    user.theme_mode = User.ThemeMode.DARK
    user.role_at_organization = User.RoleAtOrganization.DATA
    user.pending_email = "new@example.com"
    user.is_email_verified = True
    user.save()

    for instance in (user, User.objects.get(pk=user.pk)):
        fast = UserSerializer(instance).data
        assert fast == drf_output(instance)
        assert JSONRenderer().render(fast) == JSONRenderer().render(drf_output(instance))
        assert len(fast["organizations"]) == 2


def test_user_shape_without_organizations(db):
    loner = User.objects.create_user(email="loner@example.com", password=None)

    assert UserSerializer(loner).data == drf_output(loner)
    assert (UserSerializer(loner).data["has_password"], UserSerializer(loner).data["team"]) == (False, None)
