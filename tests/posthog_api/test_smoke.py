from posthog_api.testing import not_authenticated


def test_me_with_key_returns_the_caller(client, user):
    response = client.get("/api/users/@me/")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_me_without_credentials_is_401(anonymous, db):
    response = anonymous.get("/api/users/@me/")
    assert response.status_code == 401
    assert response.json() == not_authenticated()
