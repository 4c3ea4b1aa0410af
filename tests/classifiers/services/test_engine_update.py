"""Updating a classifier when NanoWeb's default engine changes, through the services, on real photos, the
real backbones (float and its int8 twin) and the real database.

Today's default is Lite0 float and every version is on it, so each test makes int8 the default to put the
classifier's version on an "older engine".
"""

from __future__ import annotations

import pytest

from classifiers.models import TrainingRun
from classifiers.selectors.engine_update import OFFERED, READY, TRAINING, Engine, engine_update_for
from classifiers.services.engine_comparison import engine_update_activates
from classifiers.services.engine_update import engine_update_adopt, engine_update_start
from classifiers.services.prediction import predict_images
from classifiers.services.training import training_run_execute
from nanoweb.errors import Conflict
from tests.classifiers.conftest import add_photo, photos

CLASSES = ("shoes", "hat", "pants")
LITE0 = "efficientnet-lite0"


def train_once(classifier):
    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=classifier).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    classifier.refresh_from_db()
    return run.version


def retrain_with_new_engine(classifier):
    run = training_run_execute(run_id=engine_update_start(classifier=classifier).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    classifier.refresh_from_db()
    return run.version


def held_out() -> list[bytes]:
    return [photos("clothing", name)[14].read_bytes() for name in CLASSES]


@pytest.fixture
def int8_is_the_new_default(settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = LITE0, "int8"
    settings.ENGINE_UPDATE_AUTO_ACTIVATE = False
    return settings


def test_nothing_is_offered_while_the_version_is_on_todays_engine(clothes, settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = LITE0, "float"
    with pytest.raises(Conflict, match="Train this classifier first"):
        engine_update_start(classifier=clothes)
    train_once(clothes)
    assert engine_update_for(clothes) is None
    with pytest.raises(Conflict, match="already reads photos the way NanoWeb does today"):
        engine_update_start(classifier=clothes)
    with pytest.raises(Conflict, match="no new version to choose"):
        engine_update_adopt(classifier=clothes)


def test_the_new_version_is_measured_on_the_same_folds_and_answers_only_once_chosen(clothes, settings):
    settings.DEFAULT_PRECISION = "float"
    old = train_once(clothes)
    settings.DEFAULT_PRECISION = "int8"

    offer = engine_update_for(clothes)
    assert (offer.status, offer.current, offer.new) == (OFFERED, Engine(LITE0, "float"), Engine(LITE0, "int8"))
    with pytest.raises(Conflict, match="no new version to choose"):
        engine_update_adopt(classifier=clothes)

    run = engine_update_start(classifier=clothes)
    assert (run.backbone, run.precision, run.compared_with_id) == (LITE0, "int8", old.id)
    assert engine_update_for(clothes).status == TRAINING
    with pytest.raises(Conflict, match="already training"):
        engine_update_start(classifier=clothes)
    with pytest.raises(Conflict, match="still training"):
        engine_update_adopt(classifier=clothes)
    run = training_run_execute(run_id=run.id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    new = run.version
    clothes.refresh_from_db()

    # The old version still answers, and the classifier's own engine has not changed.
    assert clothes.active_version_id == old.id
    assert (clothes.backbone, clothes.precision) == (LITE0, "float")
    assert {a["version"] for a in predict_images(classifier=clothes, images=held_out())} == {old.number}

    assert (new.number, new.backbone, new.precision) == (2, LITE0, "int8")
    ready = engine_update_for(clothes)
    assert (ready.status, ready.candidate.id) == (READY, new.id)
    comparison = ready.comparison
    assert comparison["accuracy"] == new.metrics["accuracy"]
    # Nothing changed since version 1 was trained: where the new run left out the photos version 1's run left
    # out, the old engine measured again on the new run's folds gives exactly version 1's own figure, which it
    # got on those same folds. (How much cleaning leaves out is measured on each engine's features, so the two
    # runs may leave out different photos; then the old engine is measured without the new run's.)
    if new.metrics["left_out"] == old.metrics["left_out"]:
        assert comparison["previous_accuracy"] == old.metrics["accuracy"]
    else:
        assert 0.5 <= comparison["previous_accuracy"] <= 1.0
    # 36 photos, less those the run left out as near-certainly wrong (left out of both measurements).
    assert (comparison["photos"], comparison["folds"]) == (36 - len(new.metrics["left_out"]), new.metrics["folds"])
    assert (comparison["previous_version"], comparison["previous_precision"]) == (1, "float")

    chosen = engine_update_adopt(classifier=clothes)
    clothes.refresh_from_db()
    assert chosen.id == new.id == clothes.active_version_id
    assert (clothes.backbone, clothes.precision) == (LITE0, "int8")
    assert engine_update_for(clothes) is None
    answers = predict_images(classifier=clothes, images=held_out())
    assert [a["label"] for a in answers] == list(CLASSES) and {a["version"] for a in answers} == {new.number}
    # Later trainings read photos with the engine chosen.
    assert train_once(clothes).precision == "int8"


def test_pressing_train_again_meanwhile_keeps_the_old_engine_and_the_offer_comes_back(clothes,
                                                                                      int8_is_the_new_default):
    old = train_once(clothes)
    retrain_with_new_engine(clothes)
    # New photos, then an ordinary training: it uses the classifier's engine and makes a float version active.
    for name in CLASSES:
        add_photo(clothes.labels.get(name=name), photos("clothing", name)[12])
    ordinary = train_once(clothes)
    assert (ordinary.precision, clothes.active_version_id) == ("float", ordinary.id)
    # The ready new version was measured against version 1, which no longer answers: the offer is made again.
    offer = engine_update_for(clothes)
    assert (offer.status, offer.version.id) == (OFFERED, ordinary.id)
    again = retrain_with_new_engine(clothes)
    comparison = again.metrics["engine_update"]
    # Measured again on today's 39 photos, not read from version 1 (36 photos): the old engine's figure is
    # exactly what the ordinary training on these same photos reported.
    assert old.metrics["examples"] + len(old.metrics["left_out"]) == 36
    assert (comparison["photos"], comparison["previous_version"]) == (39 - len(again.metrics["left_out"]),
                                                                      ordinary.number)
    assert comparison["previous_accuracy"] == ordinary.metrics["accuracy"]


def test_by_the_setting_a_new_version_at_least_as_accurate_takes_over_by_itself(clothes, int8_is_the_new_default):
    old = train_once(clothes)
    int8_is_the_new_default.ENGINE_UPDATE_AUTO_ACTIVATE = True
    new = retrain_with_new_engine(clothes)
    comparison = new.metrics["engine_update"]
    took_over = comparison["accuracy"] >= comparison["previous_accuracy"]
    assert clothes.active_version_id == (new.id if took_over else old.id)
    assert clothes.precision == ("int8" if took_over else "float")


def test_the_rule_for_taking_over_by_itself(settings):
    settings.ENGINE_UPDATE_AUTO_ACTIVATE = True
    assert engine_update_activates(comparison={"accuracy": 0.9, "previous_accuracy": 0.9})
    assert engine_update_activates(comparison={"accuracy": 0.95, "previous_accuracy": 0.9})
    assert not engine_update_activates(comparison={"accuracy": 0.89, "previous_accuracy": 0.9})
    assert not engine_update_activates(comparison={"accuracy": 0.9, "previous_accuracy": None})
    settings.ENGINE_UPDATE_AUTO_ACTIVATE = False
    assert not engine_update_activates(comparison={"accuracy": 1.0, "previous_accuracy": 0.5})
