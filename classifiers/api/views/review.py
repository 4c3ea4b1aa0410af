"""Review a classifier's doubtful photos: list them biggest doubts first, then keep, drop or move one or
many at once. Retraining afterwards is POST .../train/."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.review import (
    ReviewDecisionSerializer,
    ReviewImageSerializer,
    ReviewResultSerializer,
)
from classifiers.selectors.owned import classifier_label, owned_classifier, owned_photos
from classifiers.selectors.photos import photos_in_order
from classifiers.selectors.review import KINDS, photos_to_review
from classifiers.services.review import photos_review
from nanoweb.errors import InvalidInput, NotFound

KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, enum=list(KINDS),
    description="Only photos carrying this flag (without it: every flagged photo and every photo waiting for review).",
)


@extend_schema_view(
    get=extend_schema(
        summary="Photos to review, biggest doubts first",
        description=(
            "Every photo of the classifier with a flag (duplicate, in_other_class, outlier, misclassified; each "
            "with its reason) ordered by `doubt`, strongest first, then the photos a 'find more' search holds "
            "for review. Decide with POST on this same address."
        ),
        tags=["review"],
        parameters=[KIND],
        responses={200: ReviewImageSerializer(many=True), **errors(400, 404)},
    )
)
class Review(generics.ListAPIView):
    serializer_class = ReviewImageSerializer

    def get_queryset(self):
        classifier = owned_classifier(self.request.user, self.kwargs["classifier_id"])
        kind = self.request.query_params.get("kind") or None
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"kind is one of: {', '.join(KINDS)}.", details={"field": "kind"})
        return photos_to_review(classifier=classifier, kind=kind)

    @extend_schema(
        summary="Keep, drop or move photos",
        description=(
            "One decision for one photo or a selection. keep: the photo stays, and the flags it has now are "
            "never raised again for it; a photo waiting for review is trained on from the next run. drop: the "
            "photo is deleted. move: it goes to `label_id`. Photos the decision cannot apply to (e.g. the "
            "target class already has that picture) are listed in `skipped` with the reason; the others are "
            "done. Then retrain with POST .../train/."
        ),
        tags=["review"],
        request=ReviewDecisionSerializer,
        responses={200: ReviewResultSerializer, **errors(400, 404, 413, 415)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        body = ReviewDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        action, ids = body.validated_data["action"], list(dict.fromkeys(body.validated_data["image_ids"]))
        label = None
        if action == "move":
            label = classifier_label(classifier, body.validated_data["label_id"])
            if label is None:
                raise InvalidInput(f"This classifier has no class with id {body.validated_data['label_id']}.",
                                   details={"field": "label_id"})
        found = {e.id: e for e in owned_photos(classifier, ids)}
        if not found:
            raise NotFound("None of these photos is in this classifier.", details={"field": "image_ids"})
        applied, skipped = 0, []
        for image_id in ids:
            photo = found.get(image_id)
            if photo is None:
                skipped.append({"image_id": image_id, "reason": "This classifier has no photo with this id."})
                continue
            # One at a time, so each refusal is reported against its photo.
            done, reasons = photos_review(photos=[photo], action=action, label=label)
            applied += done
            skipped += [{"image_id": image_id, "reason": reason} for reason in reasons]
        result = {"action": action, "applied": applied, "skipped": skipped,
                  "images": [] if action == "drop" else photos_in_order(found)}
        return Response(ReviewResultSerializer(result, context={"request": request}).data)
