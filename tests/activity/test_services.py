import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from activity.models import ActivityLog
from activity.selectors import activity_for, activity_page
from activity.services import activity_log_record, changes_between, json_safe, model_snapshot


def test_changes_cover_created_changed_and_deleted_fields_in_order():
    before = {"a": None, "b": 1, "c": "x", "d": [], "e": {}, "id": 1, "updated_at": "t1"}
    after = {"a": "new", "b": 2, "c": "", "d": None, "e": {}, "id": 2, "updated_at": "t2"}

    assert changes_between("Thing", before, after) == [
        {"type": "Thing", "action": "created", "field": "a", "before": None, "after": "new"},
        {"type": "Thing", "action": "changed", "field": "b", "before": 1, "after": 2},
        {"type": "Thing", "action": "deleted", "field": "c", "before": "x", "after": None},
    ]


def test_changes_skip_excluded_fields_and_mask_secrets():
    changes = changes_between(
        "User", {"email": "a@x", "name": "A"}, {"email": "b@x", "name": "B"}, exclude=["name"], masked=["email"]
    )

    assert changes == [{"type": "User", "action": "changed", "field": "email", "before": "masked", "after": "masked"}]


def test_values_are_made_json_safe():
    moment = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    identifier = uuid.UUID(int=1)

    assert json_safe({"rate": Decimal("0.40"), "at": moment, "ids": [identifier], "n": 1}) == {
        "rate": "0.4",
        "at": "2024-01-02T03:04:05+00:00",
        "ids": [str(identifier)],
        "n": 1,
    }


def test_an_update_without_changes_is_not_recorded(db):
    entry = activity_log_record(scope="Team", activity="updated", item_id=1, team_id=1, before={"a": 1}, after={"a": 1})

    assert entry is None
    assert not ActivityLog.objects.exists()


def test_a_record_stores_every_detail_key_and_marks_system_actors(db):
    entry = activity_log_record(scope="Team", activity="created", item_id=7, team_id=7, name="Web")

    entry.refresh_from_db()
    assert (entry.item_id, entry.is_system, entry.user_id, entry.was_impersonated) == ("7", True, None, False)
    assert entry.detail == {
        "name": "Web",
        "short_id": None,
        "type": None,
        "changes": None,
        "trigger": None,
        "context": None,
    }


def test_an_entry_needs_a_team_or_an_organization(db):
    with pytest.raises(IntegrityError):
        ActivityLog.objects.create(scope="Team", activity="created", item_id="1")


def test_model_snapshot_reads_concrete_fields(team):
    snapshot = model_snapshot(team, fields=["name", "organization", "session_recording_sample_rate"])

    assert snapshot == {
        "name": "Default project",
        "organization": str(team.organization_id),
        "session_recording_sample_rate": None,
    }


def test_activity_page_shapes_entries_and_links(user, team):
    for index in range(3):
        activity_log_record(
            scope="Team", activity="updated", item_id=team.id, team_id=team.id, user=user, changes=[{"i": index}]
        )
    activity_log_record(scope="Team", activity="updated", item_id=team.id + 1, team_id=team.id, changes=[{"i": 9}])
    request = Request(APIRequestFactory().get("/api/x/", {"limit": 2, "page": 2}))

    page = activity_page(request, activity_for(scope="Team", team_id=team.id, item_id=team.id))

    oldest = ActivityLog.objects.filter(item_id=str(team.id)).order_by("created_at").first()
    assert page == {
        "results": [
            {
                "id": str(oldest.id),
                "user": {"first_name": "Ada", "email": user.email},
                "activity": "updated",
                "scope": "Team",
                "item_id": str(team.id),
                "detail": {"changes": [{"i": 0}], "trigger": None, "name": None, "short_id": None, "type": None},
                "created_at": oldest.created_at.isoformat().replace("+00:00", "Z"),
            }
        ],
        "next": None,
        "previous": "http://testserver/api/x/?limit=2&page=1",
        "total_count": 3,
    }
