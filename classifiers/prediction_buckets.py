"""How a logged answer is counted in the daily tallies (PredictionTally), and how percentiles are read back.

Confidence falls in one of ten buckets of 10 %; latency in buckets about a quarter wider each than the one
before, so a percentile read back from the counts is within about 12 % of the true one at any speed, while a
day of a version costs at most a few dozen rows however many answers it had. Plain Python, no Django: the
writer, the rebuild of the tallies (services/prediction_tallies.py) and the watch page count with these.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

ANSWERS, UNKNOWN, CONFIDENCE, LATENCY = "answers", "unknown", "confidence", "latency"
# Upper edges of the confidence buckets: [0, 0.1), [0.1, 0.2) ... [0.9, 1].
CONFIDENCE_EDGES = tuple(round(0.1 * i, 1) for i in range(1, 10))
# Upper edges in milliseconds; bucket i holds latencies in [edge i-1, edge i), the last one everything slower.
LATENCY_EDGES_MS = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300,
                    400, 500, 600, 800, 1000, 1500, 2000, 3000, 5000, 10000)


def confidence_bucket(confidence: float) -> int:
    return bisect_right(CONFIDENCE_EDGES, confidence)


def latency_bucket(latency_ms: float) -> int:
    return bisect_right(LATENCY_EDGES_MS, latency_ms)


def answer_buckets(*, unknown: bool, confidence: float, latency_ms: float) -> list[tuple[str, int]]:
    """The (measure, bucket) pairs one answer adds 1 to."""
    counted = [(ANSWERS, 0), (CONFIDENCE, confidence_bucket(confidence)), (LATENCY, latency_bucket(latency_ms))]
    if unknown:
        counted.append((UNKNOWN, 0))
    return counted


def latency_percentile(counts: Mapping[int, int], share: float) -> float | None:
    """The latency below which `share` (0-1) of the answers fell, estimated from bucket counts by assuming the
    answers of a bucket spread evenly across it; None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = share * total
    seen = 0
    for bucket in sorted(counts):
        count = counts[bucket]
        if seen + count >= wanted and count:
            low = LATENCY_EDGES_MS[bucket - 1] if bucket > 0 else 0
            high = LATENCY_EDGES_MS[bucket] if bucket < len(LATENCY_EDGES_MS) else low * 2
            return low + (high - low) * (wanted - seen) / count
        seen += count
    return float(LATENCY_EDGES_MS[-1])
