import pytest

from activity.models import ActivityLog
from posthog_api.testing import error
from projects.models import Team

ACCESS_CONTROL = (
    "The 'access_control' field has been deprecated and is no longer supported. Please use the new access control "
    "system instead. For more information, visit: https://posthog.com/docs/settings/access-control"
)


def invalid(detail: str, attr: str, code: str = "invalid_input") -> dict:
    return error("validation_error", code, detail, attr)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": ""}, invalid("This field may not be blank.", "name", "blank")),
        ({"name": "x" * 201}, invalid("Ensure this field has no more than 200 characters.", "name", "max_length")),
        (
            {"timezone": "America/I_Dont_Exist"},
            invalid('"America/I_Dont_Exist" is not a valid choice.', "timezone", "invalid_choice"),
        ),
        (
            {"session_recording_sample_rate": "1.5"},
            invalid("Ensure this value is less than or equal to 1.", "session_recording_sample_rate", "max_value"),
        ),
        (
            {"session_recording_sample_rate": "-0.1"},
            invalid("Ensure this value is greater than or equal to 0.", "session_recording_sample_rate", "min_value"),
        ),
        (
            {"session_recording_sample_rate": "abc"},
            invalid("A valid number is required.", "session_recording_sample_rate"),
        ),
        (
            {"session_recording_minimum_duration_milliseconds": 30001},
            invalid(
                "Ensure this value is less than or equal to 30000.",
                "session_recording_minimum_duration_milliseconds",
                "max_value",
            ),
        ),
        ({"week_start_day": 3}, invalid('"3" is not a valid choice.', "week_start_day", "invalid_choice")),
        ({"base_currency": "XXX"}, invalid('"XXX" is not a valid choice.', "base_currency", "invalid_choice")),
        (
            {"session_recording_retention_period": "2y"},
            invalid(
                "Must provide a valid retention period. Options are: ['30d', '90d', '1y', '5y'].",
                "session_recording_retention_period",
                "invalid_choice",
            ),
        ),
        ({"access_control": True}, invalid(ACCESS_CONTROL, "access_control")),
        (
            {"session_recording_linked_flag": {"id": 1}},
            invalid(
                "Must provide a dictionary with only 'id' and 'key' keys. _or_ only 'id', 'key', and 'variant' keys.",
                "session_recording_linked_flag",
            ),
        ),
        (
            {"session_recording_linked_flag": {"id": 1.5, "key": "k"}},
            invalid("Must provide an integer 'id'.", "session_recording_linked_flag"),
        ),
        # Digits int() refuses: a superscript (str.isdigit() is True for it), more than 4300 of them (was a 500).
        (
            {"session_recording_linked_flag": {"id": "\u00b2", "key": "k"}},
            invalid("Must provide an integer 'id'.", "session_recording_linked_flag"),
        ),
        (
            {"session_recording_linked_flag": {"id": "9" * 5000, "key": "k"}},
            invalid("Must provide an integer 'id'.", "session_recording_linked_flag"),
        ),
        (
            {"session_recording_linked_flag": "flag"},
            invalid("Must provide a dictionary or None.", "session_recording_linked_flag"),
        ),
        (
            {"autocapture_exceptions_errors_to_ignore": "x"},
            invalid(
                "Must provide a list for field: autocapture_exceptions_errors_to_ignore.",
                "autocapture_exceptions_errors_to_ignore",
            ),
        ),
        (
            {"autocapture_exceptions_errors_to_ignore": [1]},
            invalid(
                "Must provide a list of strings to field: autocapture_exceptions_errors_to_ignore.",
                "autocapture_exceptions_errors_to_ignore",
            ),
        ),
        (
            {"autocapture_exceptions_errors_to_ignore": ["x" * 300]},
            invalid(
                "Field autocapture_exceptions_errors_to_ignore must be less than 300 characters. "
                "Complex config should be provided in posthog-js initialization.",
                "autocapture_exceptions_errors_to_ignore",
            ),
        ),
        (
            {"app_urls": ["https://*.*.*.*.*.*.example.com"]},
            invalid("Each URL can include up to 5 wildcards. Remove the extra ones from this entry.", "app_urls"),
        ),
        ({"modifiers": {"nope": 1}}, invalid("Invalid modifier key.", "modifiers")),
        (
            {"modifiers": {"bounceRateDurationSeconds": 121}},
            invalid("Must be between 1 and 120 seconds.", "modifiers__bounceRateDurationSeconds"),
        ),
        (
            {"path_cleaning_filters": [{"alias": "x"}]},
            invalid("A path cleaning rule needs a regex. Remove the rule or give it one.", "path_cleaning_filters"),
        ),
        (
            {"path_cleaning_filters": "x"},
            invalid("Must provide a list of path cleaning rules.", "path_cleaning_filters"),
        ),
        (
            {"test_account_filters": {"key": "email"}},
            invalid("Must provide an array of valid property filters. Expected a list.", "test_account_filters"),
        ),
        (
            {"session_replay_config": {"record_canvas": True, "other": 1}},
            invalid(
                "Must provide a dictionary with only 'record_canvas' or 'ai_config' keys.", "session_replay_config"
            ),
        ),
        (
            {"logs_settings": {"retention_days": 7}},
            invalid("retention_days must be one of [14, 30]", "logs_settings"),
        ),
        (
            {"marketing_analytics_config": {"attribution_window_days": 91}},
            invalid(
                "Ensure this value is less than or equal to 90.",
                "marketing_analytics_config__attribution_window_days",
                "max_value",
            ),
        ),
        ({"primary_dashboard": 5}, invalid("Dashboard does not belong to this team.", "primary_dashboard")),
        (
            {"session_recording_trigger_groups": {"version": 1, "groups": []}},
            invalid(
                "Must provide an object with 'version': 2 and a 'groups' list.", "session_recording_trigger_groups"
            ),
        ),
        (
            {"autocapture_exceptions_opt_in": "maybe"},
            invalid("Must be a valid boolean.", "autocapture_exceptions_opt_in"),
        ),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(client, organization, team, body, expected):
    response = client.patch(f"/api/organizations/{organization.id}/projects/{team.id}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == expected
    team.refresh_from_db()
    assert (team.name, team.timezone, team.app_urls, team.modifiers) == ("Default project", "UTC", [], None)
    assert not ActivityLog.objects.exists()


def test_valid_complex_settings_are_accepted(client, organization, team):
    body = {
        "session_recording_linked_flag": {"id": "12", "key": "flag", "variant": "test"},
        "session_recording_masking_config": {"maskAllInputs": True, "blockSelector": ".secret"},
        "path_cleaning_filters": [{"alias": "/users/<id>", "regex": r"/users/(\d+)"}],
        "test_account_filters": [{"key": "email", "type": "person", "operator": "is_set"}],
        "session_recording_trigger_groups": {
            "version": 2,
            "groups": [{"id": "g", "sampleRate": 0.5, "conditions": {"matchType": "all", "events": ["$pageview"]}}],
        },
    }

    response = client.patch(f"/api/organizations/{organization.id}/projects/{team.id}/", body, format="json")

    assert response.status_code == 200
    assert response.json()["session_recording_linked_flag"] == {"id": 12, "key": "flag", "variant": "test"}
    assert Team.objects.get(pk=team.pk).path_cleaning_filters == body["path_cleaning_filters"]


def test_a_body_that_is_not_an_object_is_refused(client, organization, team):
    response = client.patch(f"/api/organizations/{organization.id}/projects/{team.id}/", [{"a": 1}], format="json")

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "invalid_input", "Invalid data. Expected a dictionary, but got list."
    )
