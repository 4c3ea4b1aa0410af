"""In a real browser: a person tries a few photos on the try-it page, opens Answers, and finds them counted
in words and pictures and listed newest first, each with the photo it was about — kept by the prediction
log's own thread in the server, as in production."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from classifiers.models import Classifier
from classifiers.services.catalog import classifier_create
from classifiers.services.predictions_log import prediction_log_flush
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS, logged_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRIED = ["hat-0033.jpg", "shoes-0032.jpg", "dress-0020.jpg"]  # none of them trained on


@pytest.fixture
def shopkeeper():
    return get_user_model().objects.create_user("shopkeeper", "shop@example.org", "a long enough password 7")


@pytest.fixture
def hats_and_shoes(shopkeeper, monkeypatch) -> Classifier:
    """Trained for real on nine photos of hats and nine of shoes."""
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # run here, not queued
    classifier = classifier_create(owner=shopkeeper, name="Hats and shoes", label_names=["hat", "shoes"])
    for name, first in (("hat", 21), ("shoes", 20)):
        files = [SimpleUploadedFile(f"{name}-{n:04d}.jpg", (PHOTOS / f"{name}-{n:04d}.jpg").read_bytes())
                 for n in range(first, first + 9)]
        photos_add_uploads(label=classifier.labels.get(name=name), files=files)
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    return classifier


def test_photos_tried_on_the_try_it_page_are_counted_and_listed_under_answers(page, live_server, hats_and_shoes):
    logged_in(page, live_server, hats_and_shoes.owner)
    base = f"/classifiers/{hats_and_shoes.id}/"
    page.goto(base + "try/")
    expect(page.get_by_text("Each answer is kept for 30 days with a small copy of the photo")).to_be_visible()
    verdicts = []
    for name in TRIED:
        with page.expect_response(lambda response: response.request.method == "POST"):
            page.locator("#try-image").set_input_files(str(PHOTOS / name))
        expect(page.locator("[data-verdict]")).not_to_be_empty()
        verdicts.append(page.locator("[data-verdict]").inner_text())
    assert verdicts[:2] == ["hat", "shoes"]
    assert prediction_log_flush(timeout=30)  # the server's log thread has written them

    page.get_by_role("navigation").get_by_role("link", name="Answers").click()  # the tab
    expect(page).to_have_url(re.compile(r"/answers/$"))
    summary = page.locator("[data-summary]")
    expect(summary).to_contain_text("In the last 30 days it gave 3 answers")
    unknown = verdicts.count("None of these")
    expect(summary).to_contain_text(f"{round(100 * unknown / 3)}% of them were “none of these”")
    for plot in ("plot-per-day", "plot-unknown", "plot-sure", "plot-latency"):
        expect(page.locator(f'svg[data-plot="{plot}"]')).to_be_visible()
    # Today's bar is the one with answers: three of them, said to a screen reader too.
    today = page.locator('svg[data-plot="plot-per-day"] rect.column:not(.part)')
    expect(today).to_have_count(1)
    expect(today.locator("title")).to_have_text(re.compile(r": 3$"))

    rows = page.locator("[data-answer-list] li")
    expect(rows).to_have_count(3)
    # Newest first: the dress tried last is on top; each row shows its photo and where it came from.
    expected = ["None of these" if v == "None of these" else v for v in reversed(verdicts)]
    for row, verdict in zip(rows.all(), expected, strict=True):
        expect(row.locator(".answer-verdict")).to_contain_text(verdict)
        expect(row).to_contain_text("Try it page")
        image = row.locator("img")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert image.evaluate("img => Math.max(img.naturalWidth, img.naturalHeight)") == 256
    # The words for the figures' meaning are folded away until asked for.
    expect(page.get_by_text("p50, p90, p99", exact=False)).to_be_hidden()
    page.get_by_text("About these figures").click()
    expect(page.get_by_text("p50, p90, p99", exact=False)).to_be_visible()
    screenshot(page, "answers")
