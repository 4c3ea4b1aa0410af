"""Flags from the frozen features, written by flags_refresh after training runs and web searches: rubbish
among real photos, copies, the same picture in two classes, what cross-validation got wrong; decisions a
person took are remembered, and photos waiting for review are judged but not trained on until kept."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from classifiers.models import Photo, TrainingRun
from classifiers.selectors.review import doubt
from classifiers.services.catalog import classifier_create
from classifiers.services.flags import FlagsRefreshed, flags_refresh, flags_refresh_quietly
from classifiers.services.review import photo_keep, photo_move
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import ENGINE_DATA, add_photo, photos


def train_now(classifier) -> TrainingRun:
    run = TrainingRun.objects.create(classifier=classifier)
    return training_run_execute(run_id=run.id)


def rubbish(label, **fields) -> list[Photo]:
    """One glass, one cardboard and one metal photo filed under `label`, as a careless search would."""
    return [add_photo(label, photos("trashnet", kind)[0], **fields) for kind in ("glass", "cardboard", "metal")]


def mirrored_copy(label, path) -> Photo:
    with Image.open(path) as image:
        buffer = io.BytesIO()
        ImageOps.mirror(image.convert("RGB")).save(buffer, format="JPEG", quality=85)
    photo = Photo(label=label, sha256="mirror-of-" + path.name, width=1, height=1, original_name="copy.jpg")
    photo.image.save("copy.jpg", ContentFile(buffer.getvalue()), save=True)
    return photo


def test_rubbish_among_clothes_is_flagged_as_outlier_with_a_reason_and_a_strength(clothes):
    shoes = clothes.labels.get(name="shoes")
    intruders = rubbish(shoes)
    refreshed = flags_refresh(classifier=clothes)
    assert refreshed.photos == 39 and refreshed.unreadable == 0
    for photo in intruders:
        photo.refresh_from_db()
        assert photo.flags["outlier"].startswith("looks unlike the other photos of 'shoes'")
        assert 0.25 <= photo.flag_scores["outlier"] <= 1.0
        assert doubt(photo) == photo.flag_scores["outlier"]
    genuine_flagged = Photo.objects.filter(label__classifier=clothes).exclude(flags={}).exclude(
        id__in=[e.id for e in intruders])
    assert genuine_flagged.count() <= 3  # at most a tenth of the 36 real photos
    assert refreshed.flagged["outlier"] >= 3


def test_a_copy_in_the_same_class_is_a_duplicate_and_the_same_picture_in_two_classes_is_flagged_on_both(clothes):
    hat, pants, shoes = (clothes.labels.get(name=n) for n in ("hat", "pants", "shoes"))
    original = hat.photos.order_by("created_at").first()
    copy = mirrored_copy(hat, photos("clothing", "hat")[0])
    pants_photo = photos("clothing", "pants")[0]
    also_in_shoes = add_photo(shoes, pants_photo)
    flags_refresh(classifier=clothes)

    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.flags["duplicate"].startswith("nearly the same picture as ")
    assert "duplicate" not in original.flags
    in_pants = pants.photos.get(sha256=also_in_shoes.sha256)
    also_in_shoes.refresh_from_db()
    assert in_pants.flags["in_other_class"] == "the same picture is also in 'shoes'"
    assert also_in_shoes.flags["in_other_class"] == "the same picture is also in 'pants'"
    assert doubt(in_pants) == 1.0


def test_a_photo_a_person_kept_is_not_flagged_again_for_the_same_reason(clothes):
    cardboard = rubbish(clothes.labels.get(name="hat"))[1]
    flags_refresh(classifier=clothes)
    cardboard.refresh_from_db()
    assert "outlier" in cardboard.flags

    photo_keep(photo=cardboard)
    flags_refresh(classifier=clothes)
    cardboard.refresh_from_db()
    assert cardboard.flags == {} and cardboard.flag_scores == {}
    assert cardboard.dismissed_flags == ["outlier"]


def test_a_photo_moved_to_its_right_class_is_judged_there_afresh(clothes):
    hat, shoes = clothes.labels.get(name="hat"), clothes.labels.get(name="shoes")
    stray = add_photo(shoes, photos("clothing", "hat")[14])
    moved = photo_move(photo=stray, label=hat)
    flags_refresh(classifier=clothes)
    moved.refresh_from_db()
    assert moved.label_id == hat.id and "outlier" not in moved.flags


def test_training_writes_misclassified_only_for_the_photos_it_judged_and_a_search_leaves_them(clothes):
    shoes = clothes.labels.get(name="shoes")
    cat = add_photo(shoes, ENGINE_DATA / "imagenet" / "chelsea.jpg")
    run = train_now(clothes)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    cat.refresh_from_db()
    assert set(cat.flags) & {"outlier", "misclassified"}
    flagged = set(Photo.objects.filter(flags__has_key="misclassified").values_list("id", flat=True))
    # Each photo flagged as looking like another class names that class (the review's "Move to <it>").
    assert not Photo.objects.filter(id__in=flagged, looks_like=None).exists()

    flags_refresh(classifier=clothes)  # what a finished search does: cross-validation's verdicts stay
    assert set(Photo.objects.filter(flags__has_key="misclassified").values_list("id", flat=True)) == flagged


def test_photos_waiting_for_review_are_flagged_but_trained_on_only_once_kept(clothes):
    hat = clothes.labels.get(name="hat")
    waiting = rubbish(hat, awaiting_review=True) + [
        add_photo(hat, path, awaiting_review=True) for path in photos("clothing", "hat")[12:14]]
    run = train_now(clothes)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    # Trained on (or left out as near-certainly wrong): the 36 photos not waiting for review.
    assert run.metrics["examples"] + len(run.metrics["left_out"]) == 36
    assert run.metrics["excluded"]["awaiting_review"] == 5
    for photo in waiting[:3]:
        photo.refresh_from_db()
        assert "outlier" in photo.flags and photo.awaiting_review

    for photo in waiting[3:]:
        photo_keep(photo=photo)
    run = train_now(clothes)
    assert run.metrics["examples"] + len(run.metrics["left_out"]) == 38
    assert run.metrics["excluded"]["awaiting_review"] == 3


def test_a_flagging_failure_is_logged_and_reported_as_none(clothes, caplog):
    clothes.backbone = "no-such-backbone"
    assert flags_refresh_quietly(classifier=clothes) is None
    assert "could not refresh the flags" in caplog.text


def test_a_classifier_without_photos_has_nothing_to_flag(owner):
    empty = classifier_create(owner=owner, name="Empty", label_names=["a", "b"])
    assert flags_refresh(classifier=empty) == FlagsRefreshed()
