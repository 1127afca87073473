import pytest

from organizations.models import OrganizationMembership
from posthog_api.testing import add_member, key_client, make_key, make_user


@pytest.fixture
def admin(organization):
    admin = make_user(first_name="Admin")
    add_member(organization, admin, level=OrganizationMembership.Level.ADMIN)
    return admin


@pytest.fixture
def member(organization):
    member = make_user(first_name="Member")
    add_member(organization, member)
    return member


@pytest.fixture
def member_client(member):
    return key_client(make_key(member))


@pytest.fixture
def admin_client(admin):
    return key_client(make_key(admin))


@pytest.fixture
def session_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(user)
    return client
