"""Updating a classifier when NanoWeb gets a better way to read photos, in a real Chromium with a real Celery
worker: the results page offers "Retrain with the new engine" in plain words, the worker retrains, both
accuracies show side by side (measured on the same photos), and "Use the new version" makes it the one that
answers. Version 1 is on Lite0 float, today's default; the test makes int8 the default to create the "older
engine" situation."""

from __future__ import annotations

import re
import shutil

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from classifiers.models import Classifier, TrainingRun
from classifiers.services.training import training_run_execute
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_first_minutes import assert_plain, hats_and_shoes

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.services, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]

TRAINING_TIMEOUT_MS = 150_000


def worker_engine_cache(data_dir) -> None:
    """The worker's data folder is this test's own, with an empty engine cache: give it the backbone files this
    process already exported and quantized (the same files it would build, named by their weights), so the
    test spends its time retraining rather than exporting."""
    target = data_dir / "cache"
    target.mkdir(parents=True, exist_ok=True)
    for onnx in django_settings.FEATURE_CACHE_DIR.glob("efficientnet-lite0-*.onnx"):
        shutil.copy2(onnx, target / onnx.name)


def test_the_results_page_offers_the_new_engine_compares_and_switches_when_chosen(
        page, ada, worker_with, settings, isolated_data_dir):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = "efficientnet-lite0", "float"
    settings.ENGINE_UPDATE_AUTO_ACTIVATE = False
    classifier = hats_and_shoes(ada, hats=8, shoes=8)
    first = training_run_execute(run_id=TrainingRun.objects.create(classifier=classifier).id)
    assert first.status == "succeeded", first.error
    old = first.version
    assert old.precision == "float"

    settings.DEFAULT_PRECISION = "int8"  # NanoWeb's default moves on
    worker_engine_cache(isolated_data_dir)
    worker_with(NANOWEB_PRECISION="int8")
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/results/")
    offer = page.locator("#engine-update")
    expect(offer.get_by_role("heading", name="A better way to read photos")).to_be_visible()
    expect(offer).to_contain_text("NanoWeb has a better way to read photos since this version was made. Retrain to "
                                  "try it — your current version keeps answering until you choose.")
    # The engines' names are there for who looks, behind the fold.
    fold = offer.locator("details")
    expect(fold.locator("p")).to_be_hidden()
    fold.locator("summary").click()
    expect(fold).to_contain_text("efficientnet-lite0 (float)")
    expect(fold).to_contain_text("efficientnet-lite0 (int8)")
    fold.locator("summary").click()
    assert_plain(page, "results page with the offer")
    screenshot(page, "engine-update-offer")

    offer.get_by_role("button", name="Retrain with the new engine").click()
    expect(page.locator("#engine-update")).to_contain_text("Your current version keeps answering meanwhile.")
    # The training card follows the run and reloads the page when it is done.
    ready = page.locator("#engine-update[data-engine-update=ready]")
    expect(ready).to_be_visible(timeout=TRAINING_TIMEOUT_MS)

    run = TrainingRun.objects.exclude(id=first.id).get(classifier=classifier)
    new = run.version
    comparison = new.metrics["engine_update"]
    assert (new.number, new.precision, comparison["photos"]) == (2, "int8", 16)
    # Nothing changed since version 1: measured again on the new version's folds, it scores what it scored.
    assert comparison["previous_accuracy"] == old.metrics["accuracy"]
    expect(ready.get_by_role("heading", name="A new version is ready to compare")).to_be_visible()
    before, after = round(comparison["previous_accuracy"] * 100), round(comparison["accuracy"] * 100)
    expect(ready.get_by_role("row", name=f"Version 1 — answers now {before}%", exact=True)).to_be_visible()
    expect(ready.get_by_role("row", name=f"Version 2 — new {after}%", exact=True)).to_be_visible()
    # Until chosen, version 1 is the one that answers.
    expect(page.get_by_role("heading", name=re.compile(r"^Results of version 1\s+active"))).to_be_visible()
    classifier.refresh_from_db()
    assert classifier.active_version_id == old.id
    assert_plain(page, "results page with both versions")
    screenshot(page, "engine-update-ready")

    ready.get_by_role("button", name="Use the new version").click()
    expect(page.get_by_text("Version 2 now answers “Try it” and the API.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Results of version 2\s+active"))).to_be_visible()
    expect(page.locator("#engine-update")).to_have_count(0)
    classifier = Classifier.objects.get(id=classifier.id)
    assert (classifier.active_version_id, classifier.precision) == (new.id, "int8")
