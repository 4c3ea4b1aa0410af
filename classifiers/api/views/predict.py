"""Ask a trained classifier what is in one or several images, sent as files or as URLs."""

from __future__ import annotations

import time
from uuid import UUID

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from classifiers.api.schema import errors
from classifiers.api.serializers.predict import PredictFilesSerializer, PredictionSerializer, PredictUrlsSerializer
from classifiers.models import Prediction
from classifiers.picture_sources import images_from_request
from classifiers.selectors.owned import owned_classifier
from classifiers.services.prediction import predict_images
from classifiers.services.predictions_log import prediction_record
from nanoweb.errors import InvalidInput, ServiceError

MAX_IMAGES_PER_REQUEST = 32

PREDICT_RESULT = PolymorphicProxySerializer(
    component_name="PredictResult",
    serializers=[PredictionSerializer, PredictionSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


def _images(request: Request) -> tuple[list[tuple[str, bytes]], bool]:
    """(name, bytes) for each image sent, and whether the answer is a list."""
    as_list = "files" in request.FILES

    def urls() -> list[str]:
        nonlocal as_list
        body = PredictUrlsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        url, urls = body.validated_data.get("url"), body.validated_data.get("urls")
        if not url and not urls:
            raise exceptions.ValidationError(
                {"file": ["Send an image as 'file' (or several as 'files'), or its address as 'url' (or 'urls')."]}
            )
        if len(urls or []) > MAX_IMAGES_PER_REQUEST:
            raise InvalidInput(f"At most {MAX_IMAGES_PER_REQUEST} images a request.", details={"field": "urls"})
        as_list = bool(urls)
        return urls or [url]

    # URLs go through the scraper's guarded downloader (SSRF checks, byte cap, timeouts).
    images = images_from_request(request, file_fields=("file", "files"), urls=urls, name_urls_in_errors=True)
    return images, as_list or len(images) > 1


class Predict(generics.GenericAPIView):
    @extend_schema(
        summary="Classify images with the active version",
        description=(
            "Multipart with `file` (one image) or `files` (several), or JSON with `url` or `urls`. The answer "
            "is one prediction, or a list in the order sent when `files` or `urls` is used. `unknown` is true "
            "when the image looks like none of the classes. Every answer is kept in the classifier's prediction log "
            "(`id`; see `GET .../predictions/`). 409 until a version has been trained."
        ),
        tags=["predict"],
        request={"multipart/form-data": PredictFilesSerializer, "application/json": PredictUrlsSerializer},
        responses={200: PREDICT_RESULT, **errors(400, 404, 409, 413, 415, 503)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        # No images: only checks there is a trained version, so "train first" (409) comes before any download.
        predict_images(classifier=classifier, images=[])
        images, many = _images(request)
        if len(images) > MAX_IMAGES_PER_REQUEST:
            raise InvalidInput(f"At most {MAX_IMAGES_PER_REQUEST} images a request.", details={"field": "files"})
        started = time.perf_counter()
        try:
            predictions = predict_images(classifier=classifier, images=[data for _, data in images])
        except ServiceError as exc:
            if "index" in exc.details:  # say which image, by the name the client knows it by
                exc.details["name"] = images[exc.details["index"]][0]
            raise
        ids = prediction_record(
            classifier=classifier, source=Prediction.Source.API, answers=predictions, pictures=images,
            latency_ms=(time.perf_counter() - started) * 1000,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        answers = [{"id": log_id, "name": name, **prediction}
                   for (name, _), prediction, log_id in zip(images, predictions, ids, strict=True)]
        return Response(answers if many else answers[0])
