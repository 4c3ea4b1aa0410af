"""Share links of a classifier: make one, list the live ones, revoke one (its address is a 404 at once)."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.share import ShareLinkCreateSerializer, ShareLinkSerializer
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.share_links import share_links_live
from classifiers.services.share_links import share_link_create, share_link_revoke


@extend_schema_view(
    get=extend_schema(summary="List the live share links", tags=["share"],
                      responses={200: ShareLinkSerializer(many=True), **errors(404)})
)
class ShareLinkListCreate(generics.ListAPIView):
    serializer_class = ShareLinkSerializer

    def get_queryset(self):
        return share_links_live(owned_classifier(self.request.user, self.kwargs["classifier_id"]))

    @extend_schema(
        summary="Make a share link",
        description=(
            "A public try-it page of this classifier at an address nobody can guess (`url`). Anyone with it, "
            "signed in or not, may send photos and sees the answers and the class names only: no photos, "
            "results or other classifiers of yours, nor your account. Answers are limited per address "
            "(NANOWEB_SHARE_RATE) and logged with source `share`."
        ),
        tags=["share"],
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        body = ShareLinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = share_link_create(classifier=classifier, name=body.validated_data["name"])
        return Response(ShareLinkSerializer(link, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ShareLinkRevoke(generics.GenericAPIView):
    @extend_schema(summary="Revoke a share link", tags=["share"],
                   description="From now on its address answers 404, in every web process.",
                   responses={204: OpenApiResponse(description="Revoked."), **errors(404)})
    def delete(self, request: Request, classifier_id: UUID, link_id: UUID) -> Response:
        share_link_revoke(classifier=owned_classifier(request.user, classifier_id), link_id=link_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
