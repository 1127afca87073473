"""Capture routes, mounted at the site root by posthog_api/urls.py (every path works with or without a slash)."""

from django.urls import re_path

from ingestion import views

urlpatterns = [
    re_path(r"^(?:batch|capture|e|track|i/v0/e)/?$", views.capture, name="capture"),
    re_path(r"^engage/?$", views.engage, name="capture_engage"),
    re_path(r"^i/v1/analytics/events/?$", views.capture_v1, name="capture_v1"),
    re_path(r"^flags/?$", views.flags, name="flags"),
    re_path(r"^decide/?$", views.decide, name="decide"),
    re_path(r"^array/(?P<token>[^/]+)/config(?P<js>\.js)?$", views.remote_config, name="remote_config"),
]
