"""The API's URLs plus two baselines served through the same middleware: a constant and one primary-key SELECT."""

from django.http import JsonResponse
from django.urls import include, path

from users.models import User


def constant(request) -> JsonResponse:
    return JsonResponse({"status": "ok", "value": 42})


def select(request) -> JsonResponse:
    user = User.objects.get(pk=int(request.GET["pk"]))
    return JsonResponse({"id": user.pk, "uuid": str(user.uuid), "email": user.email})


urlpatterns = [
    path("bench/constant", constant),
    path("bench/select", select),
    path("", include("posthog_api.urls")),
]

handler404 = "posthog_api.views.api_not_found"
