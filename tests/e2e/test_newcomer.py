"""What tripped a newcomer (issue 19), as a person meets it in a real browser: "Forgot password?" on the
log-in page and the whole reset through the mailed link, a word after logging out, a reload after "Make a
key" that makes no second key, "try it" that runs again on the same file and names AVIF among the formats,
and a model download that says it is being prepared. Phone width (390 px) where a person would be on one."""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from accounts.models import ApiKey
from classifiers.models import Classifier
from classifiers.services.catalog import classifier_create
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHONE, PHOTOS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "another long password 8"


def within_the_screen(page, locator) -> None:
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def test_at_phone_width_a_person_finds_forgot_password_and_sets_a_new_one_through_the_mailed_link(page, ada):
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    forgot = page.get_by_role("link", name="Forgot password?")
    expect(forgot).to_be_visible()
    within_the_screen(page, forgot)
    forgot.click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/password-reset/\S+/", mail.outbox[0].body)[0]
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your new password is saved")).to_be_visible()
    page.get_by_role("link", name="Log in").last.click()
    log_in(page, NEW_PASSWORD)


def test_logging_out_says_so(page, ada):
    page.set_viewport_size(PHONE)
    log_in(page)
    page.get_by_role("button", name="Log out (ada)").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.reload()
    expect(page.get_by_text("You are logged out.")).to_have_count(0)


def test_reloading_the_api_page_after_make_a_key_makes_no_second_key(page, ada):
    classifier = classifier_create(owner=ada, name="Hats", label_names=["hat", "shoes"])
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/api/")
    page.get_by_label("Key name").fill("my script")
    page.get_by_role("button", name="Make a key").click()
    expect(page.locator("[data-secret]")).to_have_text(re.compile(r"^nw_"))
    assert page.url.endswith(f"/classifiers/{classifier.id}/api/")  # the page after a redirect, not a POST
    page.reload()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # heading row + the one key
    expect(page.locator("[data-secret]")).to_have_count(0)
    assert ApiKey.objects.count() == 1


@pytest.fixture
def trained(ada, monkeypatch) -> Classifier:
    """Ada's classifier, trained for real on photos of hats and shoes (tests/data/e2e)."""
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **kwargs: None)  # run here, not queued
    classifier = classifier_create(owner=ada, name="Hats or shoes", label_names=["hat", "shoes"])
    for name, numbers in (("hat", range(21, 30)), ("shoes", range(20, 29))):
        photos_add_uploads(label=classifier.labels.get(name=name), files=[
            SimpleUploadedFile(f"{name}-{n:04d}.jpg", (PHOTOS / f"{name}-{n:04d}.jpg").read_bytes()) for n in numbers])
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    return classifier


def test_try_it_runs_again_on_the_same_file_and_the_download_says_it_is_prepared(page, trained, monkeypatch):
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(f"/classifiers/{trained.id}/try/")
    expect(page.locator("form.try-drop.js")).to_be_attached()
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)

    photo = PHOTOS / "hat-0033.jpg"
    chooser_input = page.locator("#try-image")
    for attempt in (1, 2):
        # Chosen through the file dialog, as a person does: the same file the second time.
        with page.expect_file_chooser() as chooser:
            page.locator("label[for='try-image']").click()
        chooser.value.set_files(photo)
        verdicts = re.compile("^(hat|shoes|Probably hat|Probably shoes|None of these)$")
        expect(page.locator("[data-verdict]")).to_have_text(verdicts, timeout=30_000)
        assert len(sent) == attempt, f"choosing {photo.name} again sent nothing"
        assert chooser_input.evaluate("input => input.value") == ""  # forgotten, so the same file is a change
        page.locator("[data-verdict]").evaluate("verdict => { verdict.textContent = ''; }")

    # The model download: packing it takes seconds the first time; the link says so until the file arrives.
    from classifiers.views import files

    export = files.model_export

    def slow_export(**kwargs):
        time.sleep(1.5)
        return export(**kwargs)

    monkeypatch.setattr(files, "model_export", slow_export)
    page.goto(f"/classifiers/{trained.id}/api/")
    link = page.get_by_role("link", name="Download the model")
    with page.expect_download(timeout=60_000) as download:
        link.click()
        busy = page.locator("a[data-download]")
        expect(busy).to_have_text("Preparing the download…")
        expect(busy).to_have_attribute("aria-busy", "true")
        expect(page.locator("#download-status")).to_contain_text("takes a few seconds")
        within_the_screen(page, busy)
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "model.onnx" in archive.namelist()
    expect(page.locator("a[data-download]")).to_have_text("Download the model")
    expect(page.locator("a[data-download]")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#download-status")).to_contain_text("Downloaded")


@pytest.fixture
def page_with_refusals(chromium, live_server):
    """A page whose console may report the server's refusals (a 415 for a file that is not a picture)."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_try_it_on_a_file_that_is_not_a_picture_names_every_format_read_avif_included(
        page_with_refusals, trained, tmp_path):
    page = page_with_refusals
    log_in(page)
    page.goto(f"/classifiers/{trained.id}/try/")
    expect(page.locator("form.try-drop.js")).to_be_attached()
    notes = tmp_path / "notes.jpg"
    notes.write_text("a shopping list, not a photo")
    page.locator("#try-image").set_input_files(notes)
    error = page.locator("[data-error]")
    expect(error).to_have_text(
        "This file is not a picture in a format we can read (JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF and HEIC).")
