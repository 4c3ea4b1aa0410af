"""A small run of the outlier benchmark on the test photos: hats, trousers and shoes with glass, cardboard
and metal rubbish slipped in as a fifth of each class, through the command people run on bigger sets."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from classifiers.management.commands.flag_benchmark import _dropped_words
from tests.classifiers.conftest import ENGINE_DATA


def test_the_benchmark_reports_intruders_caught_and_three_accuracies():
    out = io.StringIO()
    call_command("flag_benchmark", str(ENGINE_DATA / "clothing"), intruders=str(ENGINE_DATA / "trashnet"),
                 genuine=12, seeds=1, json=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert (result["right_per_class"], result["wrong_per_class"]) == (12, 3)
    assert result["flagged_dropped_seeds"] == 1
    assert result["nanoweb_wrong_flagged"] >= 0.7  # rubbish among clothes: most of it flagged
    assert result["nanoweb_right_flagged"] <= 0.2
    assert 0 <= result["cleanlab_wrong_flagged"] <= 1 and 0 <= result["cleanlab_right_flagged"] <= 1
    for name in ("accuracy_as_found", "accuracy_cleaned", "accuracy_flagged_dropped", "accuracy_right_only"):
        assert 0.5 <= result[name] <= 1.0
    assert "cleanlab find_label_issues" in out.getvalue()


def test_it_measures_with_the_engine_new_classifiers_get(settings):
    # The flags a person sees come from the default engine's features; a benchmark on another would measure
    # something nobody gets.
    settings.DEFAULT_PRECISION = "int8"
    out = io.StringIO()
    call_command("flag_benchmark", str(ENGINE_DATA / "clothing"), intruders=str(ENGINE_DATA / "trashnet"),
                 genuine=12, seeds=1, json=True, stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["engine"] == "efficientnet-lite0/int8"
    assert "1 seeds, on efficientnet-lite0/int8" in out.getvalue()


def test_without_genuine_it_sizes_the_run_to_the_photos_there_are_and_reads_a_flat_intruder_folder():
    out = io.StringIO()
    call_command("flag_benchmark", str(ENGINE_DATA / "trashnet"), intruders=str(ENGINE_DATA / "imagenet"),
                 seeds=1, json=True, stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    # 8 photos a class keep a third for testing; 5 sample photos give one intruder to each of 3 classes.
    assert (result["right_per_class"], result["wrong_per_class"], result["unreadable_photos"]) == (5, 1, 0)


def test_too_few_photos_is_refused_in_words():
    with pytest.raises(CommandError, match="needs more than 12 photos for --genuine=12"):
        call_command("flag_benchmark", str(ENGINE_DATA / "trashnet"), intruders=str(ENGINE_DATA / "imagenet"),
                     genuine=12, stdout=io.StringIO())


def test_seeds_where_the_flags_cover_a_whole_class_are_said_not_hidden():
    # With a few photos a class every photo of one class can be flagged: no model can be trained without them,
    # so that accuracy is the mean over the other seeds, and the line says so.
    every = {"seeds": 5, "flagged_dropped_seeds": 5, "accuracy_flagged_dropped": 0.7}
    assert _dropped_words(every) == "70.0%"
    some = {**every, "flagged_dropped_seeds": 4}
    assert _dropped_words(some) == "70.0% (on 4 of 5 seeds: on the others the flags covered a whole class)"
    assert _dropped_words({**every, "flagged_dropped_seeds": 0, "accuracy_flagged_dropped": None}).startswith(
        "not measured")
