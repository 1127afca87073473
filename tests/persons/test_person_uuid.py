import uuid

import pytest

from persons.models import PERSON_UUID_NAMESPACE, person_uuid_for


@pytest.mark.parametrize("team_id, distinct_id", [(1, "a"), (7, "user-123"), (42, "ünïcode ✓ 🎉"), (2, "")])
def test_a_person_uuid_is_the_uuid5_of_team_and_distinct_id(team_id, distinct_id):
    expected = uuid.uuid5(PERSON_UUID_NAMESPACE, f"{team_id}:{distinct_id}")
    assert (person_uuid_for(team_id, distinct_id), expected.version) == (expected, 5)
