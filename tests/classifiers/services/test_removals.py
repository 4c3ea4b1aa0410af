"""Removing photos with an undo: the rows go at once, the files stay until the undo window has passed, and
"Undo" puts the photos back as they were (their features and "added" times too)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from classifiers.models import Photo, PhotoFeature, PhotoRemoval
from classifiers.selectors.photos import UNDO_SECONDS, photo_removal_undoable
from classifiers.services.catalog import label_delete
from classifiers.services.removals import photo_removal_undo, photos_remove, photos_remove_purge
from nanoweb.errors import Conflict
from tests.fakes.images import photo

pytestmark = pytest.mark.django_db(transaction=True)


def add(label, n: int) -> list[Photo]:
    from classifiers.services.uploads import photos_add_uploads

    return photos_add_uploads(label=label, files=[SimpleUploadedFile(f"p{i}.jpg", photo(i)) for i in range(n)]).added


def test_undo_puts_the_rows_back_with_their_files_features_and_times(classifier, dress):
    photos = add(dress, 3)
    PhotoFeature.objects.create(photo=photos[0], backbone=classifier.backbone, views=1, dim=2,
                                vectors=b"\x00" * 8)
    before = {p.id: (p.created_at, p.image.name, p.sha256) for p in photos}
    first = photos[0].id
    removal = photos_remove(classifier=classifier, photos=photos[:2])
    assert dress.photos.count() == 1 and not PhotoFeature.objects.exists()
    assert all(os.path.exists(p.image.path) for p in photos)  # kept for the undo
    assert photo_removal_undoable(classifier, removal.id) == removal
    assert photo_removal_undo(removal=removal) == 2
    assert {p.id: (p.created_at, p.image.name, p.sha256) for p in dress.photos.all()} == before
    assert PhotoFeature.objects.get().photo_id == first
    assert photo_removal_undoable(classifier, removal.id) is None
    with pytest.raises(Conflict, match="already back"):
        photo_removal_undo(removal=removal)


def test_after_the_window_the_undo_is_refused_and_the_purge_deletes_the_files(classifier, dress):
    photos = add(dress, 2)
    removal = photos_remove(classifier=classifier, photos=photos)
    PhotoRemoval.objects.filter(id=removal.id).update(created_at=timezone.now() - timedelta(seconds=UNDO_SECONDS + 1))
    assert photo_removal_undoable(classifier, removal.id) is None
    with pytest.raises(Conflict, match="too late"):
        photo_removal_undo(removal=PhotoRemoval.objects.get(id=removal.id))
    assert photos_remove_purge() == 1
    assert not PhotoRemoval.objects.exists()
    assert not any(os.path.exists(p.image.path) for p in photos)


def test_photos_whose_class_was_deleted_meanwhile_stay_removed(classifier, dress, hat):
    removal = photos_remove(classifier=classifier, photos=add(dress, 1) + add(hat, 1))
    with transaction.atomic():
        label_delete(label=dress)
    assert photo_removal_undo(removal=removal) == 1
    assert Photo.objects.get().label_id == hat.id
