"""Project token reset, secret token rotation and the conversations widget token."""

from django.db import transaction

from activity.services import change
from projects.models import Team, generate_project_token, generate_secret_token
from projects.services.activity_log import log_team_activity
from projects.services.updates import masked


@transaction.atomic
def team_reset_token(*, team: Team, user) -> Team:
    """A new `phc_` token at once; the old one stops working. Logged unmasked, as PostHog does."""
    old = team.api_token
    team.api_token = generate_project_token()
    team.save(update_fields=["api_token", "updated_at"])
    log_team_activity(
        team=team, activity="updated", user=user, changes=[change("Team", "api_token", old, team.api_token)]
    )
    return team


@transaction.atomic
def team_rotate_secret_token(*, team: Team, user) -> Team:
    """A new `phs_` secret; the previous one becomes the backup (the older backup is dropped)."""
    old, old_backup = team.secret_api_token, team.secret_api_token_backup
    team.secret_api_token = generate_secret_token()
    team.secret_api_token_backup = old
    team.save(update_fields=["secret_api_token", "secret_api_token_backup", "updated_at"])
    if old is None:
        item = change("Team", "secret_api_token", None, {"secret_api_token": masked(team.secret_api_token)})
    else:
        item = change(
            "Team",
            "secret_api_token",
            {"secret_api_token": masked(old), "secret_api_token_backup": masked(old_backup)},
            {"secret_api_token": masked(team.secret_api_token), "secret_api_token_backup": masked(old)},
            action="changed",
        )
    log_team_activity(team=team, activity="updated", user=user, changes=[item])
    return team


@transaction.atomic
def team_delete_secret_token_backup(*, team: Team, user) -> Team:
    """Drop the backup secret; with none, nothing happens and nothing is logged."""
    old = team.secret_api_token_backup
    if old is None:
        return team
    team.secret_api_token_backup = None
    team.save(update_fields=["secret_api_token_backup", "updated_at"])
    log_team_activity(
        team=team, activity="updated", user=user, changes=[change("Team", "secret_api_token_backup", masked(old), None)]
    )
    return team


@transaction.atomic
def team_generate_conversations_token(*, team: Team, user) -> Team:
    settings = dict(team.conversations_settings or {})
    old = settings.get("widget_public_token")
    settings["widget_public_token"] = generate_project_token()
    team.conversations_settings = settings
    team.save(update_fields=["conversations_settings", "updated_at"])
    field = "conversations_settings.widget_public_token"
    item = change("Team", field, masked(old), masked(settings["widget_public_token"]))
    log_team_activity(team=team, activity="updated", user=user, changes=[item])
    return team
