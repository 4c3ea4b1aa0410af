"""Removing photos a person ticked, with a few minutes to change their mind.

The rows go at once (so every count, flag and training sees the photos gone, with no "removed" filter to
forget anywhere), but a PhotoRemoval keeps them serialised with their features, and their files stay on
disk. "Undo" saves the rows back under the same ids; after UNDO_SECONDS a purge deletes the files.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.core import serializers
from django.db import IntegrityError, transaction
from django.utils import timezone

from classifiers.models import Classifier, Label, Photo, PhotoFeature, PhotoRemoval, SearchJob
from classifiers.selectors.photos import UNDO_SECONDS
from classifiers.services.catalog import photo_delete
from nanoweb.errors import Conflict


def photos_remove(*, classifier: Classifier, photos: list[Photo]) -> PhotoRemoval:
    """Remove the photos (all of one classifier) and keep what "Undo" needs to put them back."""
    photos_remove_purge()
    with transaction.atomic():
        features = PhotoFeature.objects.filter(photo__in=photos)
        # Django's JSON keeps times to the millisecond; the exact "added" times keep the photos' order.
        rows = json.dumps({"rows": serializers.serialize("json", [*photos, *features]),
                           "added": {str(p.id): p.created_at.isoformat() for p in photos}})
        removal = PhotoRemoval.objects.create(classifier=classifier, count=len(photos), rows=rows,
                                              files=[photo.image.name for photo in photos if photo.image])
        for photo in photos:
            photo_delete(photo=photo, keep_file=True)
    return removal


def photo_removal_undo(*, removal: PhotoRemoval) -> int:
    """Put the removed photos back as they were; returns how many came back. A photo whose class was
    deleted meanwhile, or whose picture is back in its class by now, stays removed."""
    with transaction.atomic():
        removal = PhotoRemoval.objects.select_for_update().get(id=removal.id)
        if removal.restored_at is not None:
            raise Conflict("These photos are already back.")
        if removal.created_at < timezone.now() - timedelta(seconds=UNDO_SECONDS):
            raise Conflict("It is too late to undo this removal: removed photos are kept for "
                           f"{UNDO_SECONDS // 60} minutes.")
        stored = json.loads(removal.rows)
        objects = list(serializers.deserialize("json", stored["rows"]))
        saved = {o.object.id: o for o in objects if isinstance(o.object, Photo)}
        photos = [o.object for o in saved.values()]
        labels = set(Label.objects.filter(id__in=[p.label_id for p in photos], classifier=removal.classifier)
                     .values_list("id", flat=True))
        jobs = set(SearchJob.objects.filter(id__in=[p.search_job_id for p in photos if p.search_job_id])
                   .values_list("id", flat=True))
        back = set()
        for photo in photos:
            if photo.label_id not in labels or Photo.objects.filter(label_id=photo.label_id,
                                                                    sha256=photo.sha256).exists():
                continue
            if photo.search_job_id not in jobs:
                photo.search_job_id = None
            photo.created_at = datetime.fromisoformat(stored["added"][str(photo.id)])
            try:
                with transaction.atomic():
                    saved[photo.id].save()  # raw: saved as it was, its "added" time included
            except IntegrityError:
                continue
            back.add(photo.id)
        PhotoFeature.objects.bulk_create([o.object for o in objects if isinstance(o.object, PhotoFeature)
                                          and o.object.photo_id in back])
        # Files of photos that could not come back are not needed any more.
        kept = {photo.image.name for photo in photos if photo.id in back}
        removal.files = [name for name in removal.files if name not in kept]
        removal.restored_at = timezone.now()
        removal.save(update_fields=["files", "restored_at"])
    return len(back)


def photos_remove_purge(*, now=None) -> int:
    """Delete the files of removals older than the undo window, and those removals; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=UNDO_SECONDS)
    storage = Photo._meta.get_field("image").storage
    old = list(PhotoRemoval.objects.filter(created_at__lt=cutoff))
    for removal in old:
        for name in removal.files:  # after an undo, only those of photos that could not come back
            storage.delete(name)
    PhotoRemoval.objects.filter(id__in=[r.id for r in old]).delete()
    return len(old)
