"""The API's URLs plus baselines served through the same middleware: a constant, one primary-key SELECT, and that
SELECT behind DRF with the project's default authentication (personal API key), permission and throttle classes."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from users.models import User


def constant(request) -> JsonResponse:
    return JsonResponse({"status": "ok", "value": 42})


def select(request) -> JsonResponse:
    user = User.objects.get(pk=int(request.GET["pk"]))
    return JsonResponse({"id": user.pk, "uuid": str(user.uuid), "email": user.email})


class AuthenticatedSelect(APIView):
    def get(self, request) -> Response:
        user = User.objects.get(pk=request.user.pk)
        return Response({"id": user.pk, "uuid": str(user.uuid), "email": user.email})


urlpatterns = [
    path("bench/constant", constant),
    path("bench/select", select),
    path("bench/authenticated-select", AuthenticatedSelect.as_view()),
    path("", include("posthog_api.urls")),
]

handler404 = "posthog_api.views.api_not_found"
