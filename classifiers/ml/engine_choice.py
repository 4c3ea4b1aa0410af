"""Which engine (backbone and precision) new classifiers use, chosen by the rule of issue 17 from figures
measured on the 2-core machine, kept here as data so the choice and its evidence stay together.

The rule: the default is the most accurate engine that embeds photos at least as fast as today's (Lite0 in
float, what every classifier used before); the "accurate" choice the most accurate at no less than half
that speed. An int8 engine counts only when its few-shot accuracy stays within INT8_TOLERANCE_POINTS of
its float twin's at every k on every set (the same splits), so choosing int8 never costs the answers more
than that. Settings read DEFAULT_ENGINE (NANOWEB_BACKBONE, NANOWEB_PRECISION override it).

To measure again and update MEASURED, on a machine no other work shares (run from the repository; CLOTHING
and TRASHNET are the full sets the repository's photos come from, tests/data/engine/NOTICE):

    .venv/bin/python manage.py benchmark --all --rounds 5 --json
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


# Measured 1 December 2026 on the 2-core machine with no other work (load average 0.3 before the benchmark):
# `.venv/bin/python manage.py benchmark --all --rounds 5 --json` and the two `evaluate` commands above. What
# the rule made of them: Lite0's int8 twin stays within half a point of float everywhere (+0.62 / -0.03 /
# +0.60 on clothing, -0.13 / -0.12 / +0.21 on trashnet) at 1.94x its photos a second, and is a little more
# accurate on average, so it is the default; Lite1's twin loses 0.53 and 0.83 points on clothing and Lite2's
# 0.71 on trashnet, so neither counts; of the engines at least half as fast as Lite0 float, Lite2 float
# (0.52x, +1.8 points on average) is the accurate choice, ahead of Lite1 float (0.71x, +1.2).
#
# int8 answers depend on the processor's integer instructions: this machine has AVX-512 VNNI. An earlier
# machine of the same kind, shared with other work, gave the same float figures to the hundredth but Lite0
# int8 0.59 points under float at k = 5 on trashnet (README), with the same int8 file; its speeds were a
# sixth of these. Measure again where NanoWeb runs, and update this table.
MEASURED: dict[Engine, Measured] = {
    ("efficientnet-lite0", FLOAT): Measured(
        106.5, {"clothing": (69.05, 75.18, 79.0), "trashnet": (61.42, 67.87, 73.08)}
    ),
    ("efficientnet-lite0", INT8): Measured(
        206.1, {"clothing": (69.67, 75.15, 79.6), "trashnet": (61.29, 67.75, 73.29)}
    ),
    ("efficientnet-lite1", FLOAT): Measured(
        75.5, {"clothing": (71.1, 77.4, 81.93), "trashnet": (60.87, 67.96, 73.67)}
    ),
    ("efficientnet-lite1", INT8): Measured(
        163.2, {"clothing": (70.97, 76.87, 81.1), "trashnet": (61.54, 69.33, 74.79)}
    ),
    ("efficientnet-lite2", FLOAT): Measured(
        55.5, {"clothing": (73.42, 78.07, 81.77), "trashnet": (61.96, 67.75, 73.67)}
    ),
    ("efficientnet-lite2", INT8): Measured(
        120.4, {"clothing": (73.45, 78.33, 81.22), "trashnet": (61.25, 67.46, 73.33)}
    ),
}

DEFAULT_ENGINE, ACCURATE_ENGINE = choose(MEASURED)
