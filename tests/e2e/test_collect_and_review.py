"""Collecting and cleaning photos in a real browser: a web search (against a local stand-in of Wikimedia
Commons, through a real worker) fills a class while its progress updates in place, each photo says where
it came from, and flagged photos are reviewed — kept, dropped or moved."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from classifiers.models import Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS, screenshot
from tests.fakes.search import FakeCommons, Listing
from tests.fakes.web import FakeWeb

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough password 7"


def log_in(page, username: str) -> None:
    get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My classifiers")).to_be_visible()


def uploads(names: list[str]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile(name, (PHOTOS / name).read_bytes()) for name in names]


@pytest.mark.worker
@pytest.mark.services
def test_a_web_search_fills_a_class_with_live_progress_and_credits_each_photo(page, worker_with):
    with FakeWeb() as web:
        listings = [Listing(f"shoes-{n:04d}.jpg", (PHOTOS / f"shoes-{n:04d}.jpg").read_bytes(),
                            title=f"Shoe photo {n}", author=f"Photographer {n}") for n in range(20, 28)]
        commons = FakeCommons(web, listings)
        worker_with(NANOWEB_COMMONS_API_URL=commons.api_url, NANOWEB_ALLOW_PRIVATE_URLS="1")
        log_in(page, "searcher")
        user = get_user_model().objects.get(username="searcher")
        classifier = classifier_create(owner=user, name="Footwear", label_names=["shoes", "hat"])
        shoes = classifier.labels.get(name="shoes")
        page.goto(f"/classifiers/{classifier.id}/")
        section = page.locator(f"#class-{shoes.id}")
        section.get_by_label("Search words").fill("shoes")
        section.get_by_label("How many").fill("6")
        section.get_by_label("Where").select_option(label="Wikimedia Commons (openly licensed)")
        section.get_by_role("button", name="Search").click()
        expect(page.locator(".message.success")).to_contain_text("Searching the web for “shoes”")
        # The bar and its words update in place; when the search ends the idle page shows the new photos.
        expect(section.locator(".count")).to_have_text("6 photos", timeout=60_000)
        expect(section.locator(".job-text")).to_contain_text(re.compile(r"Done: “shoes” — asked 6 → found \d+ → "
                                                                        r"saved 6.* → 6 kept"))
        screenshot(page, "20-search-done")
        section.locator("[data-photo]").first.click()
        dialog = page.locator("#photo-dialog")
        expect(dialog).to_contain_text("Wikimedia Commons")
        expect(dialog).to_contain_text(re.compile(r"Photographer \d+"))
        expect(dialog).to_contain_text("CC BY-SA 4.0")
        screenshot(page, "21-search-photo-credits")


def test_flagged_photos_are_kept_dropped_or_moved_on_the_review_screen(page):
    log_in(page, "reviewer")
    user = get_user_model().objects.get(username="reviewer")
    classifier = classifier_create(owner=user, name="Hats and shoes", label_names=["hat", "shoes"])
    hat, shoes = classifier.labels.get(name="hat"), classifier.labels.get(name="shoes")
    photos_add_uploads(label=hat, files=uploads([f"hat-{n:04d}.jpg" for n in range(21, 27)]))
    # A shoe among the hats, and a hat that is also in "shoes": the flags the engine would raise.
    stray = photos_add_uploads(label=hat, files=uploads(["shoes-0030.jpg"])).added[0]
    stray.flags = {"outlier": "far from the other photos of “hat”; closer to “shoes”"}
    stray.save()
    photos_add_uploads(label=shoes, files=uploads(["hat-0021.jpg", "shoes-0020.jpg", "shoes-0021.jpg"]))
    doubtful = hat.photos.filter(original_name="hat-0022.jpg").get()
    doubtful.flags = {"misclassified": "taken for “shoes” (61%) when tested"}
    doubtful.save()

    page.goto(f"/classifiers/{classifier.id}/")
    expect(page.locator("#flagged h2")).to_have_text(re.compile(r"Flagged for review \(4\)"))
    page.get_by_role("link", name="Review them one by one").click()
    expect(page.locator(".review-item")).to_have_count(4)
    screenshot(page, "22-review")

    stray_item = page.locator(".review-item", has=page.locator(f'input[value="{stray.id}"]'))
    stray_item.get_by_label("Move to class").select_option(label="shoes")
    stray_item.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".message.success")).to_have_text("Moved 1 photo to “shoes”.")
    page.get_by_role("button", name="Keep", exact=True).first.click()
    expect(page.locator(".message.success")).to_contain_text("Kept 1 photo")
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Drop selected").click()
    expect(page.locator(".message.success")).to_have_text(re.compile(r"Dropped \d photos?\."))
    expect(page.get_by_text("Nothing is flagged")).to_be_visible()
    screenshot(page, "23-review-done")

    stray.refresh_from_db()
    assert stray.label_id == shoes.id and stray.flags == {}
    assert Photo.objects.filter(label__classifier=classifier).exclude(flags={}).count() == 0
    assert Photo.objects.filter(label__classifier=classifier).count() == 8
