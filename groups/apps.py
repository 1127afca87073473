from django.apps import AppConfig


class GroupsConfig(AppConfig):
    """Analytics groups (companies, teams, ...). Label "groups"; unrelated to django.contrib.auth's Group ("auth")."""

    name = "groups"
    label = "groups"
    verbose_name = "Analytics groups"
