from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api_keys.models import PersonalAPIKey
from posthog_api.authentication import find_personal_api_key, hash_key_value

LAST_USED_AT_RESOLUTION = timedelta(hours=1)


class PersonalAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer phx_…`, a `personal_api_key` body field, or a `personal_api_key` query parameter."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        found = find_personal_api_key(request)
        if found is None:
            return None
        value, source = found
        key = (
            PersonalAPIKey.objects.select_related("user")
            .filter(secure_value=hash_key_value(value), user__is_active=True)
            .first()
        )
        if key is None:
            raise exceptions.AuthenticationFailed(f"Personal API key found in request {source} is invalid.")
        touch_last_used_at(PersonalAPIKey, key)
        request._request.api_key_mask = key.mask_value  # read by the request log, never the key itself
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def touch_last_used_at(model, key) -> None:
    """Write `last_used_at` at most once an hour, in one UPDATE that also guards against concurrent writers."""
    now = timezone.now()
    threshold = now - LAST_USED_AT_RESOLUTION
    if key.last_used_at is not None and key.last_used_at > threshold:
        return
    model.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold), pk=key.pk).update(
        last_used_at=now
    )
    key.last_used_at = now
