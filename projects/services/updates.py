"""Updating a team's settings: merges for the JSON configs, side effects, changed columns only, activity."""

import secrets

from django.db import transaction

from activity.services import activity_log_record, change, model_snapshot
from posthog_api.models import mask_key_value
from projects.models import Project, Team
from projects.services.activity_log import log_project_activity, log_team_activity

# Written as a whole when sent, but merged key by key onto what is stored; null clears them.
SHALLOW_MERGED_FIELDS = ("survey_config", "modifiers", "conversations_settings")
# Excluded from Team activity diffs.
TEAM_ACTIVITY_EXCLUDED = ("secret_api_token", "secret_api_token_backup", "organization", "project")


def merge_settings(team: Team, data: dict) -> dict:
    """`data` with the JSON configs merged onto the stored values, as PostHog does on update."""
    data = dict(data)
    for field in SHALLOW_MERGED_FIELDS:
        if isinstance(data.get(field), dict) and isinstance(getattr(team, field), dict):
            data[field] = {**getattr(team, field), **data[field]}
    if isinstance(data.get("session_replay_config"), dict) and isinstance(team.session_replay_config, dict):
        data["session_replay_config"] = _merge_one_level(team.session_replay_config, data["session_replay_config"])
    for field in ("revenue_analytics_config", "customer_analytics_config", "workflows_config"):
        if field in data:
            data[field] = {**(getattr(team, field) or {}), **data[field]}
    if "marketing_analytics_config" in data:
        data["marketing_analytics_config"] = _merge_marketing(team.marketing_analytics_config or {}, data)
    return _apply_conversations_enabled(team, data)


def _merge_one_level(old: dict, new: dict) -> dict:
    merged = {**old, **new}
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            merged[key] = {**old[key], **value}
    return merged


def _merge_marketing(old: dict, data: dict) -> dict:
    new = dict(data["marketing_analytics_config"])
    if isinstance(new.get("sources_map"), dict):
        sources = {**(old.get("sources_map") or {}), **new["sources_map"]}
        new["sources_map"] = {key: value for key, value in sources.items() if value is not None}
    return {**old, **new}


def _apply_conversations_enabled(team: Team, data: dict) -> dict:
    """Turning conversations on mints a widget token when there is none; turning them off drops it."""
    if "conversations_enabled" not in data:
        return data
    settings = dict(data.get("conversations_settings", team.conversations_settings) or {})
    if data["conversations_enabled"] and not team.conversations_enabled and not settings.get("widget_public_token"):
        settings["widget_public_token"] = secrets.token_urlsafe(32)
    elif not data["conversations_enabled"] and team.conversations_enabled:
        settings["widget_public_token"] = None
    else:
        return data
    return {**data, "conversations_settings": settings}


@transaction.atomic
def team_update(*, team: Team, data: dict, user, project_data: dict | None = None) -> Team:
    """Write the changed settings of `team` (and, on the project route, of its project) and log the changes."""
    before = model_snapshot(team)
    data = merge_settings(team, data)
    if project_data and "name" in project_data:
        data["name"] = project_data["name"]
    changed = [field for field, value in data.items() if getattr(team, field) != value]
    for field in changed:
        setattr(team, field, data[field])
    if changed:
        team.save(update_fields=[*changed, "updated_at"])
    project = team.project
    project_before = model_snapshot(project)
    project_changed = [f for f, v in (project_data or {}).items() if getattr(project, f) != v]
    for field in project_changed:
        setattr(project, field, project_data[field])
    if project_changed:
        project.save(update_fields=[*project_changed, "updated_at"])
    _log_update(team=team, before=before, user=user)
    if project_changed:
        _log_project_update(project=project, before=project_before, user=user)
    return team


def _log_update(*, team: Team, before: dict, user) -> None:
    after = model_snapshot(team)
    log_team_activity(
        team=team, activity="updated", user=user, before=before, after=after, exclude=TEAM_ACTIVITY_EXCLUDED
    )
    if before["survey_config"] != after["survey_config"]:
        activity_log_record(
            scope="Survey",
            activity="updated",
            item_id="#" if team.is_passthrough else "",
            user=user,
            team_id=team.id,
            organization_id=team.organization_id,
            name="global survey appearance",
            changes=[change("Survey", "survey_config", before["survey_config"], after["survey_config"])],
        )


def _log_project_update(*, project: Project, before: dict, user) -> None:
    log_project_activity(
        project=project,
        activity="updated",
        user=user,
        before=before,
        after=model_snapshot(project),
        exclude=("organization", "is_pending_deletion"),
    )


def masked(value: str | None) -> str | None:
    return mask_key_value(value) if value else None
