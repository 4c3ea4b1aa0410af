"""Edited copies of one picture, as a web search brings them: a mirrored or shrunk copy of a stored photo is
refused when it is added, a cropped one or one with a banner is flagged `duplicate` once stored (in the same
class) or `in_other_class` (in another), and different photos of one class, however alike, are neither.
Training holds the copies of one picture in one cross-validation fold."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
from django.core.files.base import ContentFile

from classifiers.feature_cache import features_for
from classifiers.management.picture_edits import EDITS
from classifiers.ml.training import represent
from classifiers.models import Photo, TrainingRun
from classifiers.services import copies
from classifiers.services.copies import picture_groups, same_picture_pairs
from classifiers.services.flags import flags_refresh
from classifiers.services.photos import DuplicateImage, Provenance, photo_add
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import photos


def add(label, data: bytes, name: str) -> Photo:
    return photo_add(label=label, data=data, provenance=Provenance(original_name=name))


@pytest.fixture
def hats(hat):
    return [add(hat, path.read_bytes(), path.name) for path in photos("clothing", "hat", 10)]


@pytest.mark.parametrize("edit", ["mirror", "small"])
def test_a_mirrored_or_shrunk_copy_is_refused_when_added_and_says_which_photo_it_copies(hat, hats, edit):
    original = photos("clothing", "hat")[2]
    copy = EDITS[edit](original.read_bytes(), random.Random(0))
    with pytest.raises(DuplicateImage) as refused:
        add(hat, copy, f"{edit}.jpg")
    assert str(refused.value).startswith('This picture is nearly the same as a picture already in "hat" ("0002.jpg"')
    assert refused.value.duplicate_of == str(hats[2].id)
    assert hat.photos.count() == 10  # nothing was stored


def test_crops_and_banner_copies_are_refused_when_added_or_flagged_as_duplicates_once_stored(hat, hats):
    originals = photos("clothing", "hat")
    stored = {}
    for k, edit in ((0, "crop"), (4, "crop"), (5, "banner"), (7, "banner")):
        try:
            stored[k] = add(hat, EDITS[edit](originals[k].read_bytes(), random.Random(k)), f"{edit}-{k}.jpg")
        except DuplicateImage as refused:  # a banner over a plain background can keep the hash close
            assert refused.duplicate_of == str(hats[k].id)
    assert {0, 4} <= set(stored)  # an 80 % crop moves the perceptual hash too far to be refused
    flags_refresh(classifier=hat.classifier)

    for k, copy in stored.items():
        copy.refresh_from_db()
        assert copy.flags["duplicate"] == f"nearly the same picture as '000{k}.jpg', added before it"
    # The ten different hat photos, alike as they are, are not taken for copies of one another.
    for photo in hats:
        photo.refresh_from_db()
        assert "duplicate" not in photo.flags and "in_other_class" not in photo.flags, photo.original_name


def test_a_copy_filed_under_another_class_is_flagged_there_and_on_its_original(hat, dress, hats):
    copy = add(dress, EDITS["crop"](photos("clothing", "hat")[3].read_bytes(), random.Random(3)), "copy.jpg")
    flags_refresh(classifier=hat.classifier)
    copy.refresh_from_db()
    hats[3].refresh_from_db()
    assert copy.flags["in_other_class"] == "the same picture is also in 'hat'"
    assert hats[3].flags["in_other_class"] == "the same picture is also in 'dress'"
    assert "duplicate" not in copy.flags


def test_copies_of_one_picture_share_a_group_and_training_counts_the_distinct_pictures(hat, dress, hats):
    originals = photos("clothing", "hat")
    copies = [add(hat, EDITS[edit](originals[k].read_bytes(), random.Random(k)), f"{edit}.jpg")
              for k, edit in ((0, "crop"), (1, "banner"), (1, "crop"))]
    for path in photos("clothing", "pants", 8):
        add(dress, path.read_bytes(), path.name)
    everything = list(Photo.objects.filter(label__classifier=hat.classifier).order_by("created_at", "id"))
    cached = features_for(everything, backbone=hat.classifier.backbone)
    x = represent(np.stack([cached.features[p.id] for p in everything]))
    groups = picture_groups(everything, x)
    row = {p.id: i for i, p in enumerate(everything)}
    assert groups[row[copies[0].id]] == groups[row[hats[0].id]]
    assert groups[row[copies[1].id]] == groups[row[copies[2].id]] == groups[row[hats[1].id]]
    assert len(set(groups.tolist())) == len(everything) - 3
    # 0 with its crop; 1 with its banner and its crop (the two copies may or may not match each other).
    assert len(same_picture_pairs(everything, x)) in (3, 4)

    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=hat.classifier).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.metrics["pictures"] == {"photos": 21, "distinct": 18}


def test_a_file_held_several_times_is_one_picture_and_its_pixels_are_compared_once(hat, dress, monkeypatch):
    """Equal files need no look at their pixels; a copy of a file held three times is looked at once (each look
    takes tens of milliseconds: a classifier holding one file many times made a cold training minutes long)."""
    original = photos("clothing", "hat")[0].read_bytes()
    held = []
    for n, label in enumerate((hat, dress, dress)):
        photo = Photo(label=label, sha256=hashlib.sha256(original).hexdigest(), width=1, height=1)
        photo.image.save(f"again-{n}.jpg", ContentFile(original), save=True)
        held.append(photo)
    crop = add(hat, EDITS["crop"](original, random.Random(0)), "crop.jpg")
    everything = [*held, crop]
    cached = features_for(everything, backbone=hat.classifier.backbone)
    x = represent(np.stack([cached.features[p.id] for p in everything]))
    looks = []
    real = copies._compared
    monkeypatch.setattr(copies, "_compared", lambda a, b, what: looks.append(what) or real(a, b, what))
    copies._verdicts.clear()

    groups = picture_groups(everything, x)

    assert len(set(groups.tolist())) == 1  # the three files and the crop of them: one picture
    assert len(looks) == 1 and str(crop.id) in looks[0], looks
