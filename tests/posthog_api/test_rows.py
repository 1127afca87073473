import uuid

import pytest
from django.db import connection

from posthog_api.rows import Columns, column, table
from projects.models import Team
from users.models import User


def test_columns_keep_the_models_field_order_and_refuse_unknown_names():
    columns = Columns(Team, ["name", "uuid", "id"])

    assert columns.names == ["id", "uuid", "name"]
    assert columns.select("t") == 't."id", t."uuid", t."name"'
    with pytest.raises(ValueError):
        Columns(Team, ["id", "not_a_column"])


def test_load_converts_like_the_orm_and_defers_the_rest(team):
    Team.objects.filter(pk=team.pk).update(has_completed_onboarding_for={"b": 1, "a": [1.5, None]})
    columns = Columns(Team, ["id", "uuid", "name", "has_completed_onboarding_for"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select('t')} FROM {table(Team)} t WHERE t.{column(Team, 'id')} = %s", [team.pk]
        )
        loaded = columns.load(cursor.fetchone())

    stored = Team.objects.get(pk=team.pk)
    assert (loaded.pk, loaded.uuid, loaded.name) == (stored.pk, stored.uuid, stored.name)
    assert loaded.has_completed_onboarding_for == stored.has_completed_onboarding_for == {"b": 1, "a": [1.5, None]}
    assert loaded._state.adding is False
    assert "api_token" in loaded.get_deferred_fields()
    assert loaded.api_token == stored.api_token  # loads on access


def test_load_json_restores_uuids_from_a_json_array(team):
    columns = Columns(Team, ["id", "uuid", "organization_id", "ingested_event"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT json_build_array({columns.select('t')}) FROM {table(Team)} t WHERE t.{column(Team, 'id')} = %s",
            [team.pk],
        )
        loaded = columns.load_json(cursor.fetchone()[0])

    assert isinstance(loaded.uuid, uuid.UUID) and isinstance(loaded.organization_id, uuid.UUID)
    assert (loaded.uuid, loaded.organization_id, loaded.ingested_event) == (
        team.uuid,
        team.organization_id,
        team.ingested_event,
    )


def test_a_whole_user_loads_as_the_orm_loads_it(user):
    columns = Columns(User)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select('u')} FROM {table(User)} u WHERE u.{column(User, 'id')} = %s", [user.pk]
        )
        loaded = columns.load(cursor.fetchone())

    stored = User.objects.get(pk=user.pk)
    assert {f.attname: getattr(loaded, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in User._meta.concrete_fields
    }
