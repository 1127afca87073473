import pytest

from posthog_api.validators import is_storable_text


@pytest.mark.parametrize(
    ("value", "storable"),
    [("", True), ("phc_abc", True), ("ünïcode ✓ 😀", True), ("a\x00b", False), ("a\ud800", False), ("\udfff", False)],
)
def test_storable_text_has_no_nul_and_no_lone_surrogate(value, storable):
    assert is_storable_text(value) is storable
