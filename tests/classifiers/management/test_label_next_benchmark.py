"""A small run of the "label these next" benchmark on the test photos (hats, trousers, shoes), through the command
people run on the shared sets: it reports the accuracy before adding photos, after the queue's first ones and
after as many random ones, and refuses in words what it cannot measure."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.classifiers.conftest import ENGINE_DATA


def test_the_benchmark_reports_the_queue_and_random_accuracies_over_the_seeds():
    out = io.StringIO()
    call_command("label_next_benchmark", str(ENGINE_DATA / "clothing"), start=3, pool=8, add=6, max_test=5,
                 seeds=2, json=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert (result["dataset"], result["classes"], result["added"], result["seeds"]) == ("clothing", 3, 6, 2)
    assert result["test_photos"] == 15 and len(result["per_seed"]) == 2
    for name in ("accuracy_before", "accuracy_queue", "accuracy_random"):
        assert 0.3 <= result[name] <= 1.0
    assert 0 <= result["queue_beats_random_seeds"] <= 2
    assert "after the queue's first 6" in lines[-2] and "after 6 random ones" in lines[-2]
    assert (result["backbone"], result["precision"]) == ("efficientnet-lite0", "float")  # the tests' default engine


def test_it_measures_with_the_engine_new_classifiers_get(settings):
    settings.DEFAULT_PRECISION = "int8"
    out = io.StringIO()
    call_command("label_next_benchmark", str(ENGINE_DATA / "clothing"), start=3, pool=8, add=6, max_test=5,
                 seeds=1, json=True, stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["precision"] == "int8"


def test_a_pool_that_leaves_nothing_held_out_is_refused_in_words():
    with pytest.raises(CommandError, match="every class needs more than --start \\+ --pool = 16 photos"):
        call_command("label_next_benchmark", str(ENGINE_DATA / "clothing"), start=3, pool=13, stdout=io.StringIO())


def test_a_start_too_small_for_two_versions_is_refused_in_words():
    with pytest.raises(CommandError, match="--start must be more than 2"):
        call_command("label_next_benchmark", str(ENGINE_DATA / "clothing"), start=2, stdout=io.StringIO())
