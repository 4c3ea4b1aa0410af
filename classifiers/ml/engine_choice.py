"""Which engine (backbone and precision) new classifiers use, chosen by the rule of issue 17 from figures
measured on the 2-core machine, kept here as data so the choice and its evidence stay together.

The rule: the default is the most accurate engine that embeds photos at least as fast as today's (Lite0 in
float, what every classifier used before); the "accurate" choice the most accurate at no less than half
that speed. An int8 engine counts only when its few-shot accuracy stays within INT8_TOLERANCE_POINTS of
its float twin's at every k on every set (the same splits), so choosing int8 never costs the answers more
than that. Settings read DEFAULT_ENGINE (NANOWEB_BACKBONE, NANOWEB_PRECISION override it).

To measure again and update MEASURED, on a machine no other work shares (run from the repository; CLOTHING
and TRASHNET are the full sets the repository's photos come from, tests/data/engine/NOTICE):

    nice -n 10 .venv/bin/python manage.py benchmark --all --json
    .venv/bin/python manage.py evaluate CLOTHING --all --k 5,10,20 --seeds 10 --json
    .venv/bin/python manage.py evaluate TRASHNET --all --k 5,10,20 --seeds 10 --json
"""

from __future__ import annotations

from dataclasses import dataclass

from classifiers.ml.backbones import FLOAT, INT8

Engine = tuple[str, str]  # (backbone, precision)

TODAY: Engine = ("efficientnet-lite0", FLOAT)
INT8_TOLERANCE_POINTS = 0.5
KS = (5, 10, 20)


@dataclass(frozen=True)
class Measured:
    # `benchmark --all`: photos a second the app embeds (both views), the median of interleaved rounds, so a
    # busy machine slows every engine alike; compared as a ratio to TODAY's in the same run.
    photos_per_s: float
    # `evaluate --all`, per set: few-shot accuracy (%) at k = 5, 10, 20, 10 splits shared by every engine.
    accuracy: dict[str, tuple[float, float, float]]

    def mean_accuracy(self) -> float:
        values = [value for per_k in self.accuracy.values() for value in per_k]
        return sum(values) / len(values)


def int8_keeps_accuracy(measured: dict[Engine, Measured], engine: Engine) -> bool:
    """An int8 engine within INT8_TOLERANCE_POINTS of its float twin at every k on every set."""
    backbone, precision = engine
    if precision != INT8:
        return True
    twin = measured.get((backbone, FLOAT))
    if twin is None:
        return False
    return all(
        twin.accuracy[name][i] - measured[engine].accuracy[name][i] <= INT8_TOLERANCE_POINTS
        for name in twin.accuracy
        for i in range(len(KS))
    )


def most_accurate(measured: dict[Engine, Measured], *, min_photos_per_s: float) -> Engine:
    """The most accurate engine at least that fast (the faster of two equally accurate ones)."""
    fast_enough = [
        engine for engine, figures in measured.items()
        if figures.photos_per_s >= min_photos_per_s and int8_keeps_accuracy(measured, engine)
    ]
    return max(fast_enough, key=lambda e: (measured[e].mean_accuracy(), measured[e].photos_per_s))


def choose(measured: dict[Engine, Measured]) -> tuple[Engine, Engine]:
    """(the default, the accurate choice) by the rule above."""
    today = measured[TODAY].photos_per_s
    return most_accurate(measured, min_photos_per_s=today), most_accurate(measured, min_photos_per_s=today / 2)


# Measured 1 December 2026 on the 2-core machine, shared with other work (load average 5.8-9.5 during the
# benchmark, so every photos/s figure is about a sixth of a quiet day's; the ratios are what count):
# `nice -n 10 .venv/bin/python manage.py benchmark --all --rounds 5 --json` and the two `evaluate` commands
# above. What the rule made of them: every int8 twin loses more than half a point somewhere (Lite0 -0.59 at
# k = 5 on trashnet, Lite1 -0.76 at k = 20 on clothing, Lite2 -0.55 and -0.71), so only float engines count;
# of those only Lite0 is as fast as Lite0, which stays the default; Lite1 float (0.65x its photos a second,
# +1.2 points on average) is the accurate choice, Lite2 float (0.43x) too slow for it. A second, shorter
# benchmark on a quieter but as unsteady machine gave Lite1 float 0.91x and Lite2 float 0.64x (README): the
# default comes out the same, the accurate choice would move to Lite2 float. Measure again on a quiet machine.
MEASURED: dict[Engine, Measured] = {
    ("efficientnet-lite0", FLOAT): Measured(
        19.9, {"clothing": (69.05, 75.18, 79.0), "trashnet": (61.42, 67.87, 73.08)}
    ),
    ("efficientnet-lite0", INT8): Measured(
        28.5, {"clothing": (69.15, 75.08, 79.47), "trashnet": (60.83, 67.46, 72.92)}
    ),
    ("efficientnet-lite1", FLOAT): Measured(
        12.9, {"clothing": (71.1, 77.4, 81.93), "trashnet": (60.87, 67.96, 73.67)}
    ),
    ("efficientnet-lite1", INT8): Measured(
        20.1, {"clothing": (71.17, 77.08, 81.17), "trashnet": (61.17, 69.17, 74.5)}
    ),
    ("efficientnet-lite2", FLOAT): Measured(
        8.5, {"clothing": (73.42, 78.07, 81.77), "trashnet": (61.92, 67.75, 73.67)}
    ),
    ("efficientnet-lite2", INT8): Measured(
        17.8, {"clothing": (73.55, 78.12, 81.22), "trashnet": (61.21, 67.5, 73.88)}
    ),
}

DEFAULT_ENGINE, ACCURATE_ENGINE = choose(MEASURED)
