"""Create the first organization, project, user and personal API key, or hand out a new key for an existing user."""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from api_keys.models import MAX_PERSONAL_API_KEYS_PER_USER, PersonalAPIKey
from api_keys.services import personal_api_key_create
from organizations.models import Organization
from organizations.services import organization_create
from users.models import User

DEFAULT_EMAIL = "admin@localhost"
KEY_LABEL = "bootstrap"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEFAULT_EMAIL)
        parser.add_argument("--organization-name", default="Default organization")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--if-empty", action="store_true", help="create nothing (and print a one-line note) when any user exists"
        )

    def handle(self, *args, **options):
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("Already bootstrapped. Run `make key` (or `python manage.py bootstrap`) for a new key.")
            return
        result = bootstrap(email=options["email"], organization_name=options["organization_name"])
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            "\n".join(
                [
                    "posthog-api is bootstrapped. The personal API key is shown only this once:",
                    f"  email:              {result['email']}",
                    f"  organization id:    {result['organization_id']}",
                    f"  project id:         {result['project_id']}",
                    f"  project API token:  {result['project_api_token']}",
                    f"  personal API key:   {result['personal_api_key']}",
                    "Try: curl -H 'Authorization: Bearer <personal API key>' "
                    f"http://localhost:{os.environ.get('PORT', '8000')}/api/users/@me/",
                ]
            )
        )


@transaction.atomic
def bootstrap(*, email: str, organization_name: str) -> dict:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, first_name="Admin", is_staff=True)
    if not user.organization_memberships.exists():
        organization_create(
            name=organization_name,
            created_by=user,
            plugins_access_level=Organization.PluginsAccessLevel.ROOT,  # the instance's own: may publish global plugins
        )
    user.refresh_from_db()
    team = user.current_team or user.organization_memberships.first().organization.teams.order_by("id").first()
    _make_room_for_a_key(user)
    _, value = personal_api_key_create(user=user, label=KEY_LABEL, scopes=["*"])
    return {
        "email": user.email,
        "organization_id": str(team.organization_id),
        "project_id": team.project_id,
        "project_api_token": team.api_token,
        "personal_api_key": value,
    }


def _make_room_for_a_key(user: User) -> None:
    """At the per-user key limit, the oldest key this command made gives way; keys made by hand never do."""
    keys = PersonalAPIKey.objects.filter(user=user)
    excess = keys.count() - MAX_PERSONAL_API_KEYS_PER_USER + 1
    if excess <= 0:
        return
    oldest = list(keys.filter(label=KEY_LABEL).order_by("created_at").values_list("pk", flat=True)[:excess])
    if len(oldest) < excess:
        raise CommandError(
            f"{user.email} already has {MAX_PERSONAL_API_KEYS_PER_USER} personal API keys. "
            "Remove one before creating a new one."
        )
    PersonalAPIKey.objects.filter(pk__in=oldest).delete()
