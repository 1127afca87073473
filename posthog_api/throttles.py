"""PostHog's default throttles: off unless RATE_LIMIT_ENABLED, and then only for API-key and anonymous requests."""

from django.conf import settings
from rest_framework import throttling

from posthog_api.authentication import find_personal_api_key, hash_key_value


class PersonalAPIKeyRateThrottle(throttling.SimpleRateThrottle):
    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMIT_ENABLED:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        found = find_personal_api_key(request)
        if found is not None:
            ident = hash_key_value(found[0])  # per key, never the raw key
        elif request.user and request.user.is_authenticated:
            return None  # session users are not throttled
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BurstRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "burst"


class SustainedRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "sustained"
