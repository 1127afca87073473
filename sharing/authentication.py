"""Share tokens: what unlocks a password-protected share for 24 hours after its password was given.

NOTE: PostHog issues a JWT; nothing outside this server reads the token, so Django's signing (HMAC with
SECRET_KEY, timestamped) does the same job without a JWT dependency.
"""

from django.core import signing

from sharing.models import SharePassword, SharingConfiguration

COOKIE_NAME = "posthog_sharing_token"
MAX_AGE_SECONDS = 24 * 60 * 60
SALT = "sharing.share-token"


def share_token_create(*, configuration: SharingConfiguration, password: SharePassword) -> str:
    return signing.dumps({"configuration": configuration.pk, "password": password.pk}, salt=SALT, compress=True)


def share_token_from_request(request) -> str | None:
    """The token from `Authorization: Bearer …`, else the cookie."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer" and value.strip():
        return value.strip()
    return request.COOKIES.get(COOKIE_NAME)


def share_token_unlocks(token: str | None, configuration: SharingConfiguration) -> bool:
    """True for an unexpired token issued for this configuration with a password that is still active."""
    if not token:
        return False
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    if not isinstance(payload, dict) or payload.get("configuration") != configuration.pk:
        return False
    return SharePassword.objects.filter(
        pk=payload.get("password"), sharing_configuration=configuration, is_active=True
    ).exists()
