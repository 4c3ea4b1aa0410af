"""The dress demo in a real browser, the way a newcomer is meant to do it: name the two classes, tick "find
photos on the web for me", watch both searches fill their class, train, and ask about a dress it never saw.

The outside web is not reachable here, so the search goes to a local stand-in of Wikimedia Commons that
answers each query with real dress photos recoloured in that query's two tones (tests/data/e2e/NOTICE)."""

from __future__ import annotations

import io
import re
import threading

import pillow_heif
import pytest
from django.contrib.auth import get_user_model
from PIL import Image, ImageOps
from playwright.sync_api import expect

from classifiers.models import Classifier
from tests.e2e.conftest import PHOTOS, screenshot
from tests.fakes.search import FakeCommons, Listing
from tests.fakes.web import FakeWeb, Reply, Request

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.services, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 7"
# (dark, light) tones, and the photos of each: seven to find on the web, one kept back to try.
TONES = {
    "blue and black dress": (((8, 8, 16), (40, 70, 205)), range(20, 27), 27),
    "white and gold dress": (((185, 145, 45), (250, 248, 240)), range(28, 35), 35),
}
PER_CLASS = 7


def recoloured(number: int, tones) -> bytes:
    dark, light = tones
    with Image.open(PHOTOS / f"dress-{number:04d}.jpg") as photo:
        toned = ImageOps.colorize(ImageOps.grayscale(photo), black=dark, white=light)
    buffer = io.BytesIO()
    toned.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


class CommonsByQuery(FakeCommons):
    """Answers a search with only the listings whose title starts with the search words."""

    lock = threading.Lock()  # the server answers in threads; the listing swap must not interleave

    def _api(self, request: Request) -> Reply:
        query = request.query.get("gsrsearch", "")
        with self.lock:
            everything = self.listings
            self.listings = [listing for listing in everything if listing.title.startswith(query)]
            try:
                return super()._api(request)
            finally:
                self.listings = everything


def test_the_dress_demo_from_a_web_search_to_the_right_answer(page, worker_with, settings, tmp_path):
    settings.SEARCH_PROVIDERS = ["commons"]  # the one stand-in this test runs
    with FakeWeb() as web:
        listings = [Listing(f"{name.replace(' ', '-')}-{n}.jpg", recoloured(n, tones), title=f"{name} {n}",
                            author="A. Photographer")
                    for name, (tones, found, _) in TONES.items() for n in found]
        commons = CommonsByQuery(web, listings)
        worker_with(NANOWEB_COMMONS_API_URL=commons.api_url, NANOWEB_ALLOW_PRIVATE_URLS="1",
                    NANOWEB_SEARCH_PROVIDERS="commons")

        get_user_model().objects.create_user("dress", "dress@example.org", PASSWORD)
        page.goto("/login/")
        page.get_by_label("Username").fill("dress")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="New classifier").first.click()
        page.get_by_label("Name").fill("The dress")
        page.get_by_label("Classes, one per line").fill("\n".join(TONES))
        expect(page.get_by_label("Find photos on the web for me")).to_be_checked()
        page.get_by_label("How many photos per class").fill(str(PER_CLASS))
        page.get_by_role("button", name="Create classifier").click()

        expect(page.locator(".message.success")).to_contain_text(f"Looking for {PER_CLASS} photos of each class")
        screenshot(page, "30-dress-searching")
        classifier = Classifier.objects.get(name="The dress")
        for label in classifier.labels.all():
            # Both searches run in the worker; the page shows them end and then the photos, without a click.
            expect(page.locator(f"#class-{label.id} .count")).to_have_text(f"{PER_CLASS} photos", timeout=90_000)
        expect(page.locator(".state")).to_have_text("Ready to train")
        screenshot(page, "31-dress-photos")

        page.get_by_role("button", name="Train", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("Results of version 1"))).to_be_visible(timeout=150_000)
        expect(page.locator("table.confusion tbody tr")).to_have_count(2)
        screenshot(page, "32-dress-results")

        page.get_by_role("link", name="3. Try it").click()
        expect(page.locator("form.try-drop.js")).to_be_attached()
        for name, (tones, _, kept_back) in TONES.items():
            path = tmp_path / f"never-seen-{kept_back}.jpg"
            path.write_bytes(recoloured(kept_back, tones))
            page.locator("#try-image").set_input_files(path)
            expect(page.locator("[data-verdict]")).to_have_text(name, timeout=30_000)
        # A photo straight off an iPhone (HEIC): Chromium cannot draw it, NanoWeb still answers it, and the page
        # shows no broken picture. The last answer above was the other class, so the verdict has to change.
        name = "blue and black dress"
        tones, _, kept_back = TONES[name]
        heic = tmp_path / "IMG_0001.HEIC"
        pillow_heif.from_pillow(Image.open(io.BytesIO(recoloured(kept_back, tones)))).save(heic, quality=90)
        page.locator("#try-image").set_input_files(heic)
        expect(page.locator("[data-verdict]")).to_have_text(name, timeout=30_000)
        expect(page.locator("[data-preview]")).to_be_hidden()
        screenshot(page, "33-dress-try-it")
    assert {call.query.get("gsrsearch") for call in commons.api_calls()} == set(TONES)
