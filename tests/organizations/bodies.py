"""Expected response bodies for organizations, members, users and teams, built from the rows themselves."""

from organizations.models import Organization, OrganizationMembership
from projects.models import Project, Team
from users.models import User


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def team_basic_body(team: Team) -> dict:
    return {
        "id": team.id,
        "uuid": str(team.uuid),
        "organization": str(team.organization_id),
        "project_id": team.project_id,
        "api_token": team.api_token,
        "name": team.name,
        "completed_snippet_onboarding": team.completed_snippet_onboarding,
        "has_completed_onboarding_for": team.has_completed_onboarding_for,
        "ingested_event": team.ingested_event,
        "is_demo": team.is_demo,
        "timezone": team.timezone,
        "access_control": team.access_control,
    }


def project_basic_body(project: Project) -> dict:
    return {"id": project.id, "organization_id": str(project.organization_id), "name": project.name}


def organization_body(organization: Organization, *, level: int | None, member_count: int = 1) -> dict:
    organization.refresh_from_db()
    return {
        "id": str(organization.id),
        "name": organization.name,
        "slug": organization.slug,
        "logo_media_id": None,
        "created_at": iso(organization.created_at),
        "updated_at": iso(organization.updated_at),
        "membership_level": level,
        "plugins_access_level": 6,
        "teams": [team_basic_body(team) for team in organization.teams.order_by("id")],
        "projects": [project_basic_body(project) for project in organization.projects.order_by("id")],
        "available_product_features": [],
        "is_member_join_email_enabled": organization.is_member_join_email_enabled,
        "metadata": {"instance_tag": "none"},
        "customer_id": None,
        "enforce_2fa": organization.enforce_2fa,
        "members_can_invite": organization.members_can_invite,
        "members_can_use_personal_api_keys": organization.members_can_use_personal_api_keys,
        "allow_publicly_shared_resources": organization.allow_publicly_shared_resources,
        "member_count": member_count,
        "is_ai_data_processing_approved": organization.is_ai_data_processing_approved,
        "default_experiment_stats_method": organization.default_experiment_stats_method,
        "default_anonymize_ips": organization.default_anonymize_ips,
        "default_role_id": str(organization.default_role_id) if organization.default_role_id else None,
    }


def organization_basic_body(organization: Organization, *, level: int) -> dict:
    return {
        "id": str(organization.id),
        "name": organization.name,
        "slug": organization.slug,
        "logo_media_id": None,
        "membership_level": level,
        "members_can_use_personal_api_keys": organization.members_can_use_personal_api_keys,
    }


def user_basic_body(user: User) -> dict:
    user.refresh_from_db()
    return {
        "id": user.id,
        "uuid": str(user.uuid),
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
        "hedgehog_config": user.hedgehog_config,
        "role_at_organization": user.role_at_organization,
    }


def member_body(membership: OrganizationMembership) -> dict:
    membership.refresh_from_db()
    return {
        "id": str(membership.id),
        "user": user_basic_body(membership.user),
        "level": membership.level,
        "joined_at": iso(membership.joined_at),
        "updated_at": iso(membership.updated_at),
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "last_login": iso(membership.user.last_login),
    }
