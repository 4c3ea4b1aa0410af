"""In a real browser, a classifier and a class named with HTML and script run nothing: the dashboard, the
classifier page (and a photo's details), the results, the review screen and a real "try it" answer show
the name as text, and the script it carries never sets its flag."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from classifiers.models import Classifier
from classifiers.services.catalog import classifier_create
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS, logged_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EVIL = "<img src=x onerror=window.__pwned=1><script>window.__pwned=1</script>"


def uploads(names: list[str]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, (PHOTOS / name).read_bytes()) for name in names]


@pytest.fixture
def mallory():
    return get_user_model().objects.create_user("mallory", "mallory@example.org", "a long enough password 7")


@pytest.fixture
def evil_classifier(mallory, monkeypatch) -> Classifier:
    """Trained for real on photos of hats (the class named EVIL) and shoes, one hat photo flagged."""
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # run here, not queued
    classifier = classifier_create(owner=mallory, name=EVIL, label_names=[EVIL, "shoes"])
    hats = photos_add_uploads(label=classifier.labels.get(name=EVIL),
                                files=uploads([f"hat-{n:04d}.jpg" for n in range(21, 30)])).added
    photos_add_uploads(label=classifier.labels.get(name="shoes"),
                         files=uploads([f"shoes-{n:04d}.jpg" for n in range(20, 29)]))
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    hats[0].flags = {"outlier": f"far from the other photos of “{EVIL}”"}
    hats[0].save(update_fields=["flags"])
    return classifier


def nothing_ran(page) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0


def test_a_name_made_of_html_and_script_runs_nothing_on_any_page(page, live_server, evil_classifier):
    logged_in(page, live_server, evil_classifier.owner)
    base = f"/classifiers/{evil_classifier.id}/"

    page.goto("/dashboard/")
    nothing_ran(page)
    expect(page.get_by_role("link", name=EVIL)).to_be_visible()

    page.goto(base)
    nothing_ran(page)
    expect(page.get_by_role("heading", name=EVIL, level=2)).to_be_visible()
    page.locator("[data-photo]").first.click()
    expect(page.locator("#photo-dialog")).to_contain_text(EVIL)
    nothing_ran(page)

    page.goto(base + "results/")
    nothing_ran(page)
    expect(page.locator("table.confusion")).to_contain_text(EVIL)

    page.goto(base + "review/")
    nothing_ran(page)
    expect(page.locator(".review-item").first).to_contain_text(EVIL)

    page.goto(base + "try/")
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.locator("#try-image").set_input_files(str(PHOTOS / "hat-0033.jpg"))
    expect(page.locator("[data-verdict]")).to_have_text(EVIL)
    expect(page.locator("[data-bars] .bar-label").first).to_have_text(EVIL)
    nothing_ran(page)


def test_markup_that_reached_a_page_anyway_could_not_run_script(chromium, live_server, mallory):
    # The second line, should escaping ever fail: the page's policy blocks inline handlers and scripts.
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    logged_in(page, live_server, mallory)
    page.goto("/dashboard/")
    page.evaluate("""() => {
        document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.__pwned = 1">');
        const script = document.createElement("script");
        script.textContent = "window.__pwned = 2";
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(500)  # the broken <img> fails to load and would fire its onerror by now
    assert page.evaluate("window.__pwned") is None
    refusals = [text for text in console if "Content Security Policy" in text]
    assert len(refusals) == 2, console  # the inline handler and the inline script, each refused
    context.close()
