"""The results page's engine update: the offer in plain words (engine names only behind a details fold),
"Retrain with the new engine" queuing a retraining, both accuracies side by side once it is done, and "Use the
new version". Versions are rows here; the browser test trains for real (tests/e2e/test_engine_update.py)."""

from __future__ import annotations

import copy

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from classifiers.models import ModelVersion, TrainingRun

TECHNICAL = ("efficientnet", "int8", "float", "backbone", "cross-validation", "folds")


@pytest.fixture
def int8_is_the_new_default(settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = "efficientnet-lite0", "int8"


def version_of(classifier, number: int, precision: str, metrics: dict) -> ModelVersion:
    return ModelVersion.objects.create(classifier=classifier, number=number, artifact=f"v{number}",
                                       backbone="efficientnet-lite0", precision=precision, metrics=metrics)


@pytest.fixture
def on_float(hats_and_shoes) -> ModelVersion:
    """Version 1, on Lite0 float, answering."""
    version = version_of(hats_and_shoes, 1, "float", {"accuracy": 0.8, "examples": 6, "folds": 3})
    hats_and_shoes.active_version = version
    hats_and_shoes.save()
    return version


def retrained(classifier, old: ModelVersion, accuracy: float) -> ModelVersion:
    """What a finished retraining with the new engine leaves: its run and its version, not active."""
    new = version_of(classifier, 2, "int8", {"accuracy": accuracy, "engine_update": {
        "previous_version": old.number, "previous_backbone": "efficientnet-lite0", "previous_precision": "float",
        "previous_accuracy": 0.8, "accuracy": accuracy, "photos": 6, "folds": 3}})
    TrainingRun.objects.create(classifier=classifier, status="succeeded", version=new, compared_with=old,
                               backbone="efficientnet-lite0", precision="int8")
    return new


def update_box(client, classifier):
    response = client.get(reverse("classifier_results", args=[classifier.id]))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").find(id="engine-update")


def visible_text(box) -> str:
    """What a person reads without opening the details fold."""
    box = copy.copy(box)
    for fold in box.find_all("details"):
        fold.extract()
    return " ".join(box.get_text(" ").split())


def test_no_offer_while_the_version_is_on_todays_engine(ada, hats_and_shoes, on_float, settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = "efficientnet-lite0", "float"
    assert update_box(ada[1], hats_and_shoes) is None


def test_the_offer_is_in_plain_words_and_retraining_leaves_the_version_answering(
        ada, hats_and_shoes, on_float, int8_is_the_new_default, django_capture_on_commit_callbacks):
    box = update_box(ada[1], hats_and_shoes)
    assert box["data-engine-update"] == "offered"
    assert ("NanoWeb has a better way to read photos since this version was made. Retrain to try it — your current "
            "version keeps answering until you choose.") in visible_text(box)
    fold = box.find("details").get_text(" ")
    assert "efficientnet-lite0 (float)" in fold and "efficientnet-lite0 (int8)" in fold
    assert not any(word in visible_text(box).lower() for word in TECHNICAL)

    with django_capture_on_commit_callbacks(execute=False):
        response = ada[1].post(reverse("engine_update_start", args=[hats_and_shoes.id]))
    assert response.status_code == 302 and response["Location"].endswith("#training")
    run = TrainingRun.objects.get(classifier=hats_and_shoes)
    assert (run.status, run.precision, run.compared_with_id) == ("queued", "int8", on_float.id)
    box = update_box(ada[1], hats_and_shoes)
    assert box["data-engine-update"] == "training"
    assert "Your current version keeps answering meanwhile." in visible_text(box)
    hats_and_shoes.refresh_from_db()
    assert hats_and_shoes.active_version_id == on_float.id


def test_both_accuracies_side_by_side_and_use_the_new_version(ada, hats_and_shoes, on_float,
                                                             int8_is_the_new_default):
    new = retrained(hats_and_shoes, on_float, 0.95)
    box = update_box(ada[1], hats_and_shoes)
    assert box["data-engine-update"] == "ready"
    current, newer = box.find("tr", attrs={"data-current": True}), box.find("tr", attrs={"data-new": True})
    assert " ".join(current.get_text(" ").split()) == "Version 1 — answers now 80%"
    assert " ".join(newer.get_text(" ").split()) == "Version 2 — new 95%"
    assert "fewer of these photos right" not in visible_text(box)
    assert not any(word in visible_text(box).lower() for word in TECHNICAL)

    response = ada[1].post(reverse("engine_update_adopt", args=[hats_and_shoes.id]), follow=True)
    assert "Version 2 now answers “Try it” and the API." in response.content.decode()
    hats_and_shoes.refresh_from_db()
    assert (hats_and_shoes.active_version_id, hats_and_shoes.precision) == (new.id, "int8")
    assert BeautifulSoup(response.content, "html.parser").find(id="engine-update") is None


def test_a_less_accurate_new_version_says_so_and_the_current_one_stays(ada, hats_and_shoes, on_float,
                                                                     int8_is_the_new_default):
    retrained(hats_and_shoes, on_float, 0.7)
    box = update_box(ada[1], hats_and_shoes)
    assert "The new version got fewer of these photos right. You may keep the one you have" in visible_text(box)
    hats_and_shoes.refresh_from_db()
    assert hats_and_shoes.active_version_id == on_float.id


def test_choosing_before_a_new_version_exists_is_refused_in_words(ada, hats_and_shoes, on_float,
                                                                  int8_is_the_new_default):
    response = ada[1].post(reverse("engine_update_adopt", args=[hats_and_shoes.id]), follow=True)
    assert "There is no new version to choose: retrain with the new engine first." in response.content.decode()
    hats_and_shoes.refresh_from_db()
    assert hats_and_shoes.active_version_id == on_float.id
