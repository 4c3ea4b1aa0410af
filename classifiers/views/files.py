"""Files a person downloads: a photo (for the thumbnails), the trained model, the photos' attribution."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from classifiers.attribution import attribution_csv, attribution_json
from classifiers.photo_files import photo_file_response
from classifiers.selectors.owned import owned_classifier, owned_photo
from classifiers.services.prediction import model_export
from classifiers.views.common import version_number_from
from nanoweb.errors import ServiceError


@login_required
@require_GET
def photo_image(request: HttpRequest, photo_id: UUID) -> FileResponse:
    """A photo's JPEG, for its owner only. Served here rather than from /media/ so no photo is public."""
    return photo_file_response(owned_photo(request.user, photo_id))


@login_required
@require_GET
def model_download(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    """The active version's model, or any other's with ?version=N."""
    classifier = owned_classifier(request.user, classifier_id)
    try:
        filename, data = model_export(classifier=classifier,
                                      version_number=version_number_from(request.GET.get("version")))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("classifier_api", classifier.id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def attribution_download(request: HttpRequest, classifier_id: UUID, fmt: str) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    if fmt not in ("csv", "json"):
        raise Http404("Photo credits come as .csv or .json.")
    name = slugify(classifier.name) or "classifier"
    if fmt == "csv":
        response = HttpResponse(attribution_csv(classifier=classifier), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(attribution_json(classifier=classifier), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}-photo-credits.{fmt}"'
    return response
