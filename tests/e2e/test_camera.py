"""The camera in a real Chromium, with its fake capture device playing real photos (tests/fakes/camera.py):
photos taken by pressing and holding are added to a class and counted; try-it answers live from the camera,
never with more than one question on its way; and where the camera cannot be had — permission refused, no
camera, a plain http:// address on another machine — the page says so in words."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from classifiers.models import Photo
from classifiers.services.catalog import classifier_create
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHOTOS, screenshot
from tests.e2e.trained import hats_or_shoes, log_in, shop_owner
from tests.fakes.camera import y4m_of

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAKE_CAMERA = "--use-fake-device-for-media-stream"
ALLOW_CAMERA = "--use-fake-ui-for-media-stream"  # answers the browser's "use your camera?" with yes


@pytest.fixture
def browser_with(chromium):
    """Launch Chromium with extra flags (a camera, or none); each is closed at the end of the test."""
    launched = []

    def launch(*flags: str):
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                               args=CHROMIUM_ARGS + list(flags))
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


def page_of(browser, base_url: str, user, **context_options):
    """A page logged in as `user`, whose console errors are collected in page.errors."""
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, **context_options)
    context.set_default_timeout(20_000)
    log_in(context, base_url, user)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.fixture
def monkeypatched_jobs(monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # training runs here


def test_photos_taken_with_the_camera_by_holding_the_button_are_added_and_counted(
        browser_with, live_server, tmp_path):
    owner = shop_owner()
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    hat = classifier.labels.get(name="hat")
    video = y4m_of([PHOTOS / f"hat-{n:04d}.jpg" for n in range(21, 34)], tmp_path / "hats.y4m")
    browser = browser_with(FAKE_CAMERA, ALLOW_CAMERA, f"--use-file-for-fake-video-capture={video}")
    page = page_of(browser, live_server.url, owner)
    page.goto(f"/classifiers/{classifier.id}/")
    section = page.locator(f"#class-{hat.id}")

    section.get_by_role("button", name="Take photos with the camera").click()
    expect(section.locator("video")).to_be_visible()
    expect(section.get_by_role("button", name="Take photos with the camera")).to_be_hidden()
    shutter = section.get_by_role("button", name="Hold to take photos of “hat”")
    shutter.hover()
    page.mouse.down()
    time.sleep(2)  # held for two seconds: about ten photos
    page.mouse.up()
    counter = section.locator("[data-camera-count]")
    expect(counter).to_have_text(re.compile(r"^\d+ photos added"))
    expect(counter).not_to_contain_text("on the way", timeout=30_000)
    added = int(counter.inner_text().split()[0])
    screenshot(page, "camera-take-photos")
    assert added >= 3, counter.inner_text()
    assert Photo.objects.filter(label=hat).count() == added
    assert Photo.objects.filter(label__name="shoes").count() == 0

    time.sleep(0.5)  # nothing more is taken once the button is let go
    assert Photo.objects.filter(label=hat).count() == added
    with page.expect_navigation():
        section.get_by_role("button", name="Done").click()
    expect(page.locator(f"#class-{hat.id} .count")).to_have_text(f"{added} photos")
    expect(page.locator(f"#class-{hat.id} .report")).to_contain_text(f"Added {added} photo")
    assert not page.errors, page.errors


def test_try_it_answers_live_from_the_camera_with_one_question_at_a_time(
        browser_with, live_server, tmp_path, monkeypatched_jobs):
    owner = shop_owner()
    classifier = hats_or_shoes(owner)
    video = y4m_of([PHOTOS / "hat-0033.jpg"] * 2, tmp_path / "a-hat.y4m")  # a hat it never saw
    browser = browser_with(FAKE_CAMERA, ALLOW_CAMERA, f"--use-file-for-fake-video-capture={video}")
    page = page_of(browser, live_server.url, owner)
    in_flight, most_in_flight, asked = [0], [0], []

    def sent(request):
        if request.method == "POST" and request.url.endswith("/try/"):
            asked.append(time.monotonic())
            in_flight[0] += 1
            most_in_flight[0] = max(most_in_flight[0], in_flight[0])

    def ended(request):
        if request.method == "POST" and request.url.endswith("/try/"):
            in_flight[0] -= 1

    page.on("request", sent)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    page.goto(f"/classifiers/{classifier.id}/try/")
    page.get_by_role("button", name="Use the camera").click()
    expect(page.locator("[data-verdict]")).to_have_text("hat", timeout=30_000)
    expect(page.get_by_role("button", name="Use the camera")).to_be_hidden()
    expect(page.locator("[data-camera-live]")).to_have_text(re.compile(r"^Live: ([3-9]|\d\d+) answers so far"),
                                                           timeout=30_000)
    assert most_in_flight[0] == 1
    assert len(asked) >= 3
    screenshot(page, "camera-live-answers")

    page.get_by_role("button", name="Stop the camera").click()
    expect(page.get_by_role("button", name="Use the camera")).to_be_visible()
    time.sleep(1)
    stopped_at = len(asked)
    time.sleep(1)
    assert len(asked) == stopped_at, "questions went on after the camera was stopped"
    assert page.evaluate("document.querySelector('[data-camera-video]').srcObject") is None
    assert not page.errors, page.errors


def test_a_refused_camera_is_said_in_words_on_both_pages(browser_with, live_server, monkeypatched_jobs):
    owner = shop_owner()
    classifier = hats_or_shoes(owner)
    # A camera, but no "yes" to the browser's question, and the site not allowed it: the browser refuses.
    browser = browser_with(FAKE_CAMERA)
    page = page_of(browser, live_server.url, owner, permissions=[])
    page.goto(f"/classifiers/{classifier.id}/try/")
    page.get_by_role("button", name="Use the camera").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"^The camera is blocked for this site\. Allow the camera"))
    expect(page.locator("[data-camera-view]")).to_be_hidden()

    page.goto(f"/classifiers/{classifier.id}/")
    hat = classifier.labels.get(name="hat")
    section = page.locator(f"#class-{hat.id}")
    section.get_by_role("button", name="Take photos with the camera").click()
    expect(section.get_by_role("alert")).to_have_text(re.compile(r"^The camera is blocked for this site"))
    # The rest of the page still works: photos can be dropped as before.
    expect(section.locator("form[data-upload].js")).to_be_attached()
    assert not page.errors, page.errors


def test_a_device_without_a_camera_says_so(browser_with, live_server):
    owner = shop_owner()
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    browser = browser_with(ALLOW_CAMERA)  # no fake camera: headless Chromium then has none at all
    page = page_of(browser, live_server.url, owner)
    page.goto(f"/classifiers/{classifier.id}/")
    section = page.locator(f"#class-{classifier.labels.get(name='hat').id}")
    section.get_by_role("button", name="Take photos with the camera").click()
    expect(section.get_by_role("alert")).to_have_text(re.compile(r"^No camera was found on this device\."))


def test_over_plain_http_on_another_host_the_page_says_the_camera_needs_a_secure_address(
        browser_with, live_server, settings):
    owner = shop_owner()
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "shop.test"]
    port = live_server.url.rsplit(":", 1)[1]
    # shop.test is this machine, reached over plain http by name: not localhost, so not a secure context.
    browser = browser_with(FAKE_CAMERA, ALLOW_CAMERA, "--host-resolver-rules=MAP shop.test 127.0.0.1")
    page = page_of(browser, f"http://shop.test:{port}", owner)
    page.goto(f"/classifiers/{classifier.id}/")
    assert page.evaluate("window.isSecureContext") is False
    section = page.locator(f"#class-{classifier.labels.get(name='hat').id}")
    section.get_by_role("button", name="Take photos with the camera").click()
    expect(section.get_by_role("alert")).to_contain_text(
        f"The camera can only be used when NanoWeb is opened at a secure address (one that starts with https://) "
        f"or on this computer itself. This page was opened at http://shop.test:{port}")
