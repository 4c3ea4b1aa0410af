"""A newcomer's whole journey in a real browser: sign up, make a classifier with two classes, upload real
photos (a stray non-image among them is refused in words and the photos are kept), train with a real worker,
read the results, and get the right answer for photos the model never saw. Each page is screenshotted at
desktop and phone width under test-artifacts/."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from classifiers.models import Classifier
from tests.e2e.conftest import PHOTOS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.services, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]

# Twelve photos a class to train on, and one each the model never sees (tests/data/e2e/NOTICE).
TRAIN = {"hat": [f"{n:04d}" for n in range(21, 33)], "shoes": [f"{n:04d}" for n in range(20, 32)]}
HELD_OUT = {"hat": "0033", "shoes": "0032"}
TRAINING_TIMEOUT_MS = 150_000


def sign_up(page, username: str = "newcomer") -> None:
    page.goto("/")
    screenshot(page, "01-landing")
    page.get_by_role("link", name=re.compile("^Sign up")).first.click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough password 7")
    page.get_by_label("Password confirmation").fill("a long enough password 7")
    screenshot(page, "02-signup")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Make your first classifier")).to_be_visible()
    screenshot(page, "03-dashboard-empty")


def create_classifier(page) -> Classifier:
    page.get_by_role("link", name="New classifier").first.click()
    page.get_by_label("Name").fill("Hat or shoes")
    page.get_by_label("Classes, one per line").fill("hat\nshoes")
    page.get_by_label("Find photos on the web for me").uncheck()
    screenshot(page, "04-new-classifier")
    page.get_by_role("button", name="Create classifier").click()
    expect(page.get_by_role("heading", name="Hat or shoes", level=1)).to_be_visible()
    return Classifier.objects.get(name="Hat or shoes")


def upload(page, classifier: Classifier, name: str, files: list, *, refused: int = 0) -> None:
    label = classifier.labels.get(name=name)
    section = page.locator(f"#class-{label.id}")
    expect(section.locator("form[data-upload].js")).to_be_attached()  # the drop zone's script is ready
    # The drop zone's script sends the chosen files at once, then reloads the page with the outcome.
    with page.expect_navigation():
        section.locator('input[type="file"]').set_input_files(files)
    expect(page.locator(f"#class-{label.id} .count")).to_have_text(f"{len(files) - refused} photos")


def test_a_newcomer_goes_from_sign_up_to_a_right_answer(page, worker, tmp_path):
    sign_up(page)
    classifier = create_classifier(page)
    screenshot(page, "05-classifier-empty")

    notes = tmp_path / "shopping list.txt"
    notes.write_text("eggs, milk, a new hat\n")
    upload(page, classifier, "hat", [PHOTOS / f"hat-{n}.jpg" for n in TRAIN["hat"]] + [notes],
           refused=1)
    hat = classifier.labels.get(name="hat")
    report = page.locator(f"#class-{hat.id} .report")
    expect(report).to_contain_text(f"Added {len(TRAIN['hat'])} photos.")
    expect(report).to_contain_text("shopping list.txt")
    expect(report.locator(".rejected")).not_to_be_empty()
    upload(page, classifier, "shoes", [PHOTOS / f"shoes-{n}.jpg" for n in TRAIN["shoes"]])
    expect(page.locator(".state")).to_have_text("Ready to train")
    screenshot(page, "06-photos")

    # A photo's details, where it came from, with the keyboard alone.
    page.locator(f"#class-{hat.id} [data-photo]").first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#photo-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("your upload")
    screenshot(page, "07-photo-details")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_role("heading", name="Training")).to_be_visible()
    progress = page.locator("#training progress")
    if progress.count():
        screenshot(page, "08-training")
    expect(page.get_by_role("heading", name=re.compile("Results of version 1"))).to_be_visible(
        timeout=TRAINING_TIMEOUT_MS)
    expect(page.locator("[data-accuracy]")).to_have_text(re.compile(r"^\d+%$"))
    expect(page.locator("table.confusion tbody tr")).to_have_count(2)
    expect(page.locator("table.metrics-table tbody tr")).to_have_count(2)
    screenshot(page, "09-results")

    page.get_by_role("link", name="3. Try it").click()
    expect(page.locator("form.try-drop.js")).to_be_attached()  # its script is ready for the file
    for name in ("hat", "shoes"):
        page.locator("#try-image").set_input_files(PHOTOS / f"{name}-{HELD_OUT[name]}.jpg")
        expect(page.locator("[data-verdict]")).to_have_text(name, timeout=30_000)
        expect(page.locator("[data-bars] li")).to_have_count(2)
    screenshot(page, "10-try-it")

    page.get_by_role("link", name="API & download").click()
    page.get_by_label("Key name").fill("my script")
    page.get_by_role("button", name="Make a key").click()
    expect(page.locator("[data-secret]")).to_have_text(re.compile(r"^nw_"))
    screenshot(page, "11-api")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the model").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert {"model.onnx", "labels.json", "README.txt"} <= set(archive.namelist())
        assert json.loads(archive.read("labels.json"))["labels"] == ["hat", "shoes"]

    page.get_by_role("link", name="My classifiers").first.click()
    expect(page.locator(".classifier-row .state")).to_have_text(re.compile(r"^Ready — \d+% accuracy$"))
    screenshot(page, "12-dashboard")
