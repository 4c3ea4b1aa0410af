"""Reviewing flagged photos: keep (not flagged again for that reason), drop, move, for one or a selection."""

from __future__ import annotations

from django.urls import reverse

from classifiers.models import Photo
from classifiers.selectors.review import photos_to_review
from classifiers.services.review import photo_keep
from classifiers.services.uploads import photos_add_uploads
from tests.classifiers.views.conftest import photo_upload


def flag(photo: Photo, **flags: str) -> Photo:
    photo.flags = flags
    photo.save()
    return photo


def test_the_review_page_lists_flagged_photos_biggest_doubts_first(ada, hats_and_shoes):
    hat_photos = list(Photo.objects.filter(label__name="hat"))
    flag(hat_photos[0], duplicate="nearly the same as another photo of “hat”")
    flag(hat_photos[1], in_other_class="the same picture is also in “shoes”", outlier="far from the other hats")
    page = ada[1].get(reverse("classifier_review", args=[hats_and_shoes.id])).content.decode()
    assert "2 photos flagged" in page
    assert page.index("Also in another class") < page.index("Same picture twice")
    assert "far from the other hats" in page
    assert [e.id for e in photos_to_review(classifier=hats_and_shoes)] == [hat_photos[1].id, hat_photos[0].id]


def test_keeping_a_photo_clears_its_flags_and_remembers_the_decision(ada, hats_and_shoes):
    photo = flag(Photo.objects.filter(label__name="hat").first(), outlier="far from the other hats")
    response = ada[1].post(reverse("classifier_review", args=[hats_and_shoes.id]),
                           {"action": f"keep:{photo.id}"}, follow=True)
    photo.refresh_from_db()
    assert (photo.flags, photo.dismissed_flags) == ({}, ["outlier"])
    assert "Kept 1 photo; it will not be flagged again for the same reasons." in response.content.decode()
    assert "Nothing is flagged" in response.content.decode()


def test_a_kept_photo_is_not_flagged_again_as_the_same_picture_in_another_class(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    shoes = hats_and_shoes.labels.get(name="shoes")
    photos_add_uploads(label=shoes, files=[photo_upload("hat-0021.jpg")])
    original = hat.photos.get(original_name="hat-0021.jpg")
    assert "in_other_class" in original.flags
    photo_keep(photo=original)
    photos_add_uploads(label=hats_and_shoes.labels.create(name="caps"), files=[photo_upload("hat-0021.jpg")])
    original.refresh_from_db()
    assert original.flags == {}


def test_dropping_and_moving_a_selection(ada, hats_and_shoes):
    hats = list(Photo.objects.filter(label__name="hat"))
    for photo in hats:
        flag(photo, outlier="far from the other hats")
    shoes = hats_and_shoes.labels.get(name="shoes")
    url = reverse("classifier_review", args=[hats_and_shoes.id])
    ada[1].post(url, {"action": "drop", "example": [str(hats[0].id)]})
    response = ada[1].post(url, {"action": "move", "label": str(shoes.id),
                                 "example": [str(hats[1].id), str(hats[2].id)]}, follow=True)
    assert not Photo.objects.filter(id=hats[0].id).exists()
    assert set(shoes.photos.values_list("id", flat=True)) >= {hats[1].id, hats[2].id}
    assert "Moved 2 photos to “shoes”." in response.content.decode()
    assert Photo.objects.filter(id__in=[hats[1].id, hats[2].id]).exclude(flags={}).count() == 0


def test_a_decision_without_a_selection_says_what_to_do(ada, hats_and_shoes):
    response = ada[1].post(reverse("classifier_review", args=[hats_and_shoes.id]), {"action": "drop"}, follow=True)
    assert "Tick the photos to decide on first." in response.content.decode()
    assert Photo.objects.count() == 6


def test_moving_a_picture_into_a_class_that_has_it_is_refused_in_words(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    shoes = hats_and_shoes.labels.get(name="shoes")
    copy = photos_add_uploads(label=shoes, files=[photo_upload("hat-0021.jpg")]).added[0]
    response = ada[1].post(reverse("classifier_review", args=[hats_and_shoes.id]),
                           {"action": f"move:{copy.id}", f"label-{copy.id}": str(hat.id)}, follow=True)
    assert "“hat” already has this picture; drop this copy instead." in response.content.decode()
    copy.refresh_from_db()
    assert copy.label_id == shoes.id
