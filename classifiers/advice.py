"""Where more photos would help most, read from a training run's metrics: the pair of classes most often
taken for each other, and the classes found least reliably while the learning curve is still rising."""

from __future__ import annotations

from dataclasses import dataclass

# The curve counts as still rising when its last step gained at least this much accuracy.
RISING = 0.01
# A class is weak when its recall is this far below the best class's.
WEAK_GAP = 0.1
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    label: str
    reason: str


def curve_still_rising(curve: dict | None) -> bool:
    points = sorted((p for p in (curve or {}).get("points") or [] if p.get("accuracy") is not None),
                    key=lambda p: p.get("n") or 0)
    return len(points) >= 2 and points[-1]["accuracy"] - points[-2]["accuracy"] >= RISING


def more_photos_suggestions(metrics: dict | None) -> list[Suggestion]:
    metrics = metrics or {}
    suggestions: dict[str, Suggestion] = {}
    confusion = metrics.get("confusion") or {}
    labels, matrix = confusion.get("labels") or [], confusion.get("matrix") or []
    worst = None
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        for j, count in enumerate(row):
            if i != j and count and (worst is None or count / total > worst[0]):
                worst = (count / total, i, j)
    if worst is not None and worst[1] < len(labels) and worst[2] < len(labels):
        share, truth, taken = worst
        reason = f"{share:.0%} of its photos were taken for “{labels[taken]}”"
        suggestions[labels[truth]] = Suggestion(labels[truth], reason)
        if labels[taken] not in suggestions:
            suggestions[labels[taken]] = Suggestion(labels[taken], f"it is confused with “{labels[truth]}”")
    per_label = metrics.get("per_label") or {}
    recalls = {name: v.get("recall") for name, v in per_label.items() if v.get("recall") is not None}
    if recalls and curve_still_rising(metrics.get("learning_curve")):
        best = max(recalls.values())
        for name, recall in sorted(recalls.items(), key=lambda kv: kv[1]):
            if best - recall >= WEAK_GAP and name not in suggestions:
                suggestions[name] = Suggestion(name, f"only {recall:.0%} of its photos are recognised, and "
                                                     "accuracy is still rising with more photos")
    return list(suggestions.values())[:MAX_SUGGESTIONS]
