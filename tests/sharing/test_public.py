import datetime
import json
import re

import pytest
from django.core import signing
from django.utils import timezone

from posthog_api.testing import error
from sharing import services
from sharing.authentication import COOKIE_NAME, SALT
from sharing.models import SharingConfiguration
from tests.sharing.builders import (
    ADVANCED_PERMISSIONS,
    SECURITY_SETTINGS,
    WHITE_LABELLING,
    activity_entries,
    give_features,
    insight_body,
    make_insight,
)

ATTEMPT = "authentication_attempt"
EXPORTED_DATA = re.compile(r'<script id="posthog-exported-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def insight(team, user):
    return make_insight(team, user)


@pytest.fixture
def share(user, team, insight) -> SharingConfiguration:
    return services.sharing_configuration_update(insight=insight, user=user, team_id=team.id, enabled=True)


@pytest.fixture
def protected(user, organization, team, insight):
    """A password-protected share whose password is `open sesame`."""
    give_features(organization, ADVANCED_PERMISSIONS)
    configuration = services.sharing_configuration_update(
        insight=insight, user=user, team_id=team.id, enabled=True, password_required=True
    )
    services.share_password_create(insight=insight, created_by=user, raw_password="open sesame", note="")
    return configuration


def page_data(response) -> dict:
    return json.loads(EXPORTED_DATA.search(response.content.decode()).group(1))


def scene(share: SharingConfiguration, insight, **extra) -> dict:
    return {
        "type": "scene",
        "accessToken": share.access_token,
        "insight": insight_body(insight, access=None),
        "themes": [],
        **extra,
    }


def assert_not_found_page(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Shared resource not found" in response.content.decode()


def test_json_shows_the_insight_to_anyone(anonymous, share, insight):
    response = anonymous.get(f"/shared/{share.access_token}.json")

    assert response.status_code == 200
    assert response.json() == scene(share, insight)


def test_the_request_log_masks_the_token(anonymous, share, request_log):
    response = anonymous.get(f"/shared/{share.access_token}.json")

    assert response.status_code == 200
    [line] = [record.getMessage() for record in request_log.records]
    assert line.startswith(f"GET /shared/{share.access_token[:4]}...{share.access_token[-4:]}.json 200 ")
    assert share.access_token[8:-8] not in line


def test_the_page_embeds_the_same_data_and_may_be_framed(anonymous, share, insight):
    response = anonymous.get(f"/shared/{share.access_token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "X-Frame-Options" not in response
    assert page_data(response) == scene(share, insight)
    assert anonymous.get(f"/shared/{share.access_token}/").status_code == 200


def test_embedded_pages_say_so(anonymous, share, insight):
    assert anonymous.get(f"/embedded/{share.access_token}.json").json()["type"] == "embed"
    assert anonymous.get(f"/shared/{share.access_token}.json?embedded").json()["type"] == "embed"
    assert page_data(anonymous.get(f"/embedded/{share.access_token}"))["type"] == "embed"


def test_settings_become_display_flags_and_white_labelling_needs_the_feature(
    anonymous, user, organization, team, share, insight
):
    settings = {"legend": True, "noHeader": True, "detailed": False, "whitelabel": True, "theme": "dark"}
    services.sharing_configuration_update(insight=insight, user=user, team_id=team.id, settings=settings)
    url = f"/shared/{share.access_token}.json"

    without_feature = anonymous.get(url).json()
    give_features(organization, WHITE_LABELLING)
    with_feature = anonymous.get(url).json()

    assert without_feature == scene(share, insight, noHeader=True, legend=True, theme="dark")
    assert with_feature == scene(share, insight, noHeader=True, legend=True, whitelabel=True, theme="dark")


def test_the_whitelabel_parameter_white_labels_any_share_of_an_organization_with_the_feature(
    anonymous, user, organization, team, share, insight
):
    url = f"/shared/{share.access_token}.json?whitelabel"

    without_feature = anonymous.get(url).json()
    give_features(organization, [*ADVANCED_PERMISSIONS, *WHITE_LABELLING])
    with_feature = anonymous.get(url).json()
    services.sharing_configuration_update(insight=insight, user=user, team_id=team.id, password_required=True)

    assert without_feature == scene(share, insight)
    assert with_feature == scene(share, insight, whitelabel=True)
    assert anonymous.get(url).json() == {"type": "unlock", "whitelabel": True}


def test_hiding_extra_details_leaves_out_who_made_the_insight_and_when(anonymous, user, team, share, insight):
    services.sharing_configuration_update(
        insight=insight, user=user, team_id=team.id, settings={"hideExtraDetails": True}
    )

    data = anonymous.get(f"/shared/{share.access_token}.json").json()

    assert data["hideExtraDetails"] is True
    hidden = ("created_by", "last_modified_by", "created_at", "last_modified_at")
    expected = {field: value for field, value in insight_body(insight, access=None).items() if field not in hidden}
    assert data["insight"] == expected


def test_unknown_disabled_or_expired_tokens_are_the_not_found_page(anonymous, user, team, share, insight):
    assert_not_found_page(anonymous.get("/shared/no-such-token"))
    assert_not_found_page(anonymous.get("/shared/no-such-token.json"))

    services.sharing_configuration_update(insight=insight, user=user, team_id=team.id, enabled=False)
    assert_not_found_page(anonymous.get(f"/shared/{share.access_token}.json"))
    assert_not_found_page(anonymous.get(f"/embedded/{share.access_token}"))


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", ["/shared/%00", "/shared/a%00b.json", "/embedded/%00"])
def test_a_token_with_a_nul_character_is_the_not_found_page(anonymous, share, method, path):
    # PostgreSQL cannot compare text holding NUL: the lookup was a 500.
    assert_not_found_page(getattr(anonymous, method)(path))


def test_a_refreshed_token_works_for_its_grace_period_only(anonymous, user, team, share, insight):
    current = services.sharing_access_token_refresh(insight=insight, user=user, team_id=team.id)

    assert anonymous.get(f"/shared/{share.access_token}.json").status_code == 200
    assert anonymous.get(f"/shared/{current.access_token}.json").json() == scene(current, insight)

    SharingConfiguration.objects.filter(pk=share.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_not_found_page(anonymous.get(f"/shared/{share.access_token}.json"))


def test_an_organization_that_switched_public_sharing_off_shares_nothing(anonymous, organization, share):
    organization.allow_publicly_shared_resources = False
    organization.save(update_fields=["allow_publicly_shared_resources"])
    assert anonymous.get(f"/shared/{share.access_token}.json").status_code == 200

    give_features(organization, SECURITY_SETTINGS)

    assert_not_found_page(anonymous.get(f"/shared/{share.access_token}.json"))


def test_a_deleted_insight_is_not_found(anonymous, share, insight):
    insight.deleted = True
    insight.save()

    response = anonymous.get(f"/shared/{share.access_token}.json")

    assert response.status_code == 404
    assert response.json() == error("invalid_request", "not_found", "No resource found")


def test_other_methods_are_not_allowed_and_the_log_still_masks_the_token(anonymous, share, request_log):
    response = anonymous.put(f"/shared/{share.access_token}.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    [line] = [record.getMessage() for record in request_log.records if record.name == "posthog_api.requests"]
    assert line.startswith(f"PUT /shared/{share.access_token[:4]}...{share.access_token[-4:]}.json 405 ")


# --- Password-protected shares ---


def test_a_protected_share_asks_to_unlock_and_shows_no_data(anonymous, protected):
    as_json = anonymous.get(f"/shared/{protected.access_token}.json")
    page = anonymous.get(f"/shared/{protected.access_token}")

    assert as_json.json() == {"type": "unlock"}
    assert page_data(page) == {"type": "unlock"}
    assert "Weekly users" not in page.content.decode()


def test_a_wrong_password_is_401_and_logged(anonymous, organization, team, insight, protected):
    response = anonymous.post(f"/shared/{protected.access_token}", {"password": "guess"}, format="json")

    assert response.status_code == 401
    assert response.json() == {"error": "Incorrect password"}
    assert COOKIE_NAME not in response.cookies
    attempt = {
        "access_token_suffix": protected.access_token[-6:],
        "client_ip": "127.0.0.1",
        "success": False,
        "resource_type": "insight",
    }
    assert activity_entries()[-1] == {
        "activity": "share_login_failed",
        "item_id": str(insight.id),
        "user_id": None,
        "is_system": True,
        "team_id": team.id,
        "organization_id": organization.id,
        "detail": {
            "name": "Weekly users",
            "short_id": None,
            "type": None,
            "changes": [{"type": "Insight", "action": "changed", "field": ATTEMPT, "before": None, "after": attempt}],
            "trigger": None,
            "context": None,
        },
    }


def test_the_right_password_gives_a_share_token_and_cookie_that_unlock(anonymous, insight, protected):
    response = anonymous.post(f"/shared/{protected.access_token}.json", {"password": "open sesame"}, format="json")

    assert response.status_code == 200
    token = response.json()["shareToken"]
    cookie = response.cookies[COOKIE_NAME]
    assert (cookie.value, cookie["path"], cookie["httponly"], cookie["max-age"]) == (
        token,
        f"/shared/{protected.access_token}",
        True,
        86400,
    )
    password = protected.share_passwords.get()
    after = activity_entries()[-1]
    assert after["activity"] == "share_login_success"
    assert after["detail"]["changes"][0]["after"]["password_id"] == str(password.id)
    assert after["detail"]["changes"][0]["after"]["password_note"] == "Untitled password"

    with_cookie = anonymous.get(f"/shared/{protected.access_token}.json")
    with_bearer = type(anonymous)().get(f"/shared/{protected.access_token}.json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert with_cookie.json() == scene(protected, insight, shareToken=token)
    assert with_bearer.json() == scene(protected, insight, shareToken=token)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"password": ' + "[" * 5000 + "]" * 5000 + "}", "{x"])
def test_an_unreadable_unlock_body_is_a_wrong_password(anonymous, protected, body):
    response = anonymous.post(f"/shared/{protected.access_token}", body, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"error": "Incorrect password"}


def test_a_password_with_a_lone_surrogate_is_a_wrong_password(anonymous, protected):
    # Hashing it to compare could not encode it: a 500.
    body = '{"password": "open\\ud800"}'
    response = anonymous.post(f"/shared/{protected.access_token}", body, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"error": "Incorrect password"}
    assert COOKIE_NAME not in response.cookies
    assert activity_entries()[-1]["activity"] == "share_login_failed"


def test_a_form_post_unlocks_too(anonymous, protected):
    response = anonymous.post(f"/shared/{protected.access_token}", {"password": "open sesame"})

    assert response.status_code == 200
    assert "shareToken" in response.json()


def test_a_share_token_stops_working_when_its_password_is_deleted(anonymous, protected):
    token = anonymous.post(f"/shared/{protected.access_token}", {"password": "open sesame"}, format="json").json()[
        "shareToken"
    ]
    services.share_password_deactivate(password=protected.share_passwords.get())

    response = anonymous.get(f"/shared/{protected.access_token}.json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.json() == {"type": "unlock"}


def test_forged_or_foreign_share_tokens_do_not_unlock(anonymous, user, team, protected):
    other_insight = make_insight(team, user, name="Other")
    other = services.sharing_configuration_update(
        insight=other_insight, user=user, team_id=team.id, enabled=True, password_required=True
    )
    password, _ = services.share_password_create(insight=other_insight, created_by=user, raw_password=None, note="")
    foreign = signing.dumps({"configuration": other.pk, "password": password.pk}, salt=SALT, compress=True)
    forged = signing.dumps({"configuration": protected.pk, "password": password.pk}, salt="other", compress=True)

    for token in (foreign, forged, "garbage"):
        response = anonymous.get(f"/shared/{protected.access_token}.json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.json() == {"type": "unlock"}
