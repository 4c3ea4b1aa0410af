"""Classes and photos on the classifier page: uploads keep the good files and say why the others were refused,
forms show their errors next to the field, and selected photos can be removed."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classifiers.models import Label, Photo, SearchJob
from tests.classifiers.views.conftest import photo_bytes, photo_upload


def text_of(response) -> str:
    return response.content.decode()


def error_after(page: str, field_id: str) -> str:
    """The error list rendered right after the field with this id."""
    start = page.index(f'id="{field_id}_error"')
    return page[start: page.index("</ul>", start)]


def test_the_page_shows_each_class_with_its_count_and_thumbnails(ada, hats_and_shoes):
    page = text_of(ada[1].get(reverse("classifier_detail", args=[hats_and_shoes.id])))
    assert "3 photos" in page
    for photo in Photo.objects.all():
        assert reverse("photo_image", args=[photo.id]) in page
    assert "Drop photos or a zip here" in page
    assert "Find photos on the web" in page


def test_a_non_image_among_good_uploads_is_refused_with_its_reason_and_the_good_ones_are_kept(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    files = [photo_upload("hat-0024.jpg"), SimpleUploadedFile("notes.txt", b"just some words, not a photo"),
             photo_upload("hat-0025.jpg")]
    response = ada[1].post(reverse("photos_upload", args=[hats_and_shoes.id, hat.id]), {"files": files}, follow=True)
    page = text_of(response)
    assert hat.photos.count() == 5
    assert "Added 2 photos." in page
    assert "<strong>notes.txt</strong>" in page
    assert "not a picture" in page.lower() or "not an image" in page.lower()
    # The report sits in the class's own section, next to where the files were added.
    section = page[page.index(f'id="class-{hat.id}"'):]
    assert section.index("notes.txt") < section.index("</section>")


def test_the_upload_script_gets_what_was_added_and_refused_as_json(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/hat-0026.jpg", photo_bytes("hat-0026.jpg"))
        zf.writestr("a/readme.txt", "not a photo")
    response = ada[1].post(reverse("photos_upload", args=[hats_and_shoes.id, hat.id]),
                           {"files": [SimpleUploadedFile("hats.zip", archive.getvalue())]},
                           HTTP_ACCEPT="application/json")
    body = response.json()
    assert body["added"] == 1
    assert [item["name"] for item in body["rejected"]] == ["hats.zip/a/readme.txt"]
    assert hat.photos.count() == 4


def test_an_upload_without_files_says_what_to_do(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    response = ada[1].post(reverse("photos_upload", args=[hats_and_shoes.id, hat.id]), {}, follow=True)
    assert "hat: Choose one or more photos, or a zip of photos, to upload." in text_of(response)


def test_a_duplicate_class_name_is_refused_next_to_the_new_class_field(ada, hats_and_shoes):
    response = ada[1].post(reverse("label_add", args=[hats_and_shoes.id]), {"name": "HAT"})
    assert response.status_code == 400
    assert "already has a class called" in error_after(text_of(response), "id_new_label_name")
    assert hats_and_shoes.labels.count() == 2


def test_renaming_a_class_to_another_class_name_shows_the_error_next_to_its_rename_field(ada, hats_and_shoes):
    shoes = hats_and_shoes.labels.get(name="shoes")
    response = ada[1].post(reverse("label_rename", args=[hats_and_shoes.id, shoes.id]), {"name": "hat"})
    page = text_of(response)
    assert response.status_code == 400
    assert "already has a class called" in error_after(page, f"id_{shoes.id.hex[:8]}_name")
    assert '<details class="edit-class" open>' in page
    shoes.refresh_from_db()
    assert shoes.name == "shoes"


def test_adding_renaming_and_deleting_a_class(ada, hats_and_shoes):
    client = ada[1]
    client.post(reverse("label_add", args=[hats_and_shoes.id]), {"name": "scarf"})
    scarf = hats_and_shoes.labels.get(name="scarf")
    client.post(reverse("label_rename", args=[hats_and_shoes.id, scarf.id]), {"name": "woollen scarf"})
    assert hats_and_shoes.labels.filter(name="woollen scarf").exists()
    response = client.post(reverse("label_delete", args=[hats_and_shoes.id, scarf.id]), follow=True)
    assert "Deleted the class “woollen scarf” and its 0 photos." in text_of(response)
    assert list(hats_and_shoes.labels.values_list("name", flat=True)) == ["hat", "shoes"]


def test_removing_selected_photos_removes_just_those(ada, hats_and_shoes):
    chosen = list(Photo.objects.filter(label__name="hat")[:2])
    response = ada[1].post(reverse("photos_remove", args=[hats_and_shoes.id]),
                           {"example": [str(e.id) for e in chosen] + ["not-a-uuid"]}, follow=True)
    assert "Removed 2 photos." in text_of(response)
    assert Photo.objects.count() == 4
    assert not Photo.objects.filter(id__in=[e.id for e in chosen]).exists()


def test_a_web_search_asking_for_too_many_photos_is_refused_next_to_the_count(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    response = ada[1].post(reverse("photos_search", args=[hats_and_shoes.id, hat.id]),
                           {"query": "felt hat", "count": "9999", "provider": ""})
    assert response.status_code == 400
    assert "Ask for at most 500 photos" in error_after(text_of(response), f"id_{hat.id.hex[:8]}_count")
    assert not SearchJob.objects.exists()


def test_a_web_search_starts_with_the_chosen_provider_and_shows_its_progress(ada, hats_and_shoes,
                                                                            worker_takes_tasks):
    hat = hats_and_shoes.labels.get(name="hat")
    response = ada[1].post(reverse("photos_search", args=[hats_and_shoes.id, hat.id]),
                           {"query": "felt hat", "count": "10", "provider": "commons"}, follow=True)
    job = SearchJob.objects.get()
    assert (job.query, job.requested, job.providers) == ("felt hat", 10, ["commons"])
    page = text_of(response)
    assert reverse("search_status", args=[hats_and_shoes.id, job.id]) in page
    assert "Waiting to start the search for “felt hat”" in page


def test_a_second_search_while_one_runs_is_refused_with_the_reason(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    url = reverse("photos_search", args=[hats_and_shoes.id, hat.id])
    ada[1].post(url, {"query": "felt hat", "count": "10"})
    response = ada[1].post(url, {"query": "straw hat", "count": "10"})
    assert response.status_code == 400
    assert "already under way" in text_of(response)
    assert SearchJob.objects.count() == 1


def test_a_search_status_reports_its_yield_in_words(ada, hats_and_shoes):
    hat = hats_and_shoes.labels.get(name="hat")
    job = SearchJob.objects.create(
        label=hat, query="felt hat", requested=20, providers=["commons"], status=SearchJob.Status.SUCCEEDED,
        counts={"found": 34, "downloaded": 15, "duplicates": 2, "rejected": {"not_an_image": 1}, "had": 3},
    )
    hat.photos.update(search_job=job)
    body = ada[1].get(reverse("search_status", args=[hats_and_shoes.id, job.id])).json()
    assert body["active"] is False
    assert body["text"] == ("Done: “felt hat” — asked 17 → found 34 → saved 15 (2 duplicates, 1 not an image "
                            "refused) → 3 kept")


def test_an_image_is_served_to_its_owner_as_a_private_jpeg(ada, hats_and_shoes):
    photo = Photo.objects.first()
    response = ada[1].get(reverse("photo_image", args=[photo.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_settings_rename_and_switch_to_openly_licensed_photos(ada, hats_and_shoes):
    client = ada[1]
    url = reverse("classifier_settings", args=[hats_and_shoes.id])
    response = client.post(url, {"name": "  ", "open_licenses_only": "on"})
    assert response.status_code == 400
    assert "This field is required." in error_after(text_of(response), "id_name")
    client.post(url, {"name": "Headwear and footwear", "open_licenses_only": "on"})
    hats_and_shoes.refresh_from_db()
    assert (hats_and_shoes.name, hats_and_shoes.open_licenses_only) == ("Headwear and footwear", True)


def test_flagged_photos_are_gathered_for_review(ada, hats_and_shoes):
    photo = Photo.objects.filter(label__name="hat").first()
    photo.flags = {"outlier": "far from the other photos of this class"}
    photo.save()
    page = text_of(ada[1].get(reverse("classifier_detail", args=[hats_and_shoes.id])))
    review = page[page.index('id="flagged"'):]
    assert "Flagged for review (1)" in review
    assert "hat: far from the other photos of this class" in review
    assert Label.objects.get(name="hat").photos.exclude(flags={}).count() == 1


def test_an_upload_into_an_unwritable_photo_folder_says_so_in_words(ada, hats_and_shoes, settings, tmp_path):
    """Before: a bare 500. Now the person reads that the data folder cannot be written, without the server's
    paths, and nothing is added."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the photo folder should be")  # a real ENOTDIR, even for root
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocker / "media"}}}
    hat = hats_and_shoes.labels.get(name="hat")
    url = reverse("photos_upload", args=[hats_and_shoes.id, hat.id])
    message = ("NanoWeb cannot write to its data folder, so the photo was not saved. Check that the folder exists "
               "and that NanoWeb may write to it, then upload again.")
    response = ada[1].post(url, {"files": [photo_upload("hat-0024.jpg")]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json() == {"error": {"message": message}}
    page = text_of(ada[1].post(url, {"files": [photo_upload("hat-0025.jpg")]}, follow=True))
    assert f"hat: {message}" in page
    assert str(tmp_path) not in page
    assert hat.photos.count() == 3
