"""Bodies and small response shapes of the project and environment actions."""

from rest_framework import serializers

from projects.constants import PRODUCT_KEYS
from projects.models import Team


class ProductIntentSerializer(serializers.Serializer):
    product_type = serializers.ChoiceField(choices=PRODUCT_KEYS)
    # PostHog's list of contexts grows with every release; any short string is kept (older PostHog did the same).
    intent_context = serializers.CharField(required=False, allow_null=True, max_length=200)
    metadata = serializers.DictField(required=False, default=dict)


class ChangeOrganizationSerializer(serializers.Serializer):
    organization_id = serializers.UUIDField()


class ExperimentsConfigSerializer(serializers.ModelSerializer):
    default_experiment_confidence_level = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False, allow_null=True
    )

    class Meta:
        model = Team
        fields = [
            "experiment_recalculation_time",
            "default_experiment_confidence_level",
            "default_experiment_stats_method",
            "experiment_precomputation_enabled",
            "default_only_count_matured_users",
            "default_cuped_enabled",
            "default_cuped_lookback_days",
            "default_minimum_detectable_effect",
        ]
        extra_kwargs = {
            "default_cuped_lookback_days": {"min_value": 1, "max_value": 30},
            "default_minimum_detectable_effect": {"min_value": 1, "max_value": 100},
        }


def release_conditions_error(data) -> str | None:
    """PostHog's checks on a default release conditions body; the first problem found, or None."""
    if not isinstance(data, dict):
        return "Request body must be an object"
    if "enabled" in data and not isinstance(data["enabled"], bool):
        return "enabled must be a boolean"
    groups = data.get("default_groups", [])
    if not isinstance(groups, list):
        return "default_groups must be a list"
    for index, group in enumerate(groups):
        if not isinstance(group, dict):
            return f"Group at index {index} must be an object"
        if not isinstance(group.get("properties"), list):
            return f"Group at index {index} must have a 'properties' list"
        rollout = group.get("rollout_percentage")
        if rollout is not None and (
            isinstance(rollout, bool) or not isinstance(rollout, int | float) or rollout != rollout
        ):
            return f"Group at index {index} has invalid rollout_percentage (must be 0-100 or null)"
        if rollout is not None and not 0 <= rollout <= 100:
            return f"Group at index {index} has invalid rollout_percentage (must be 0-100 or null)"
    return None


def release_group(group: dict) -> dict:
    return {
        "properties": group["properties"],
        "rollout_percentage": group.get("rollout_percentage"),
        "variant": group.get("variant"),
    }
