"""Pictures of a training run's metrics, drawn server-side: the confusion matrix as a heat-map table and
the learning curve as inline SVG. No chart library: a few numbers each, and the page stays readable
without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    answered: str  # the column's class
    count: int
    share: float  # of the row (the photos truly of this class)
    diagonal: bool

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def dark(self) -> bool:
        # White text on the darker half of the scale, so every number stays readable.
        return self.share >= 0.5


@dataclass(frozen=True)
class ConfusionRow:
    label: str
    total: int
    cells: list[Cell]


def confusion_rows(confusion: dict | None) -> tuple[list[str], list[ConfusionRow]]:
    """Row-normalised cells of {"labels": [...], "matrix": [[...]]}; rows are the truth, columns the answer."""
    if not confusion:
        return [], []
    labels = [str(name) for name in confusion.get("labels") or []]
    matrix = confusion.get("matrix") or []
    rows = []
    for i, name in enumerate(labels):
        counts = [int(c) for c in (matrix[i] if i < len(matrix) else [])]
        counts += [0] * (len(labels) - len(counts))
        total = sum(counts)
        rows.append(ConfusionRow(name, total, [Cell(labels[j], c, c / total if total else 0.0, i == j)
                                               for j, c in enumerate(counts[: len(labels)])]))
    return labels, rows


# Learning-curve plot geometry, in SVG user units; the SVG scales to its box (at most 28rem wide, about 330
# px on a 390 px phone). Narrow enough, and its text large enough, that labels stay at 12 px or more there.
WIDTH, HEIGHT = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 62, 12, 12, 44
FONT_SIZE = 13


@dataclass(frozen=True)
class CurvePlot:
    width: int
    height: int
    polyline: str
    points: list[dict]  # x, y, accuracy (%), n
    y_ticks: list[dict]  # y, text
    x_ticks: list[dict]  # x, text
    left: int
    right: int
    top: int
    bottom: int
    font_size: int = FONT_SIZE

    @property
    def middle(self) -> float:
        """The y axis's middle, where its label sits (rotated, so as -y)."""
        return -(self.top + self.bottom) / 2


def learning_curve_plot(curve: dict | None) -> CurvePlot | None:
    """Accuracy against the number of training photos. The y axis spans the data (rounded out to 10%) so a
    small rise is visible rather than flattened against a 0-100% scale."""
    points = [p for p in (curve or {}).get("points") or [] if p.get("accuracy") is not None]
    if not points:
        return None
    points = sorted(points, key=lambda p: p.get("n") or 0)
    accuracies = [float(p["accuracy"]) for p in points]
    low = max(0.0, (int(min(accuracies) * 10) / 10) - 0.1) if min(accuracies) < 1 else 0.9
    high = min(1.0, (int(max(accuracies) * 10) + 1) / 10)
    if high <= low:
        high = min(1.0, low + 0.1)
    ns = [int(p.get("n") or 0) for p in points]
    n_low, n_high = min(ns), max(ns)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(n: int) -> float:
        return LEFT + (plot_w * (n - n_low) / (n_high - n_low) if n_high > n_low else plot_w / 2)

    def y_of(accuracy: float) -> float:
        return TOP + plot_h * (1 - (accuracy - low) / (high - low))

    drawn = [{"x": round(x_of(n), 1), "y": round(y_of(a), 1), "accuracy": round(a * 100, 1), "n": n}
             for n, a in zip(ns, accuracies, strict=True)]
    steps = round((high - low) * 10)
    y_ticks = [{"y": round(y_of(low + i * (high - low) / steps), 1), "text": f"{(low + i * (high - low) / steps):.0%}"}
               for i in range(steps + 1)]
    x_ticks = [{"x": p["x"], "text": str(p["n"])} for p in drawn]
    return CurvePlot(
        width=WIDTH, height=HEIGHT, polyline=" ".join(f"{p['x']},{p['y']}" for p in drawn), points=drawn,
        y_ticks=y_ticks, x_ticks=x_ticks, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=HEIGHT - BOTTOM,
    )
