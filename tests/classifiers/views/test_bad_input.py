"""Bad input through the pages: each bad or odd file of issue 7 uploaded with the classifier page's form
next to a good photo (the page then lists the bad one with its reason beside the class, and the good one
is kept), odd pictures shown back as upright RGB JPEG thumbnails, and class names with unicode, emoji,
300 characters and twins, each refused or kept with the reason next to the field."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classifiers.models import Classifier, Label
from classifiers.services.catalog import classifier_create
from tests.bad_uploads import ODD, REFUSED, Odd, Refused
from tests.fakes.images import photo as sample_photo


@pytest.fixture
def dress(ada) -> Label:
    return classifier_create(owner=ada[0], name="Clothes", label_names=["dress", "hat"]).labels.get(name="dress")


def a_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def upload(client, label: Label, files: list) -> BeautifulSoup:
    """Send files with the class's upload form, follow to the page the person lands on."""
    response = client.post(reverse("photos_upload", args=[label.classifier_id, label.id]), {"files": files},
                           follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"#class-{label.id}")
    return BeautifulSoup(response.content, "html.parser")


def report_of(page: BeautifulSoup, label: Label) -> dict:
    """What the class's section says about the upload: the added line and each refused file's reason."""
    section = page.find(id=f"class-{label.id}")
    report = section.find(class_="report")
    refused = {}
    for item in report.select("ul.rejected li:has(strong)"):  # the last may be "…and 400 more."
        name = item.strong.get_text()
        refused[name] = item.get_text()[len(name):].removeprefix(" — ")
    added = report.find(class_="ok")
    return {"added": added.get_text() if added else "", "refused": refused,
            "count": section.find(class_="count").get_text()}


@pytest.mark.parametrize("bad", REFUSED, ids=str)
def test_a_bad_file_is_listed_beside_its_class_with_the_reason_and_the_good_photo_is_kept(ada, dress, bad: Refused):
    page = upload(ada[1], dress, [a_file("good.jpg", sample_photo(0)), a_file(bad.name, bad.data())])
    seen = report_of(page, dress)
    kept = 1 + bad.kept_inside
    assert seen["added"] == f"Added {kept} photo{'s' if kept > 1 else ''}."
    assert seen["count"] == f"{kept} photo{'s' if kept > 1 else ''}"
    assert seen["refused"][bad.listed_as] == bad.reason
    assert dress.photos.count() == kept


def test_a_zip_of_10000_files_says_first_that_it_was_capped_and_counts_the_rest(ada, dress):
    bad = next(b for b in REFUSED if b.code == "too_many_files")
    page = upload(ada[1], dress, [a_file(bad.name, bad.data())])
    report = page.find(id=f"class-{dress.id}").find(class_="report")
    assert report.select("ul.rejected li")[0].get_text() == f"{bad.listed_as} — {bad.reason}"
    assert report.find(class_="bad").get_text() == "500 not added:"  # the cap and the 499 one-byte files
    assert report.select("ul.rejected li")[-1].get_text() == "…and 400 more."


@pytest.mark.parametrize("odd", ODD, ids=str)
def test_an_odd_picture_is_kept_and_its_thumbnail_is_a_plain_upright_rgb_jpeg(ada, dress, odd: Odd):
    page = upload(ada[1], dress, [a_file(odd.name, odd.data())])
    assert report_of(page, dress)["added"] == "Added 1 photo."
    [photo] = dress.photos.all()
    thumbnail = page.find(id=f"class-{dress.id}").find("img", src=reverse("photo_image", args=[photo.id]))
    assert thumbnail is not None
    served = ada[1].get(thumbnail["src"])
    assert served["Content-Type"] == "image/jpeg"
    odd.verify(b"".join(served.streaming_content))


# --- Class names --------------------------------------------------------------------------------------

def field_errors(page: BeautifulSoup, field_id: str) -> list[str]:
    errors = page.find(id=f"{field_id}_error")
    return [item.get_text() for item in errors.find_all("li")] if errors else []


@pytest.mark.parametrize("name", ["Ünïcödé façade 中文 ελληνικά", "🐱 cat 🐈‍⬛"])
def test_a_class_named_in_any_script_or_with_emoji_is_kept_and_shown_as_written(ada, name):
    response = ada[1].post(reverse("classifier_new"), {"name": name, "labels": f"{name}\nother", "per_class": 20},
                           follow=True)
    classifier = Classifier.objects.get(name=name)
    assert classifier.labels.filter(name=name).exists()
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find("h1").get_text(strip=True) == name
    label = classifier.labels.get(name=name)
    assert page.find(id=f"class-{label.id}-title").get_text() == name


def test_a_300_character_class_name_is_refused_next_to_the_field_on_every_form(ada, dress):
    client = ada[1]
    long_name = "ö" * 300
    page = BeautifulSoup(client.post(reverse("classifier_new"), {"name": "Long", "labels": f"ok\n{long_name}",
                                                                 "per_class": 20}).content, "html.parser")
    assert field_errors(page, "id_labels") == ["The class name is 300 characters long; keep it to 100."]
    response = client.post(reverse("label_add", args=[dress.classifier_id]), {"name": long_name})
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    assert field_errors(page, "id_new_label_name") == ["Ensure this value has at most 100 characters (it has 300)."]
    response = client.post(reverse("label_rename", args=[dress.classifier_id, dress.id]), {"name": long_name})
    page = BeautifulSoup(response.content, "html.parser")
    assert field_errors(page, f"id_{dress.id.hex[:8]}_name") == [
        "Ensure this value has at most 100 characters (it has 300)."]
    assert not Classifier.objects.filter(name="Long").exists()
    assert sorted(Label.objects.values_list("name", flat=True)) == ["dress", "hat"]


def test_a_class_named_like_another_is_refused_next_to_the_field_whatever_the_case(ada, dress):
    client = ada[1]
    page = BeautifulSoup(client.post(reverse("classifier_new"), {"name": "Twins", "labels": "🐱 cat\n🐱  CAT",
                                                                 "per_class": 20}).content, "html.parser")
    assert field_errors(page, "id_labels") == ['The class "🐱 CAT" is named twice. Give each class a different name.']
    response = client.post(reverse("label_add", args=[dress.classifier_id]), {"name": " DRESS"})
    page = BeautifulSoup(response.content, "html.parser")
    assert field_errors(page, "id_new_label_name") == ['This classifier already has a class called "DRESS".']
    hat = dress.classifier.labels.get(name="hat")
    response = client.post(reverse("label_rename", args=[dress.classifier_id, hat.id]), {"name": "Dress"})
    page = BeautifulSoup(response.content, "html.parser")
    assert field_errors(page, f"id_{hat.id.hex[:8]}_name") == ['This classifier already has a class called "Dress".']
    assert not Classifier.objects.filter(name="Twins").exists()
    assert sorted(Label.objects.values_list("name", flat=True)) == ["dress", "hat"]


def test_more_files_at_once_than_the_server_reads_is_refused_with_what_to_do(ada, dress, settings):
    # The page's script sends files in batches; a plain form or a tool can still send too many at once.
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [a_file(f"{n}.jpg", sample_photo(n)) for n in range(5)]
    response = ada[1].post(reverse("photos_upload", args=[dress.classifier_id, dress.id]), {"files": files})
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find("h1").get_text() == "This request could not be read"
    assert ("NanoWeb could not read this request. Send at most 3 files at a time, or put them in a zip."
            in page.get_text())
    assert not dress.photos.exists()
