import logging

import pytest
from rest_framework.test import APIClient

from posthog_api.testing import key_client, make_key, make_organization, make_user


@pytest.fixture
def user(db):
    return make_user(first_name="Ada")


@pytest.fixture
def organization(user):
    return make_organization(user, name="Acme")


@pytest.fixture
def team(organization):
    return organization.teams.get()


@pytest.fixture
def key(user, organization):
    """A `*` personal API key of `user`, who owns `organization`."""
    return make_key(user)


@pytest.fixture
def client(key) -> APIClient:
    """An API client authenticated with `key`."""
    return key_client(key)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def other_user(db):
    return make_user(first_name="Eve")


@pytest.fixture
def other_organization(other_user):
    return make_organization(other_user, name="Other Inc")


@pytest.fixture
def request_log(caplog):
    """Records of the request logger, which does not propagate to the root logger that caplog listens on."""
    logger = logging.getLogger("posthog_api.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="posthog_api.requests")
    yield caplog
    logger.removeHandler(caplog.handler)
