"""Ask a trained classifier what is in one or several images, sent as files or as URLs."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.predict import PredictFilesSerializer, PredictionSerializer, PredictUrlsSerializer
from classifiers.api.views.images import uploaded_files
from classifiers.selectors.owned import owned_classifier
from classifiers.services.prediction import predict_images
from nanoweb.errors import InvalidInput, ServiceError
from scraper.downloader import download_images

MAX_IMAGES_PER_REQUEST = 32

PREDICT_RESULT = PolymorphicProxySerializer(
    component_name="PredictResult",
    serializers=[PredictionSerializer, PredictionSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


def _from_urls(urls: list[str]) -> list[tuple[str, bytes]]:
    """Each URL fetched through the scraper's guarded downloader (SSRF checks, byte cap, timeouts)."""
    results = {item.url: item for item in download_images(list(dict.fromkeys(urls)))}
    images = []
    for url in urls:
        downloaded = results[url]
        if downloaded.error is not None:
            error: ServiceError = downloaded.error
            error.details = {**(error.details or {}), "url": url}
            error.message = f"{url}: {error.message}"
            raise error
        images.append((url, downloaded.image.jpeg))
    return images


def _images(request: Request) -> tuple[list[tuple[str, bytes]], bool]:
    """(name, bytes) for each image sent, and whether the answer is a list."""
    files = uploaded_files(request, "file", "files")
    if files:
        return [(f.name or "upload", f.read()) for f in files], len(files) > 1 or "files" in request.FILES
    body = PredictUrlsSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    url, urls = body.validated_data.get("url"), body.validated_data.get("urls")
    if not url and not urls:
        raise exceptions.ValidationError(
            {"file": ["Send an image as 'file' (or several as 'files'), or its address as 'url' (or 'urls')."]}
        )
    if len(urls or []) > MAX_IMAGES_PER_REQUEST:
        raise InvalidInput(f"At most {MAX_IMAGES_PER_REQUEST} images a request.", details={"field": "urls"})
    return _from_urls(urls or [url]), bool(urls)


class Predict(generics.GenericAPIView):
    @extend_schema(
        summary="Classify images with the active version",
        description=(
            "Multipart with `file` (one image) or `files` (several), or JSON with `url` or `urls`. The answer "
            "is one prediction, or a list in the order sent when `files` or `urls` is used. `unknown` is true "
            "when the image looks like none of the classes. 409 until a version has been trained."
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
        try:
            predictions = predict_images(classifier=classifier, images=[data for _, data in images])
        except ServiceError as exc:
            if "index" in exc.details:  # say which image, by the name the client knows it by
                exc.details["name"] = images[exc.details["index"]][0]
            raise
        answers = [{"name": name, **prediction} for (name, _), prediction in zip(images, predictions, strict=True)]
        return Response(answers if many else answers[0])
