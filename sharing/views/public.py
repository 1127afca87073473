"""The public page of a shared insight: /shared/<token> and /embedded/<token>, `.json` for the data alone.

No PostHog login is read here; a password-protected share is unlocked by a share token (see authentication.py).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from posthog_api.exceptions import error_body
from posthog_api.models import mask_key_value
from posthog_api.validators import is_storable_text
from sharing import services
from sharing.authentication import (
    COOKIE_NAME,
    MAX_AGE_SECONDS,
    share_token_create,
    share_token_from_request,
    share_token_unlocks,
)
from sharing.models import SharingConfiguration
from sharing.serializers import BOOLEAN_SETTINGS, THEMES, InsightSerializer


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/not_found.html", status=404)


def _shared_configuration(access_token: str) -> SharingConfiguration | None:
    if not is_storable_text(access_token):
        return None
    configuration = (
        SharingConfiguration.objects.select_related("insight", "team__organization")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), access_token=access_token)
        .first()
    )
    if configuration is None or not configuration.enabled:
        return None
    if services.public_sharing_blocked(configuration.team.organization):
        return None
    return configuration


def _display_options(request: HttpRequest, configuration: SharingConfiguration) -> dict:
    """The flags of the configuration's settings that the page shows. White-labelling needs the feature; with it,
    `?whitelabel` asks for it too (PostHog reads that parameter for every share)."""
    settings = configuration.settings or {}
    options = {key: True for key in BOOLEAN_SETTINGS if settings.get(key) is True}
    wanted = options.pop("whitelabel", False) or "whitelabel" in request.GET
    if wanted and services.organization_has_feature(configuration.team.organization, services.WHITE_LABELLING):
        options["whitelabel"] = True
    if settings.get("theme") in THEMES:
        options["theme"] = settings["theme"]
    return options


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _unlock(request: HttpRequest, configuration: SharingConfiguration) -> HttpResponse:
    """POST {"password"}: a share token in the body and an HTTP-only cookie on this share's path."""
    try:
        data = json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
    except (ValueError, RecursionError):  # nesting deeper than the parser's stack is as unreadable as bad JSON
        data = {}
    raw_password = data.get("password") if hasattr(data, "get") else None
    password = None
    if isinstance(raw_password, str) and is_storable_text(raw_password):  # hashing cannot encode a lone surrogate
        active = configuration.share_passwords.filter(is_active=True)
        password = next((candidate for candidate in active if candidate.check_password(raw_password)), None)
    services.share_login_attempt_log(configuration=configuration, client_ip=_client_ip(request), password=password)
    if password is None:
        return JsonResponse({"error": "Incorrect password"}, status=401)
    token = share_token_create(configuration=configuration, password=password)
    response = JsonResponse({"shareToken": token})
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=MAX_AGE_SECONDS,
        path=request.path.split(".")[0],
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


def _page(request: HttpRequest, data: dict, *, as_json: bool, title: str | None = None) -> HttpResponse:
    if as_json:
        return JsonResponse(data, encoder=DjangoJSONEncoder)
    return render(request, "sharing/shared.html", {"exported_data": data, "title": title or "PostHog"})


ALLOWED_METHODS = ["GET", "HEAD", "POST"]


@csrf_exempt
@xframe_options_exempt
def shared_insight(request: HttpRequest, kind: str, access_token: str) -> HttpResponse:
    token, dot, suffix = access_token.partition(".")
    request.log_path = f"/{kind}/{mask_key_value(token)}{dot}{suffix}"  # the token is a credential: not logged
    if request.method not in ALLOWED_METHODS:
        return HttpResponseNotAllowed(ALLOWED_METHODS)
    as_json = access_token.endswith(".json")
    configuration = _shared_configuration(access_token.split(".")[0])
    if configuration is None:
        return _not_found(request)
    embedded = kind == "embedded" or "embedded" in request.GET
    data = {"type": "embed" if embedded else "scene"}
    if configuration.password_required:
        if request.method == "POST":
            return _unlock(request, configuration)
        token = share_token_from_request(request)
        if not share_token_unlocks(token, configuration):
            options = _display_options(request, configuration)
            unlock = {"type": "unlock", **{k: options[k] for k in ("whitelabel", "theme") if k in options}}
            return _page(request, unlock, as_json=as_json)
        data["shareToken"] = token
    insight = configuration.insight
    if insight.deleted:
        return JsonResponse(error_body("invalid_request", "not_found", "No resource found"), status=404)
    context = {"timezone": configuration.team.timezone, "hide_extra_details": _hides_details(configuration)}
    data.update(
        accessToken=configuration.access_token,
        insight=InsightSerializer(insight, context=context).data,
        themes=[],
        **_display_options(request, configuration),
    )
    return _page(request, data, as_json=as_json, title=insight.display_name)


def _hides_details(configuration: SharingConfiguration) -> bool:
    return bool((configuration.settings or {}).get("hideExtraDetails"))
