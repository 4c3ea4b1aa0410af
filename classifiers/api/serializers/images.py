"""A class's photos: one photo as answered, and what a client sends to add photos (files or addresses)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import Photo
from classifiers.selectors.review import doubt


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where the image itself is served (JPEG), with your key.")
    label = serializers.UUIDField(source="label_id", read_only=True)
    flags = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "Why this photo may be a poor example, {kind: reason}: duplicate (nearly the same picture as an "
            "earlier photo of the class), in_other_class (the same picture is in another class), outlier (looks "
            "unlike the other photos of its class), misclassified (looks like another class: see looks_like)."
        ),
    )
    looks_like = serializers.UUIDField(
        source="looks_like_id", read_only=True, allow_null=True,
        help_text="For a photo flagged misclassified, the label it looks like (move it there with POST .../review/).",
    )
    doubt = serializers.SerializerMethodField(
        help_text="How strongly its flags doubt the photo, 0 (no flag) to 1; review lists sort by it."
    )
    awaiting_review = serializers.BooleanField(
        read_only=True,
        help_text="Found by a 'find more' search and not trained on until kept (POST .../review/ keep).",
    )

    class Meta:
        model = Photo
        fields = [
            "id",
            "label",
            "url",
            "source_url",
            "page_url",
            "provider",
            "title",
            "license",
            "license_url",
            "author",
            "original_name",
            "width",
            "height",
            "flags",
            "looks_like",
            "doubt",
            "awaiting_review",
            "created_at",
        ]

    def get_doubt(self, photo: Photo) -> float:
        return doubt(photo)  # from the photo's own fields: no query

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo: Photo) -> str:
        path = reverse("api-image-file", kwargs={"image_id": photo.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImageImportSerializer(serializers.Serializer):
    urls = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        min_length=1,
        # The one limit the pages and the README state too (NANOWEB_IMPORT_MAX_URLS).
        max_length=settings.IMPORT_MAX_URLS,
        error_messages={"max_length": "Send at most {max_length} image addresses at a time."},
        help_text=f"http(s) addresses of images, at most {settings.IMPORT_MAX_URLS}.",
    )
    page_url = serializers.CharField(
        required=False, max_length=2000, help_text="The address of a web page: every picture on it is imported."
    )

    def validate(self, data: dict) -> dict:
        if not data.get("urls") and not data.get("page_url"):
            raise serializers.ValidationError(
                {"urls": ["Send image addresses as 'urls', a page's address as 'page_url', or files as 'files'."]}
            )
        return data


class ImageFilesSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        help_text="One or more image files (JPEG, PNG, WebP, GIF, ...) or zip archives of them.",
    )


class RejectedItemSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="The file name, for uploads.")
    url = serializers.CharField(required=False, help_text="The URL, for imports.")
    code = serializers.CharField(help_text="A stable word for the reason, e.g. not_an_image, duplicate, too_large.")
    reason = serializers.CharField(help_text="The reason in words.")


class ImportResultSerializer(serializers.Serializer):
    added = ImageSerializer(many=True)
    rejected = RejectedItemSerializer(many=True)
