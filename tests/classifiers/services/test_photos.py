"""example_add: one photo into a class, with duplicates refused, cross-class copies flagged, provenance kept."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from classifiers.models import Photo
from classifiers.services.photos import DuplicateImage, Provenance, photo_add
from scraper.images import ImageRejected
from tests.fakes import images


def upload(name: str = "dress.jpg") -> Provenance:
    return Provenance(provider="upload", original_name=name, fetched_at=timezone.now())


def resized_copy(data: bytes, factor: float = 0.6, quality: int = 70) -> bytes:
    picture = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    picture.resize((int(picture.width * factor), int(picture.height * factor))).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_photo_is_stored_normalised_with_its_provenance(dress):
    provenance = Provenance(provider="commons", original_name="Red_dress.jpg", source_url="https://img.example/r.jpg",
                            page_url="https://commons.example/File:Red_dress.jpg", title="Red dress",
                            license="CC BY-SA 4.0", license_url="https://creativecommons.org/licenses/by-sa/4.0/",
                            author="Jane Doe", fetched_at=timezone.now())
    photo = photo_add(label=dress, data=images.photo(0), provenance=provenance)
    photo.refresh_from_db()
    assert (photo.provider, photo.title, photo.license, photo.author) == (
        "commons", "Red dress", "CC BY-SA 4.0", "Jane Doe")
    assert photo.page_url == "https://commons.example/File:Red_dress.jpg"
    assert photo.image.name == f"examples/{dress.classifier_id}/{photo.id}.jpg"
    with default_storage.open(photo.image.name) as stored:
        assert Image.open(stored).format == "JPEG"
    assert photo.flags == {}


def test_the_same_photo_twice_in_one_class_is_refused_naming_the_first(dress):
    first = photo_add(label=dress, data=images.photo(0), provenance=upload("first.jpg"))
    with pytest.raises(DuplicateImage) as info:
        photo_add(label=dress, data=images.photo(0), provenance=upload("again.jpg"))
    assert info.value.code == "duplicate"
    assert info.value.duplicate_of == str(first.id)
    assert info.value.message.startswith('This picture is already in "dress" ("first.jpg", added ')
    assert dress.photos.count() == 1


def test_a_resized_recompressed_copy_is_refused_as_nearly_the_same(dress):
    photo_add(label=dress, data=images.photo(3), provenance=upload("original.jpg"))
    with pytest.raises(DuplicateImage) as info:
        photo_add(label=dress, data=resized_copy(images.photo(3)), provenance=upload("smaller.jpg"))
    assert info.value.message.startswith('This picture is nearly the same as a picture already in "dress"')


def test_different_photos_are_all_kept(dress):
    for index, data in enumerate(images.photos()):
        photo_add(label=dress, data=data, provenance=upload(f"{index}.jpg"))
    assert dress.photos.count() == len(images.photos()) == 20
    assert len(set(dress.photos.values_list("phash", flat=True))) == 20


def test_the_same_photo_in_another_class_is_kept_but_flagged_on_both(dress, hat):
    in_dress = photo_add(label=dress, data=images.photo(5), provenance=upload())
    in_hat = photo_add(label=hat, data=images.photo(5), provenance=upload())
    in_dress.refresh_from_db()
    assert in_hat.flags == {"in_other_class": 'the same picture is also in "dress"'}
    assert in_dress.flags == {"in_other_class": 'the same picture is also in "hat"'}


def test_a_photo_kept_after_review_is_not_flagged_again_for_the_same_reason(dress, hat):
    in_dress = photo_add(label=dress, data=images.photo(5), provenance=upload())
    Photo.objects.filter(id=in_dress.id).update(dismissed_flags=["in_other_class"])
    photo_add(label=hat, data=images.photo(5), provenance=upload())
    in_dress.refresh_from_db()
    assert in_dress.flags == {}


def test_a_refused_file_leaves_no_row_and_no_file(dress, isolated_data_dir):
    with pytest.raises(ImageRejected):
        photo_add(label=dress, data=images.HTML_NAMED_JPG, provenance=upload())
    assert dress.photos.count() == 0
    assert not list((isolated_data_dir / "media").rglob("*.jpg"))


def test_a_duplicate_leaves_no_extra_file(dress, isolated_data_dir):
    photo_add(label=dress, data=images.photo(0), provenance=upload())
    with pytest.raises(DuplicateImage):
        photo_add(label=dress, data=images.photo(0), provenance=upload())
    assert len(list((isolated_data_dir / "media").rglob("*.jpg"))) == 1


def test_overlong_provenance_is_cut_to_fit_and_an_overlong_url_dropped(dress):
    provenance = Provenance(provider="url", title="t" * 900, author="a" * 900,
                            source_url="https://x.example/" + "p" * 3000)
    photo = photo_add(label=dress, data=images.photo(1), provenance=provenance)
    photo.refresh_from_db()
    assert len(photo.title) == 500 and len(photo.author) == 300 and photo.source_url == ""


def flat(colour: tuple[int, int, int], size: tuple[int, int] = (120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_two_hundred_flat_pictures_of_different_colours_are_all_kept(dress):
    """Before: every flat picture had the same perceptual hash (it is rounding noise when there is no detail),
    so the second of 200 distinct colours was already "nearly the same as a picture already in dress"."""
    steps = (0, 40, 80, 120, 160, 200, 240)
    colours = [(r, g, b) for r in steps for g in steps for b in steps][:200]
    for index, colour in enumerate(colours):
        photo_add(label=dress, data=flat(colour), provenance=upload(f"colour-{index}.png"))
    assert dress.photos.count() == 200


def test_a_resized_copy_of_a_flat_picture_is_still_refused_as_nearly_the_same(dress):
    photo_add(label=dress, data=flat((200, 40, 40)), provenance=upload("red.png"))
    with pytest.raises(DuplicateImage) as info:
        photo_add(label=dress, data=resized_copy(flat((200, 40, 40), (400, 300)), factor=0.5),
                  provenance=upload("red-again.jpg"))
    assert info.value.message.startswith('This picture is nearly the same as a picture already in "dress" ("red.png"')
    # A colour a person tells apart is a different picture; a photo with detail is judged by its hash as before.
    photo_add(label=dress, data=flat((200, 60, 40)), provenance=upload("orange-red.png"))
    photo_add(label=dress, data=images.photo(3), provenance=upload("photo.jpg"))
    with pytest.raises(DuplicateImage):
        photo_add(label=dress, data=resized_copy(images.photo(3)), provenance=upload("photo-small.jpg"))
    assert dress.photos.count() == 3
