"""Writes of insights and their sharing, each in one transaction with its activity entry (spec §5, §6.5)."""

import datetime
import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from activity.services import activity_log_record, change, model_snapshot
from sharing.models import Insight, SharePassword, SharingConfiguration, generate_short_id

SCOPE = "Insight"
# Fields whose changes are logged and count as a modification; PostHog excludes `order`, `saved` and the others.
LOGGED_FIELDS = ("name", "derived_name", "description", "query", "filters", "deleted", "favorited", "tags")
SHORT_ID_ATTEMPTS = 10
REFRESH_GRACE_PERIOD = datetime.timedelta(seconds=300)
ADVANCED_PERMISSIONS = "advanced_permissions"
SECURITY_SETTINGS = "organization_security_settings"
WHITE_LABELLING = "white_labelling"


def organization_has_feature(organization, key: str) -> bool:
    features = organization.available_product_features or []
    return any(isinstance(feature, dict) and feature.get("key") == key for feature in features)


def public_sharing_blocked(organization) -> bool:
    """Only an organization with the security-settings feature can switch public sharing off."""
    if organization.allow_publicly_shared_resources:
        return False
    return organization_has_feature(organization, SECURITY_SETTINGS)


def _log(insight: Insight, activity: str, user, *, team_id: int, **detail) -> None:
    activity_log_record(
        scope=SCOPE,
        activity=activity,
        item_id=insight.pk,
        user=user,
        team_id=team_id,
        name=insight.display_name,
        short_id=insight.short_id,
        **detail,
    )


# --- Insights ---


def _free_short_id(team_id: int) -> str:
    for _ in range(SHORT_ID_ATTEMPTS):
        short_id = generate_short_id()
        if not Insight.objects.filter(team_id=team_id, short_id=short_id).exists():
            return short_id
    raise RuntimeError("Could not find a free insight short id")


@transaction.atomic
def insight_create(*, team, created_by, **fields) -> Insight:
    fields.pop("dashboards", None)
    fields.pop("_create_in_folder", None)
    insight = Insight.objects.create(
        team=team, short_id=_free_short_id(team.pk), created_by=created_by, last_modified_by=created_by, **fields
    )
    if insight.display_name:
        _log(insight, "created", created_by, team_id=team.pk)
    return insight


@transaction.atomic
def insight_update(*, insight: Insight, user, team_id: int, **fields) -> Insight:
    fields.pop("dashboards", None)
    fields.pop("_create_in_folder", None)
    before = model_snapshot(insight, LOGGED_FIELDS)
    for name, value in fields.items():
        setattr(insight, name, value)
    after = model_snapshot(insight, LOGGED_FIELDS)
    if before != after:
        insight.last_modified_at = timezone.now()
        insight.last_modified_by = user
    insight.save()
    if insight.display_name:
        _log(insight, "updated", user, team_id=team_id, before=before, after=after)
    return insight


# --- Sharing ---


def _locked_current_configuration(insight: Insight) -> SharingConfiguration | None:
    """The insight's current configuration, with sharing writes of this insight queued on the insight row."""
    Insight.objects.select_for_update().filter(pk=insight.pk).first()
    return SharingConfiguration.objects.filter(insight=insight, expires_at__isnull=True).first()


@transaction.atomic
def sharing_configuration_update(*, insight: Insight, user, team_id: int, **fields) -> SharingConfiguration:
    """Store what PATCH sent (the configuration is created on the first one) and log sharing enabled/disabled."""
    configuration = _locked_current_configuration(insight) or SharingConfiguration(
        team_id=insight.team_id, insight=insight
    )
    for name, value in fields.items():
        setattr(configuration, name, value)
    configuration.save()
    activity = "sharing enabled" if configuration.enabled else "sharing disabled"
    sharing = change(SCOPE, "sharing", None, configuration.enabled, action="changed")
    _log(insight, activity, user, team_id=team_id, changes=[sharing])
    return configuration


@transaction.atomic
def sharing_access_token_refresh(*, insight: Insight, user, team_id: int) -> SharingConfiguration:
    """A new configuration with a new token, settings and active passwords copied; the old token keeps working for
    a grace period."""
    old = _locked_current_configuration(insight)
    new = SharingConfiguration(team_id=insight.team_id, insight=insight)
    if old is not None:
        old.expires_at = timezone.now() + REFRESH_GRACE_PERIOD
        old.save(update_fields=["expires_at"])
        new.enabled, new.settings, new.password_required = old.enabled, old.settings, old.password_required
    new.save()
    if old is not None:
        SharePassword.objects.bulk_create(
            SharePassword(
                sharing_configuration=new,
                password_hash=password.password_hash,
                created_by_id=password.created_by_id,
                created_at=password.created_at,
                note=password.note,
            )
            for password in old.share_passwords.filter(is_active=True).order_by("created_at", "id")
        )
    _log(insight, "access token refreshed", user, team_id=team_id)
    return new


@transaction.atomic
def share_password_create(
    *, insight: Insight, created_by, raw_password: str | None, note: str
) -> tuple[SharePassword, str]:
    """A password for the insight's current share (which must exist); without `raw_password` a random one. Returns
    it with its raw value. Taken under the insight's lock, so a concurrent refresh cannot leave it on the old share."""
    configuration = _locked_current_configuration(insight)
    raw_password = raw_password or secrets.token_urlsafe(16)
    password = SharePassword.objects.create(
        sharing_configuration=configuration,
        password_hash=make_password(raw_password),
        created_by=created_by,
        note=note,
    )
    return password, raw_password


def share_password_deactivate(*, password: SharePassword) -> None:
    password.is_active = False
    password.save(update_fields=["is_active"])


def share_login_attempt_log(
    *, configuration: SharingConfiguration, client_ip: str, password: SharePassword | None
) -> None:
    """An unlock attempt on a password-protected share, by nobody in particular."""
    attempt = {
        "access_token_suffix": configuration.access_token[-6:] if configuration.access_token else None,
        "client_ip": client_ip,
        "success": password is not None,
        "resource_type": "insight",
    }
    if password is not None:
        attempt.update(password_id=str(password.pk), password_note=password.note or "Untitled password")
    insight = configuration.insight
    activity_log_record(
        scope=SCOPE,
        activity="share_login_success" if password is not None else "share_login_failed",
        item_id=insight.pk,
        team_id=configuration.team_id,
        organization_id=configuration.team.organization_id,
        name=insight.display_name,
        changes=[change(SCOPE, "authentication_attempt", None, attempt, action="changed")],
    )
