import re
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api_keys.models import PersonalAPIKey, ProjectSecretAPIKey
from api_keys.selectors import personal_api_key_with_user
from posthog_api.authentication import bearer_token, find_personal_api_key, hash_key_value

LAST_USED_AT_RESOLUTION = timedelta(hours=1)
PROJECT_SECRET_API_KEY_PATTERN = re.compile(r"^phs_[a-zA-Z0-9]+$")
PROJECT_SECRET_API_KEY_FIELDS = ("id", "team_id", "label", "mask_value", "scopes", "last_used_at")


class ProjectUser:
    """The user a project secret API key authenticates as: authenticated, but no person and no memberships.
    Its current environment and organization are the key's, so `@current` in a URL names the key's project."""

    pk = id = None
    is_authenticated = True
    is_active = True
    is_staff = False
    is_anonymous = False

    def __init__(self, team_id: int, organization_id):
        self.team_id = self.current_team_id = team_id
        self.current_organization_id = organization_id


class ProjectSecretAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer phs_…`. An unknown key is not an error here: personal-key auth answers it with a 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        token = bearer_token(request)
        if not token or not PROJECT_SECRET_API_KEY_PATTERN.match(token):
            return None
        queryset = (
            ProjectSecretAPIKey.objects.select_related("team")
            .only(*PROJECT_SECRET_API_KEY_FIELDS, "team__organization_id")
            .order_by()
            .filter(secure_value=hash_key_value(token))
        )
        key = next(iter(queryset[:1]), None)  # `secure_value` is unique: no ORDER BY
        if key is None:
            return None
        touch_last_used_at(ProjectSecretAPIKey, key)
        request._request.api_key_mask = key.mask_value
        return ProjectUser(key.team_id, key.team.organization_id), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PersonalAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer phx_…`, a `personal_api_key` body field, or a `personal_api_key` query parameter."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        found = find_personal_api_key(request)
        if found is None:
            return None
        value, source = found
        key = personal_api_key_with_user(hash_key_value(value))
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
