"""Webhooks of a classifier: add (the signing secret is in that answer only), list, change, remove, send a
test call, and read the delivery log (what each call got back)."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.webhooks import (
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookWriteSerializer,
)
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.webhooks import classifier_webhook, webhook_deliveries
from classifiers.services.webhooks import webhook_create, webhook_delete, webhook_ping, webhook_update

SIGNING = (
    "Each call is a POST of JSON `{id, event, created_at, classifier_id, classifier_name, details}` with "
    "headers `X-NanoWeb-Timestamp` (Unix seconds) and `X-NanoWeb-Signature`: `sha256=` + hex "
    "HMAC-SHA256 of `<timestamp>.<body>` keyed with the secret. Refuse calls with another signature or an "
    "old timestamp (docs/webhooks.md). A call that does not get a 2xx is retried with growing pauses."
)


def _hook(request: Request, classifier_id: UUID, webhook_id: UUID):
    return classifier_webhook(owned_classifier(request.user, classifier_id), webhook_id)


@extend_schema_view(
    get=extend_schema(summary="List the webhooks", tags=["webhooks"],
                      responses={200: WebhookSerializer(many=True), **errors(404)})
)
class WebhookListCreate(generics.ListAPIView):
    serializer_class = WebhookSerializer

    def get_queryset(self):
        return owned_classifier(self.request.user, self.kwargs["classifier_id"]).webhooks.all()

    @extend_schema(summary="Add a webhook", description=SIGNING, tags=["webhooks"], request=WebhookWriteSerializer,
                   responses={201: WebhookCreatedSerializer, **errors(400, 404, 409)})
    def post(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        body = WebhookWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hook = webhook_create(classifier=classifier, **body.validated_data)
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetail(generics.GenericAPIView):
    @extend_schema(summary="Read a webhook", tags=["webhooks"], responses={200: WebhookSerializer, **errors(404)})
    def get(self, request: Request, classifier_id: UUID, webhook_id: UUID) -> Response:
        return Response(WebhookSerializer(_hook(request, classifier_id, webhook_id)).data)

    @extend_schema(summary="Change a webhook", tags=["webhooks"], request=WebhookWriteSerializer(partial=True),
                   description="Send only what changes. A new threshold re-arms the 'none of these' alert.",
                   responses={200: WebhookSerializer, **errors(400, 404)})
    def patch(self, request: Request, classifier_id: UUID, webhook_id: UUID) -> Response:
        hook = _hook(request, classifier_id, webhook_id)
        body = WebhookWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(WebhookSerializer(webhook_update(webhook=hook, **body.validated_data)).data)

    @extend_schema(summary="Remove a webhook", tags=["webhooks"],
                   responses={204: OpenApiResponse(description="Removed, with its delivery log."), **errors(404)})
    def delete(self, request: Request, classifier_id: UUID, webhook_id: UUID) -> Response:
        webhook_delete(webhook=_hook(request, classifier_id, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(summary="The delivery log of a webhook, newest first", tags=["webhooks"],
                      responses={200: WebhookDeliverySerializer(many=True), **errors(404)})
)
class WebhookDeliveries(generics.ListAPIView):
    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        return webhook_deliveries(_hook(self.request, self.kwargs["classifier_id"], self.kwargs["webhook_id"]))


class WebhookTest(generics.GenericAPIView):
    @extend_schema(summary="Send a test call", tags=["webhooks"], request=None,
                   description="Queues a `ping` event to this webhook; follow it in the delivery log.",
                   responses={202: WebhookDeliverySerializer, **errors(404)})
    def post(self, request: Request, classifier_id: UUID, webhook_id: UUID) -> Response:
        delivery = webhook_ping(webhook=_hook(request, classifier_id, webhook_id))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
