"""The project's settings with bench/persons_baseline.py as URLconf (the API plus the plain DRF baseline)."""

from posthog_api.settings import *  # noqa: F403

ROOT_URLCONF = "bench.persons_baseline"
