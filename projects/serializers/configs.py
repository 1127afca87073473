"""The analytics config objects nested in the project and environment shapes (stored as JSON on Team).

No field is required and none has a default, so a write carries only what was sent and is merged onto the stored
object by the update service.
"""

from rest_framework import serializers

from projects.choices import CURRENCY_CODES


class JSONOfTypeField(serializers.JSONField):
    """Any JSON value of one type (`list` or `dict`); another type is refused with `message`."""

    def __init__(self, kind: type, message: str, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.message = kind, message

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, self.kind):
            raise serializers.ValidationError(self.message)
        return value


class TeamRevenueAnalyticsConfigSerializer(serializers.Serializer):
    base_currency = serializers.ChoiceField(choices=CURRENCY_CODES, required=False)
    events = JSONOfTypeField(list, "Must provide a list of revenue events.", required=False)
    goals = serializers.JSONField(required=False)
    filter_test_accounts = serializers.BooleanField(required=False)


class TeamMarketingAnalyticsConfigSerializer(serializers.Serializer):
    sources_map = JSONOfTypeField(dict, "Must provide an object of sources.", required=False)
    conversion_goals = JSONOfTypeField(list, "Must provide a list of conversion goals.", required=False)
    attribution_window_days = serializers.IntegerField(required=False, min_value=1, max_value=90)
    attribution_mode = serializers.ChoiceField(
        choices=[("first_touch", "First Touch"), ("last_touch", "Last Touch")], required=False
    )
    campaign_name_mappings = serializers.JSONField(required=False)
    custom_source_mappings = serializers.JSONField(required=False)
    campaign_field_preferences = serializers.JSONField(required=False)


class TeamCustomerAnalyticsConfigSerializer(serializers.Serializer):
    activity_event = serializers.JSONField(required=False)
    signup_pageview_event = serializers.JSONField(required=False)
    signup_event = serializers.JSONField(required=False)
    subscription_event = serializers.JSONField(required=False)
    payment_event = serializers.JSONField(required=False)
    account_group_type_index = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=4)


class TeamWorkflowsConfigSerializer(serializers.Serializer):
    capture_workflows_engagement_events = serializers.BooleanField(required=False)
