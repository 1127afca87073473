from posthog_api.permissions import OrganizationAdminWritePermission


class RoleAdminWritePermission(OrganizationAdminWritePermission):
    """Members read roles; writing needs admin in the organization of the URL (not the caller's current one)."""

    message = "You need to have admin level or higher."
