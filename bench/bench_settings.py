"""The project's settings, unchanged except for a URLconf that adds the two baseline views."""

from posthog_api.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
