"""The default engine follows the rule of issue 17 from the figures kept with it."""

from __future__ import annotations

import os

import pytest

from classifiers.ml.backbones import BACKBONES, PRECISIONS
from classifiers.ml.engine_choice import ACCURATE_ENGINE, DEFAULT_ENGINE, MEASURED, TODAY, Measured, choose

LITE0, LITE1, LITE2 = "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"


def same_everywhere(photos_per_s: float, accuracy: float, **by_k: float) -> Measured:
    per_k = (by_k.get("k5", accuracy), by_k.get("k10", accuracy), by_k.get("k20", accuracy))
    return Measured(photos_per_s, {"clothing": per_k, "trashnet": per_k})


def made_up() -> dict:
    return {
        (LITE0, "float"): same_everywhere(100, 70.0),
        (LITE0, "int8"): same_everywhere(200, 69.8),
        (LITE1, "float"): same_everywhere(67, 72.0),
        (LITE1, "int8"): same_everywhere(140, 71.9),
        (LITE2, "float"): same_everywhere(43, 73.0),
        (LITE2, "int8"): same_everywhere(90, 72.8),
    }


def test_the_default_is_the_most_accurate_at_todays_speed_and_the_accurate_one_at_half_of_it():
    assert choose(made_up()) == ((LITE1, "int8"), (LITE2, "int8"))


def test_an_engine_slower_than_today_is_never_the_default_however_accurate():
    table = made_up()
    table[(LITE1, "int8")] = same_everywhere(99, 71.9)
    assert choose(table)[0] == (LITE0, "float")  # Lite0 int8 is faster but less accurate than float


def test_an_int8_engine_that_loses_more_than_half_a_point_at_one_k_does_not_count():
    table = made_up()
    table[(LITE1, "int8")] = same_everywhere(140, 71.9, k5=71.4)  # 0.6 below float at k = 5
    table[(LITE2, "int8")] = Measured(90, {"clothing": (72.8,) * 3, "trashnet": (72.8, 72.8, 72.4)})
    default, accurate = choose(table)
    assert default == (LITE0, "float")
    assert accurate == (LITE1, "float")  # 67 photos/s: more than half of today's 100


def test_the_measured_table_covers_every_engine_and_the_settings_default_is_its_choice():
    assert set(MEASURED) == {(b, p) for b in BACKBONES for p in PRECISIONS}
    assert TODAY in MEASURED
    assert choose(MEASURED) == (DEFAULT_ENGINE, ACCURATE_ENGINE)
    if os.environ.get("NANOWEB_BACKBONE") or os.environ.get("NANOWEB_PRECISION"):
        pytest.skip("the settings' default is overridden in this environment")
    import nanoweb.settings as module  # the module's own values: the tests' settings pin another engine

    assert (module.DEFAULT_BACKBONE, module.DEFAULT_PRECISION) == DEFAULT_ENGINE
