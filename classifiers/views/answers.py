"""Answers: how a classifier has been answering, from its prediction log — answers a day, how often it said
"none of these", how sure it was, how long answers took, per version — as small pictures, and its answers
newest first with the photos they were about."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from classifiers import prediction_buckets as buckets
from classifiers.charts import Plot, bar_plot, line_plot
from classifiers.photo_files import prediction_photo_response
from classifiers.selectors.catalog import classifier_state
from classifiers.selectors.owned import owned_classifier, owned_prediction
from classifiers.selectors.predictions import (
    Cursor,
    PredictionStats,
    answered_versions,
    prediction_page,
    prediction_stats,
    retention_days,
)

PERIODS = (7, 30, 90)  # the days a person can look back over
PAGE_SIZE = 20
# The latency lines, named in plain words; the p-names are in the page's "details" fold.
LATENCY_LINES = (("p50", "half of the answers", "p50"), ("p90", "9 in 10", "p90"), ("p99", "99 in 100", "p99"))


def choice(raw: str | None, allowed, default):
    """`raw` as one of `allowed` (ints), or `default` for anything else: a link edited by hand never fails."""
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if value in allowed else default


@login_required
@require_GET
def answers(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    versions = answered_versions(classifier)
    version = choice(request.GET.get("version"), versions, None)
    days = choice(request.GET.get("days"), PERIODS, 30)
    stats = prediction_stats(classifier=classifier, days=days, version=version)
    after = Cursor.parse(request.GET.get("before"))
    rows, next_page = prediction_page(classifier, after=after, size=PAGE_SIZE, version=version)
    context = {
        "classifier": classifier, "tab": "answers", "state": classifier_state(classifier),
        "stats": stats, "plots": answer_plots(stats), "versions": versions, "version": version, "days": days,
        "periods": PERIODS, "rows": rows, "older": next_page.token() if next_page else "", "paged": after is not None,
        "retention_days": retention_days(classifier),
    }
    return render(request, "classifiers/answers.html", context)


@login_required
@require_GET
def prediction_photo(request: HttpRequest, classifier_id: UUID, prediction_id: UUID) -> FileResponse:
    """The small copy of a photo asked about, for the classifier's owner only."""
    prediction = owned_prediction(request.user, classifier_id, prediction_id)
    if not prediction.photo:
        raise Http404("No copy of this photo was kept.")
    return prediction_photo_response(prediction)


def _percent(value: float) -> str:
    return f"{value:.0%}"


def answer_plots(stats: PredictionStats) -> dict[str, Plot]:
    """The page's four pictures: answers a day, the share of "none of these" a day, how sure it was, and how
    long answers took a day."""
    names = [day.strftime("%-d %b") for day, _ in stats.days]
    every = max(1, len(names) // 5)  # about five dates under a plot, or they run into each other
    counts = [counts for _, counts in stats.days]
    edges = (0, *buckets.CONFIDENCE_EDGES, 1)
    sure = [f"{edges[i]:.0%}–{edges[i + 1]:.0%}" for i in range(len(edges) - 1)]
    sure_from = [f"{edge:.0%}" for edge in edges[:-1]]  # under the axis, where a whole range does not fit
    return {
        "per_day": bar_plot(
            [c.answers for c in counts], names, parts=[c.unknown for c in counts], part_title="“none of these”",
            x_label="day", y_label="answers", tick_every=every, value_text=lambda v: f"{v:,.0f}",
            description="Answers a day: " + ", ".join(f"{n} {c.answers}" for n, c in zip(names, counts, strict=True)
                                                      if c.answers) + ".",
        ),
        "unknown": line_plot(
            [("“none of these”", "unknown", [c.unknown_share for c in counts])], names, x_label="day",
            y_label="“none of these”", tick_every=every, top=1.0, value_text=_percent,
            description="Share of answers that were “none of these”, a day: " + ", ".join(
                f"{n} {c.unknown_share:.0%}" for n, c in zip(names, counts, strict=True) if c.answers) + ".",
        ),
        "sure": bar_plot(
            stats.total.confidence, sure, x_label="how sure", y_label="answers", tick_every=2, tick_names=sure_from,
            value_text=lambda v: f"{v:,.0f}",
            description="How sure it was: " + ", ".join(
                f"{n} sure {c}" for n, c in zip(sure, stats.total.confidence, strict=True)) + ".",
        ),
        "latency": line_plot(
            [(words, kind, [c.latency_ms[key] for c in counts]) for key, words, kind in LATENCY_LINES], names,
            x_label="day", y_label="milliseconds", tick_every=every, value_text=lambda v: f"{v:,.0f} ms",
            tick_text=lambda v: f"{v:,.0f}",
            description="How long answers took, a day: " + "; ".join(
                f"{n} half within {c.latency_ms['p50']:.0f} ms, 99 in 100 within {c.latency_ms['p99']:.0f} ms"
                for n, c in zip(names, counts, strict=True) if c.answers) + ".",
        ),
    }
