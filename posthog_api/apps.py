from django.apps import AppConfig


class PosthogApiConfig(AppConfig):
    name = "posthog_api"
    verbose_name = "posthog-api"
