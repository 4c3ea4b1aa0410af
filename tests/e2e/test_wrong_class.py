"""A photo filed under the wrong class, in a real browser, after a real training run: the results page
says training left it out and links to the review screen, where "Move to <the class it looks like>" moves
it in one click."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from classifiers.models import Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS, logged_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def uploads(names: list[str]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, (PHOTOS / name).read_bytes()) for name in names]


@pytest.fixture
def shop(monkeypatch):
    """Hats, shoes and dresses, 10 real photos each, and one hat photo filed under shoes; trained for real."""
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # run here, not queued
    owner = get_user_model().objects.create_user("shopkeeper", "shop@example.org", "a long enough password 7")
    classifier = classifier_create(owner=owner, name="Shop", label_names=["hat", "shoes", "dress"])
    for name, first in (("hat", 21), ("shoes", 20), ("dress", 20)):
        photos_add_uploads(label=classifier.labels.get(name=name),
                           files=uploads([f"{name}-{n:04d}.jpg" for n in range(first, first + 10)]))
    stray = photos_add_uploads(label=classifier.labels.get(name="shoes"), files=uploads(["hat-0032.jpg"])).added[0]
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    return owner, classifier, stray


def test_the_results_say_what_was_left_out_and_review_moves_it_in_one_click(page, live_server, shop):
    owner, classifier, stray = shop
    logged_in(page, live_server, owner)
    page.goto(f"/classifiers/{classifier.id}/results/")
    note = page.locator("[data-left-out]")
    expect(note).to_contain_text(re.compile(r"Left out \d+ photos? that looks? like another class or like none of "
                                            r"them — review them\."))
    screenshot(page, "60-results-left-out")
    note.get_by_role("link", name="review them").click()

    item = page.locator(".review-item", has=page.locator(f'input[value="{stray.id}"]'))
    expect(item).to_contain_text("looks like 'hat' rather than 'shoes'")
    screenshot(page, "61-review-move-to")
    item.get_by_role("button", name="Move to hat").click()

    expect(page.locator(".message.success")).to_have_text("Moved 1 photo to “hat”.")
    expect(page.locator(".review-item", has=page.locator(f'input[value="{stray.id}"]'))).to_have_count(0)
    stray = Photo.objects.select_related("label").get(id=stray.id)
    assert stray.label.name == "hat" and "misclassified" not in stray.flags
