"""A class's photos: list, add (files or URLs), read, delete, and the image file itself."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.images import (
    ImageFilesSerializer,
    ImageImportSerializer,
    ImageSerializer,
    ImportResultSerializer,
)
from classifiers.photo_files import photo_file_response
from classifiers.selectors.owned import owned_label, owned_photo
from classifiers.selectors.photos import label_photos
from classifiers.services.catalog import photo_delete
from classifiers.services.flags import flags_refresh_after_adding
from classifiers.services.imports import photos_import_page, photos_import_urls
from classifiers.services.photos import ImportResult
from classifiers.services.uploads import photos_add_uploads
from nanoweb.errors import Conflict, InvalidInput, TooLarge, UnsupportedMedia

# Refusals of the scraper's image check (scraper.images.ImageRejected codes answered with 415 there).
NOT_AN_IMAGE_CODES = {"not_an_image", "svg_not_supported", "unsupported_format", "corrupt", "too_many_pixels"}


class JsonErrorsOnly(BaseContentNegotiation):
    """For endpoints that answer with a file: never refuse a request over its Accept header (an <img> tag
    asks for image/avif, webp, ...); errors are still rendered as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def uploaded_files(request: Request, *fields: str) -> list:
    files = []
    for field in fields:
        files += request.FILES.getlist(field)
    return files


def import_response(result, *, request: Request, what: str) -> Response:
    """201 with what was added and what was refused; if nothing at all was added, the request failed as a
    whole, and the status says how (413 too large, 415 not images, else 400), still listing each reason."""
    body = ImportResultSerializer(result, context={"request": request}).data
    if result.added:
        return Response(body, status=status.HTTP_201_CREATED)
    codes = {item.get("code") for item in result.rejected}
    reasons = " ".join(f"{item.get('name') or item.get('url')}: {item['reason']}" for item in result.rejected[:3])
    message = f"None of the {what} was added. {reasons}".strip()
    details = {"rejected": body["rejected"]}
    if codes == {"too_large"}:
        raise TooLarge(message, details=details)
    if codes == {"duplicate"}:
        raise Conflict(message, details=details)
    if codes and codes <= NOT_AN_IMAGE_CODES:
        raise UnsupportedMedia(message, details=details)
    raise InvalidInput(message, details=details)


def _yes(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "").strip().lower()
    if value not in ("", "0", "1", "true", "false"):
        raise exceptions.ValidationError({name: ["Use 1 (or true) to filter, 0 (or false) or nothing not to."]})
    return value in ("1", "true")


@extend_schema_view(
    get=extend_schema(
        summary="List a class's photos",
        description="Oldest first; with flagged=1 only the flagged ones, biggest doubts first.",
        tags=["images"],
        parameters=[
            OpenApiParameter("flagged", OpenApiTypes.BOOL, description="Only photos with a flag, strongest first."),
            OpenApiParameter("awaiting_review", OpenApiTypes.BOOL,
                             description="Only photos waiting for review (not trained on until kept)."),
        ],
        responses={200: ImageSerializer(many=True), **errors(400, 404)},
    )
)
class LabelImages(generics.ListAPIView):
    serializer_class = ImageSerializer

    def get_queryset(self):
        label = owned_label(self.request.user, self.kwargs["classifier_id"], self.kwargs["label_id"])
        return label_photos(label, awaiting_review=_yes(self.request, "awaiting_review"),
                            flagged=_yes(self.request, "flagged"))

    @extend_schema(
        summary="Add photos to a class: upload files, or import URLs",
        description=(
            'Multipart: one or more `files` (images, or zip archives of images). JSON: `{"urls": [...]}` with '
            'image addresses, and/or `{"page_url": ...}` to import every picture on a web page. Each file or '
            "URL stands alone: the answer lists what was `added` and what was `rejected`, with the reason. If "
            "nothing at all could be added, the answer is an error (400, 409, 413 or 415) whose "
            "`details.rejected` lists every reason."
        ),
        tags=["images"],
        request={"multipart/form-data": ImageFilesSerializer, "application/json": ImageImportSerializer},
        responses={201: ImportResultSerializer, **errors(400, 404, 409, 413, 415)},
    )
    def post(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        label = owned_label(request.user, classifier_id, label_id)
        files = uploaded_files(request, "files", "file")
        if files:
            result = photos_add_uploads(label=label, files=files)
            flags_refresh_after_adding(label=label, added=len(result.added))
            return import_response(result, request=request, what="files")
        if request.content_type.startswith("multipart/"):
            raise exceptions.ValidationError({"files": ["Attach one or more image files as 'files'."]})
        body = ImageImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = ImportResult()
        if body.validated_data.get("urls"):
            result = photos_import_urls(label=label, urls=body.validated_data["urls"])
        if body.validated_data.get("page_url"):
            page = photos_import_page(label=label, page_url=body.validated_data["page_url"])
            result.added += page.added
            result.rejected += page.rejected
        flags_refresh_after_adding(label=label, added=len(result.added))
        return import_response(result, request=request, what="addresses")


class LabelImage(generics.GenericAPIView):
    @extend_schema(summary="Get one photo's details", tags=["images"], responses={200: ImageSerializer, **errors(404)})
    def get(self, request: Request, classifier_id: UUID, label_id: UUID, image_id: UUID) -> Response:
        photo = owned_photo(request.user, image_id, label=owned_label(request.user, classifier_id, label_id))
        return Response(ImageSerializer(photo, context={"request": request}).data)

    @extend_schema(
        summary="Delete a photo",
        tags=["images"],
        responses={204: OpenApiResponse(description="Deleted."), **errors(404)},
    )
    def delete(self, request: Request, classifier_id: UUID, label_id: UUID, image_id: UUID) -> Response:
        photo = owned_photo(request.user, image_id, label=owned_label(request.user, classifier_id, label_id))
        photo_delete(photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageFile(generics.GenericAPIView):
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(
        summary="The photo itself (JPEG)",
        tags=["images"],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **errors(404)},
    )
    def get(self, request: Request, image_id: UUID) -> FileResponse:
        return photo_file_response(owned_photo(request.user, image_id))
