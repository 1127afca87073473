"""The analytics config objects nested in the project and environment shapes (stored as JSON on Team).

No field is required and none has a default, so a write carries only what was sent and is merged onto the stored
object by the update service.
"""

from rest_framework import serializers

from projects.choices import CURRENCY_CODES


class TeamRevenueAnalyticsConfigSerializer(serializers.Serializer):
    base_currency = serializers.ChoiceField(choices=CURRENCY_CODES, required=False)
    events = serializers.JSONField(required=False)
    goals = serializers.JSONField(required=False)
    filter_test_accounts = serializers.BooleanField(required=False)

    def validate_events(self, value):
        if not isinstance(value, list):
            raise serializers.ValidationError("Must provide a list of revenue events.")
        return value


class TeamMarketingAnalyticsConfigSerializer(serializers.Serializer):
    sources_map = serializers.JSONField(required=False)
    conversion_goals = serializers.JSONField(required=False)
    attribution_window_days = serializers.IntegerField(required=False, min_value=1, max_value=90)
    attribution_mode = serializers.ChoiceField(
        choices=[("first_touch", "First Touch"), ("last_touch", "Last Touch")], required=False
    )
    campaign_name_mappings = serializers.JSONField(required=False)
    custom_source_mappings = serializers.JSONField(required=False)
    campaign_field_preferences = serializers.JSONField(required=False)

    def validate_sources_map(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must provide an object of sources.")
        return value

    def validate_conversion_goals(self, value):
        if not isinstance(value, list):
            raise serializers.ValidationError("Must provide a list of conversion goals.")
        return value


class TeamCustomerAnalyticsConfigSerializer(serializers.Serializer):
    activity_event = serializers.JSONField(required=False)
    signup_pageview_event = serializers.JSONField(required=False)
    signup_event = serializers.JSONField(required=False)
    subscription_event = serializers.JSONField(required=False)
    payment_event = serializers.JSONField(required=False)
    account_group_type_index = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=4)


class TeamWorkflowsConfigSerializer(serializers.Serializer):
    capture_workflows_engagement_events = serializers.BooleanField(required=False)
