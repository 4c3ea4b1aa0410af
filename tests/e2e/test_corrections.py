"""Correcting answers in a real browser, through a real worker: a shop owner asks the try-it page about a photo,
says the answer is wrong and what the photo really is, finds that photo waiting on the review page, keeps it,
trains again, and reads on the new version's results how it does on the answer they corrected. Then the
"label these next" list offers the answers it was least sure of, each with the same one-click correction."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from classifiers.models import Correction, Photo, Prediction
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS, screenshot
from tests.e2e.test_collect_and_review import log_in, uploads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged(count: int) -> None:
    """Wait until the prediction log's thread has written `count` answers."""
    deadline = time.monotonic() + 15
    while Prediction.objects.count() < count:
        assert time.monotonic() < deadline, f"fewer than {count} answers were logged"
        time.sleep(0.1)


def trained(page, number: int) -> None:
    expect(page.get_by_role("heading", name=re.compile(f"Results of version {number}"))).to_be_visible(
        timeout=150_000)


def hats_and_shoes_trained(page, username: str, photos_a_class: int):
    """Log in as `username`, make "Hats and shoes" with that many real photos a class, and train it with the
    page's Train button (through the real worker)."""
    log_in(page, username)
    user = get_user_model().objects.get(username=username)
    classifier = classifier_create(owner=user, name="Hats and shoes", label_names=["hat", "shoes"])
    for label, first in ((classifier.labels.get(name="hat"), 21), (classifier.labels.get(name="shoes"), 20)):
        names = [f"{label.name}-{n:04d}.jpg" for n in range(first, first + photos_a_class)]
        photos_add_uploads(label=label, files=uploads(names))
    page.goto(f"/classifiers/{classifier.id}/results/")
    page.get_by_role("button", name="Train", exact=True).click()
    trained(page, 1)
    return classifier


@pytest.mark.worker
@pytest.mark.services
def test_a_wrong_answer_is_corrected_reviewed_kept_and_the_next_version_says_how_it_does_on_it(page, worker):
    classifier = hats_and_shoes_trained(page, "shopkeeper", 8)
    shoes = classifier.labels.get(name="shoes")

    # A hat photo it never saw; the owner says it is wrong: it is "shoes" (the button of its answer is hidden).
    page.goto(f"/classifiers/{classifier.id}/try/")
    page.locator("#try-image").set_input_files(PHOTOS / "hat-0030.jpg")
    answer = page.locator("[data-answer]")
    expect(answer.locator("[data-verdict]")).to_have_text(re.compile(r"hat|None of these"))
    correct = answer.locator("form[data-feedback]")
    logged(1)
    expect(correct).to_contain_text("Is this wrong? It is:")
    if answer.locator("[data-verdict]").inner_text().strip() == "hat":
        expect(correct.get_by_role("button", name="hat", exact=True)).to_be_hidden()
    correct.get_by_role("button", name="shoes", exact=True).click()
    expect(correct).to_contain_text("Noted: it is “shoes”. The photo was added to “shoes”, waiting for your review: "
                                    "it is not trained on until you keep it.")
    screenshot(page, "80-try-corrected")

    correct.get_by_role("link", name="Review it").click()
    waiting = page.locator(".review-item", has_text="you corrected an answer")
    expect(waiting).to_contain_text("In shoes")
    expect(waiting).to_contain_text("you corrected an answer and said this photo is “shoes”: not trained on until "
                                    "you keep it")
    photo = Photo.objects.get(provider="correction")
    assert photo.awaiting_review and photo.label == shoes
    screenshot(page, "81-review-corrected-photo")
    waiting.get_by_role("button", name="Keep").click()
    expect(page.locator(".message.success")).to_contain_text("Kept 1 photo")
    photo.refresh_from_db()
    assert not photo.awaiting_review

    page.get_by_role("button", name="Retrain now").click()
    trained(page, 2)
    corrected = page.locator("[data-corrected]")
    expect(corrected).to_contain_text(re.compile(
        r"Of the 1 answer you corrected, version 1 got 0 right and this version gets [01] right\."))
    page.get_by_text("How this is counted").click()
    expect(page.locator("details", has_text="How this is counted")).to_contain_text(
        "This version was trained on 1 of them (the ones you kept)")
    screenshot(page, "82-results-after-corrections")


@pytest.mark.worker
@pytest.mark.services
def test_label_these_next_lists_unsure_answers_and_corrects_one_in_a_click(page, worker):
    classifier = hats_and_shoes_trained(page, "labeller", 4)
    page.goto(f"/classifiers/{classifier.id}/try/")
    asked = ["hat-0031.jpg", "shoes-0031.jpg", "dress-0020.jpg"]
    for count, name in enumerate(asked, start=1):
        page.locator("#try-image").set_input_files(PHOTOS / name)
        expect(page.locator("[data-answer] form[data-feedback]")).to_be_visible()
        logged(count)

    page.goto(f"/classifiers/{classifier.id}/answers/")
    page.get_by_role("link", name="Which answers to label next").click()
    expect(page.get_by_role("heading", name="Label these next")).to_be_visible()
    rows = page.locator("[data-label-next]")
    expect(rows).to_have_count(3)
    # Each says why in words, and none of them speaks of margins outside the "details" fold.
    for index in range(3):
        expect(rows.nth(index).locator("[data-why]")).to_have_text(re.compile(
            r"It hesitated between “\w+” \(\d+%\) and “\w+”|It did not look like any class it knows|It was \d+% sure "
            r"\(next: “\w+”|Version 1 said"))
    expect(page.locator(".label-next-list")).not_to_contain_text("margin")
    screenshot(page, "83-label-next")
    first = rows.first
    first.get_by_role("button", name="None of these").or_(first.get_by_role("button", name="hat")).first.click()
    expect(first.locator("[data-feedback-said]")).to_contain_text("Noted: it is")
    assert Correction.objects.count() == 1
    page.reload()
    expect(page.locator("[data-label-next]")).to_have_count(2)
