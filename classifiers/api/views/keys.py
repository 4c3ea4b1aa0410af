"""API keys: make one with a password (or from a signed-in browser), list them, revoke one."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.login_throttle import login_failure_record, login_failures_clear, login_is_blocked
from accounts.services import api_key_create, api_key_revoke, api_keys_active
from classifiers.api.schema import errors
from classifiers.api.serializers.keys import ApiKeyCreatedSerializer, ApiKeySerializer, KeyCreateSerializer
from classifiers.api.throttles import ApiRateThrottle, KeyCreateRateThrottle


@extend_schema_view(
    get=extend_schema(
        summary="List your active API keys", tags=["auth"], responses={200: ApiKeySerializer(many=True), **errors(404)}
    )
)
class KeyListCreate(generics.ListAPIView):
    serializer_class = ApiKeySerializer

    def get_permissions(self):
        # Making a key with a username and password needs no key; listing keys does.
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    def get_throttles(self):
        if self.request.method == "POST":
            return [KeyCreateRateThrottle(), ApiRateThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return api_keys_active(user=self.request.user)

    @extend_schema(
        summary="Make an API key",
        description=(
            "Send your `username` and `password` (no key needed), or call it from a signed-in browser session "
            "without them. The `key` is shown only in this response; NanoWeb keeps only a hash of it."
        ),
        tags=["auth"],
        auth=[],
        request=KeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        body = KeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = self._user_for_new_key(request, body.validated_data)
        key, secret = api_key_create(user=user, name=body.validated_data["name"])
        key.key = secret
        return Response(ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _user_for_new_key(request: Request, data: dict):
        if "username" in data or "password" in data:
            if not data.get("username") or not data.get("password"):
                raise exceptions.ValidationError(
                    {"password" if data.get("username") else "username": ["Send both username and password."]}
                )
            # The same failure counter as the log-in page, so guesses cannot be split between the two.
            if login_is_blocked(request._request, data["username"]):
                minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
                blocked = exceptions.Throttled(
                    detail=f"Too many failed attempts for this account from your address. Wait {minutes} minutes."
                )
                blocked.wait = settings.LOGIN_FAILURE_WINDOW_SECONDS  # set after, so DRF adds no sentence of its own
                raise blocked
            user = authenticate(request._request, username=data["username"], password=data["password"])
            if user is None:
                login_failure_record(request._request, data["username"])
                raise exceptions.AuthenticationFailed("Wrong username or password.")
            login_failures_clear(request._request, data["username"])
            return user
        # Only a browser session may skip the password: a leaked key must not be able to mint more keys.
        if request.user.is_authenticated and isinstance(request.successful_authenticator, SessionAuthentication):
            return request.user
        raise exceptions.ValidationError({"username": ["Send your username and password to make a key."]})


class KeyRevoke(generics.GenericAPIView):
    @extend_schema(
        summary="Revoke an API key",
        tags=["auth"],
        responses={204: OpenApiResponse(description="Revoked."), **errors(404)},
    )
    def delete(self, request: Request, key_id: UUID) -> Response:
        api_key_revoke(user=request.user, key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
