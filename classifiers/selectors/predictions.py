"""Reading the prediction log: how a classifier has been answering (from the daily tallies, so the figures of a
million answers cost a few hundred rows), and its answers newest first, a page at a time by a cursor (no
count of the whole log, no offset that grows with the page number)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from classifiers import prediction_buckets as buckets
from classifiers.models import Classifier, Prediction, PredictionTally

DEFAULT_DAYS = 30
MAX_DAYS = 366
PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def retention_days(classifier: Classifier) -> int:
    """How many days this classifier's answers are kept."""
    return classifier.prediction_retention_days or settings.PREDICTION_RETENTION_DAYS


@dataclass
class Counts:
    """Answers counted over some days (of one version, or of all): what the page draws and the API sends."""

    answers: int = 0
    unknown: int = 0
    confidence: list[int] = field(default_factory=lambda: [0] * (len(buckets.CONFIDENCE_EDGES) + 1))
    latency: dict[int, int] = field(default_factory=dict)  # latency bucket -> answers

    def add(self, measure: str, bucket: int, count: int) -> None:
        if measure == buckets.ANSWERS:
            self.answers += count
        elif measure == buckets.UNKNOWN:
            self.unknown += count
        elif measure == buckets.CONFIDENCE and 0 <= bucket < len(self.confidence):
            self.confidence[bucket] += count
        elif measure == buckets.LATENCY:
            self.latency[bucket] = self.latency.get(bucket, 0) + count

    @property
    def unknown_share(self) -> float | None:
        return self.unknown / self.answers if self.answers else None

    @property
    def confidence_buckets(self) -> list[dict]:
        """[{"low": 0.0, "high": 0.1, "answers": n}, ...]"""
        edges = (0.0, *buckets.CONFIDENCE_EDGES, 1.0)
        return [{"low": edges[i], "high": edges[i + 1], "answers": n} for i, n in enumerate(self.confidence)]

    @cached_property  # read several times a day a page; the counts are complete once the selector returns
    def latency_ms(self) -> dict[str, float | None]:
        """p50, p90, p99 in milliseconds, estimated from the latency buckets."""
        return {name: _rounded(buckets.latency_percentile(self.latency, share)) for name, share in PERCENTILES}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class PredictionStats:
    since: date
    until: date
    version: int | None  # the version asked for, or None for all
    total: Counts
    days: list[tuple[date, Counts]]  # every day from since to until, oldest first, empty days included
    versions: list[tuple[int, Counts]]  # each version that answered in these days, newest first


def prediction_stats(*, classifier: Classifier, days: int = DEFAULT_DAYS, version: int | None = None,
                     today: date | None = None) -> PredictionStats:
    """The last `days` days of answers (today included), of one version or of all."""
    until = today or timezone.localdate()
    since = until - timedelta(days=days - 1)
    tallies = PredictionTally.objects.filter(classifier=classifier, day__gte=since, day__lte=until)
    if version is not None:
        tallies = tallies.filter(version__number=version)
    total, per_day, per_version = Counts(), defaultdict(Counts), defaultdict(Counts)
    rows = (tallies.order_by().values_list("version__number", "day", "measure", "bucket")
            .annotate(n=Sum("count")))
    for number, day, measure, bucket, count in rows:
        total.add(measure, bucket, count)
        per_day[day].add(measure, bucket, count)
        per_version[number].add(measure, bucket, count)
    return PredictionStats(
        since=since, until=until, version=version, total=total,
        days=[(since + timedelta(days=i), per_day[since + timedelta(days=i)]) for i in range(days)],
        versions=sorted(per_version.items(), key=lambda item: -item[0]),
    )


def answered_versions(classifier: Classifier) -> list[int]:
    """The numbers of the classifier's versions, newest first (any of them may have answered)."""
    return list(classifier.versions.order_by("-number").values_list("number", flat=True))


@dataclass(frozen=True)
class Cursor:
    """Where a page of answers ends: the last answer's time and id (answers of one request share a time)."""

    created_at: datetime
    id: str

    def token(self) -> str:
        # In UTC with a Z, so no "+" that a hand-written query string would turn into a space.
        return f"{self.created_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor in a token, or None for a missing or malformed one (the first page)."""
        created, _, row_id = (token or "").partition("~")
        try:
            moment = datetime.fromisoformat(created)
            row_id = str(uuid.UUID(row_id))
        except ValueError:
            return None
        return None if timezone.is_naive(moment) else cls(created_at=moment, id=row_id)


def classifier_predictions(classifier: Classifier, *, version: int | None = None) -> QuerySet[Prediction]:
    """The classifier's logged answers, newest first, with what a row of the list shows."""
    answers = (Prediction.objects.filter(classifier=classifier).select_related("version", "label", "api_key")
               .order_by("-created_at", "-id"))
    return answers.filter(version__number=version) if version is not None else answers


def prediction_page(classifier: Classifier, *, after: Cursor | None = None, size: int = 20,
                    version: int | None = None) -> tuple[list[Prediction], Cursor | None]:
    """One page of answers, newest first, older than `after`; and the cursor of the next page, or None at the
    end."""
    answers = classifier_predictions(classifier, version=version)
    if after is not None:
        # created_at <= the cursor's bounds the index scan (prediction_newest_first); the OR only skips the
        # answers of the cursor's own moment that were on the page before.
        answers = answers.filter(created_at__lte=after.created_at).filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.id))
    rows = list(answers[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], Cursor(created_at=last.created_at, id=str(last.id))
