"""Pictures of metrics, drawn server-side: a training run's confusion matrix as a heat-map table and its
learning curve as inline SVG, and the prediction log's answers per day, confidence and latency as small bar
and line plots on the same axes. No chart library: a few numbers each, and the pages stay readable without
JavaScript."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe


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
    x_label: str = "training photos"
    y_label: str = "accuracy"

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
    y_ticks = _y_ticks(low, high, round((high - low) * 10), y_of, lambda value: f"{value:.0%}")
    x_ticks = [{"x": p["x"], "text": str(p["n"])} for p in drawn]
    return CurvePlot(
        width=WIDTH, height=HEIGHT, polyline=" ".join(f"{p['x']},{p['y']}" for p in drawn), points=drawn,
        y_ticks=y_ticks, x_ticks=x_ticks, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=HEIGHT - BOTTOM,
    )


def _y_ticks(low: float, high: float, steps: int, y_of: Callable[[float], float],
             text: Callable[[float], str]) -> list[dict]:
    return [{"y": round(y_of(low + i * (high - low) / steps), 1), "text": text(low + i * (high - low) / steps)}
            for i in range(steps + 1)]


def _nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value`: a y axis that ends on a round number."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _steps(top: float, *, whole: bool) -> int:
    """How many gridlines divide a _nice_top axis into round steps (a 1, 2 or 5 times a power of ten each);
    counts under 10 go one by one, so no two gridlines carry the same whole number."""
    if whole and top < 10:
        return max(1, round(top))
    first_digit = round(top / 10 ** math.floor(math.log10(top)))
    return {1: 5, 2: 4, 5: 5}.get(first_digit, 4)


@dataclass(frozen=True)
class Plot:
    """A small bar or line plot on the learning curve's axes and geometry; templates/classifiers/_plot.html
    draws it. Bars: x, y, width, height, kind (a CSS class), title. Lines: name, kind and segments, each a
    polyline's points (a gap where a day has no value)."""

    description: str
    x_label: str
    y_label: str
    y_ticks: list[dict]
    x_ticks: list[dict]
    bars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    font_size: int = FONT_SIZE

    @property
    def middle(self) -> float:
        return -(self.top + self.bottom) / 2

    def marks(self) -> str:
        """The bars, lines and dots as SVG markup (escaped). Built here rather than in a template loop: a
        90-day plot has hundreds of them, which a template renders ten times slower."""
        parts = [f'<rect x="{b["x"]}" y="{b["y"]}" width="{b["width"]}" height="{b["height"]}" '
                 f'class="{escape(b["kind"])}"><title>{escape(b["title"])}</title></rect>' for b in self.bars]
        for line in self.lines:
            kind = escape(line["kind"])
            parts += [f'<polyline points="{points}" class="line {kind}"/>' for points in line["segments"]]
            parts += [f'<circle cx="{d["x"]}" cy="{d["y"]}" r="3" class="dot {kind}"><title>{escape(d["title"])}'
                      f'</title></circle>' for d in line["dots"]]
        return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def _x_ticks(names: Sequence[str], x_of: Callable[[int], float], every: int) -> list[dict]:
    return [{"x": round(x_of(i), 1), "text": name} for i, name in enumerate(names) if i % every == 0]


def bar_plot(values: Sequence[float], names: Sequence[str], *, x_label: str, y_label: str, description: str,
             parts: Sequence[float] | None = None, part_title: str = "", tick_every: int = 1,
             tick_names: Sequence[str] | None = None, whole: bool = True,
             value_text: Callable[[float], str] = lambda value: f"{value:g}") -> Plot:
    """One bar per value (none for a 0), each titled by its name, every `tick_every`-th named below (by
    `tick_names` when given, shorter); `parts` (each at most its value) are drawn darker at the foot of their
    bars, as "of which" (answers of a day, of which "none of these"). `whole`: the values are counts."""
    top = _nice_top(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    bars = []
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        if not value:
            continue  # an empty day or bucket: its slot stays, with nothing to draw
        base = {"x": round(LEFT + slot * i + slot * 0.1, 1), "width": round(slot * 0.8, 1)}
        bars.append({**base, "y": round(y_of(value), 1), "height": round(plot_h * value / top, 1), "kind": "column",
                     "title": f"{name}: {value_text(value)}"})
        part = parts[i] if parts else 0
        if part:
            bars.append({**base, "y": round(y_of(part), 1), "height": round(plot_h * part / top, 1),
                         "kind": "column part", "title": f"{name}: {value_text(part)} {part_title}"})
    return Plot(description=description, x_label=x_label, y_label=y_label, bars=bars,
                y_ticks=_y_ticks(0, top, _steps(top, whole=whole), y_of, value_text),
                x_ticks=_x_ticks(tick_names or names, x_of, tick_every))


def line_plot(series: Sequence[tuple[str, str, Sequence[float | None]]], names: Sequence[str], *, x_label: str,
              y_label: str, description: str, tick_every: int = 1, top: float | None = None,
              value_text: Callable[[float], str] = lambda value: f"{value:g}",
              tick_text: Callable[[float], str] | None = None) -> Plot:
    """Lines (name, kind, one value or None per name) over the same x; a None breaks its line. Dots are titled
    with value_text, the y axis with tick_text (shorter: the axis names the unit) or value_text."""
    known = [value for _, _, values in series for value in values if value is not None]
    top = top or _nice_top(max(known, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(names), 1)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    lines = []
    for name, kind, values in series:
        segments, current, dots = [], [], []
        for i, value in enumerate(values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            point = (round(x_of(i), 1), round(y_of(value), 1))
            current.append(point)
            dots.append({"x": point[0], "y": point[1], "title": f"{names[i]}: {name} {value_text(value)}"})
        if current:
            segments.append(current)
        lines.append({"name": name, "kind": kind, "dots": dots,
                      "segments": [" ".join(f"{x},{y}" for x, y in segment) for segment in segments]})
    return Plot(description=description, x_label=x_label, y_label=y_label, lines=lines,
                y_ticks=_y_ticks(0, top, _steps(top, whole=False), y_of, tick_text or value_text),
                x_ticks=_x_ticks(names, x_of, tick_every))
