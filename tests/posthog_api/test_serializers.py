from datetime import UTC, datetime, timedelta, timezone

from django.utils import timezone as django_timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from posthog_api.serializers import (
    TEAM_BASIC_COLUMNS,
    ProjectBasicSerializer,
    TeamBasicSerializer,
    UserBasicSerializer,
    iso_datetime,
    project_basic,
    team_basic,
    user_basic,
)
from projects.models import Team
from users.models import User


def drf_output(serializer_class, instance) -> dict:
    """What DRF's own field machinery renders for `instance`, whatever the serializer's fast path does."""
    return serializers.Serializer.to_representation(serializer_class(instance), instance)


def same_bytes(fast: dict, slow: dict) -> bool:
    return JSONRenderer().render(fast) == JSONRenderer().render(slow)


def test_user_basic_renders_exactly_what_the_serializer_fields_render(user, other_user):
    other_user.distinct_id = None
    other_user.is_email_verified = True
    other_user.hedgehog_config = {"color": "blue", "accessories": ["hat"]}
    other_user.role_at_organization = User.RoleAtOrganization.FOUNDER
    other_user.save()

    for person in (user, User.objects.get(pk=other_user.pk), other_user):
        assert user_basic(person) == drf_output(UserBasicSerializer, person)
        assert same_bytes(user_basic(person), drf_output(UserBasicSerializer, person))
        assert UserBasicSerializer(person).data == user_basic(person)


def test_team_basic_renders_exactly_what_the_serializer_fields_render(team):
    team.has_completed_onboarding_for = {"product_analytics": True}
    team.timezone = "Europe/Berlin"
    team.ingested_event = True
    team.save()
    deferred = Team.objects.only(*TEAM_BASIC_COLUMNS).get(pk=team.pk)

    for instance in (team, Team.objects.get(pk=team.pk), deferred):
        assert team_basic(instance) == drf_output(TeamBasicSerializer, instance)
        assert same_bytes(team_basic(instance), drf_output(TeamBasicSerializer, instance))


def test_team_basic_reads_only_the_columns_it_names(team, django_assert_num_queries):
    deferred = Team.objects.only(*TEAM_BASIC_COLUMNS).get(pk=team.pk)

    with django_assert_num_queries(0):
        team_basic(deferred)


def test_project_basic_renders_exactly_what_the_serializer_fields_render(team):
    project = team.project

    assert project_basic(project) == drf_output(ProjectBasicSerializer, project)
    assert ProjectBasicSerializer([project], many=True).data == [project_basic(project)]


def test_iso_datetime_is_drfs_rendering_in_utc():
    berlin = timezone(timedelta(hours=1))
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=berlin)
    field = serializers.DateTimeField()

    assert iso_datetime(moment) == field.to_representation(moment) == "2026-01-02T02:04:05.678901Z"
    assert iso_datetime(None) is None
    assert iso_datetime(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00Z"


def test_iso_datetime_follows_drf_for_naive_values_and_an_active_time_zone():
    field = serializers.DateTimeField()
    naive = datetime(2026, 7, 1, 12, 0, 0)
    aware = datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=UTC)

    assert iso_datetime(naive) == field.to_representation(naive) == "2026-07-01T12:00:00Z"
    with django_timezone.override("Europe/Berlin"):
        assert iso_datetime(aware) == field.to_representation(aware) == "2026-07-01T14:00:00.000005+02:00"
