"""How a stored photo leaves the server, the same way from the pages and the API.

A photo (a training photo, or the small copy the prediction log kept of one asked about) came from someone's
upload or from the web; whatever its bytes were, it was re-encoded as a JPEG,
and it is sent as nothing else: image/jpeg, no sniffing, a .jpg file name, and a sandbox that forbids
script should a browser ever open it as a document. Only its owner's browser may cache it.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from classifiers.models import Photo, Prediction


def photo_file_response(photo: Photo) -> FileResponse:
    return _jpeg_response(photo.image, photo.id)


def prediction_photo_response(prediction: Prediction) -> FileResponse:
    """The small copy the prediction log kept of a photo asked about, sent like a training photo."""
    return _jpeg_response(prediction.photo, prediction.id)


def _jpeg_response(file: FieldFile, file_id) -> FileResponse:
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("This photo's file is missing.") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{file_id}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    # Photos never change under an id; private keeps shared caches from storing someone's photos.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
