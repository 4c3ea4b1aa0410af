"""Correct a logged answer, and the logged answers worth labelling next."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.corrections import FeedbackResultSerializer, FeedbackSerializer, ToLabelSerializer
from classifiers.selectors.owned import classifier_label, owned_classifier, owned_prediction
from classifiers.services.corrections import prediction_correct
from classifiers.services.label_next import label_next_queue
from nanoweb.errors import InvalidInput


class Feedback(generics.GenericAPIView):
    serializer_class = FeedbackSerializer

    @extend_schema(
        summary="Correct a logged answer",
        description=(
            "Say what the photo of a logged answer (its `id` in the predict answer) really is: `label_id`, or "
            "`none_of_these: true`. Saying it again changes the correction. When the answer's photo was kept, a "
            "copy joins that class waiting for review (`image.awaiting_review`): it is not trained on until you "
            "keep it (POST .../review/). The next version's metrics say how it does on the corrected photos "
            "(`metrics.corrections`: count, old_version, old_right, new_right). 400 when the answer already "
            "said so."
        ),
        tags=["predict"],
        request=FeedbackSerializer,
        responses={200: FeedbackResultSerializer, **errors(400, 404, 503)},
    )
    def post(self, request: Request, classifier_id: UUID, prediction_id: UUID) -> Response:
        prediction = owned_prediction(request.user, classifier_id, prediction_id)
        body = FeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        label = None
        if not body.validated_data.get("none_of_these"):
            label = classifier_label(prediction.classifier, body.validated_data["label_id"])
            if label is None:
                raise InvalidInput(f"This classifier has no class with id {body.validated_data['label_id']}.",
                                   details={"field": "label_id"})
        corrected = prediction_correct(prediction=prediction, label=label)
        return Response(FeedbackResultSerializer(corrected, context={"request": request}).data)


class LabelNext(generics.GenericAPIView):
    pagination_class = None  # at most 20, as one list: the schema must not describe a paginated page

    @extend_schema(
        summary="Logged answers to label next",
        description=(
            "Up to 20 logged answers with a kept photo and no correction yet, most useful to label first: the ones "
            "the version in use is least sure of (small margin between its two most likely classes, none of "
            "these, a different answer from the version before), near-copies of one another moved down. Label "
            "one with POST .../predictions/{prediction_id}/feedback/. Empty before a version is trained."
        ),
        tags=["predict"],
        responses={200: ToLabelSerializer(many=True), **errors(404, 503)},
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        queue = label_next_queue(classifier=classifier)
        return Response(ToLabelSerializer(queue, many=True, context={"request": request}).data)
