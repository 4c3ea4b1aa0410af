"""The daily tallies of logged answers (PredictionTally), which the watch page and its API read instead of the
answers themselves: kept up to date as answers are written, rebuilt from the rows when they were inserted
some other way (the 1,000,000-answer benchmark), and expired with the answers.

How an answer is counted is classifiers/prediction_buckets.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from classifiers import prediction_buckets as buckets
from classifiers.models import Prediction, PredictionTally

# Rows a statement upserts: 6 parameters each, under SQLite's oldest limit of 999 parameters a statement.
UPSERT_ROWS = 150


def prediction_tallies_add(*, predictions: Iterable[Prediction]) -> None:
    """Count these newly written answers in their days' tallies (inside the caller's transaction)."""
    counts: Counter = Counter()
    for p in predictions:
        day = timezone.localdate(p.created_at)
        for measure, bucket in buckets.answer_buckets(unknown=p.unknown, confidence=p.confidence,
                                                      latency_ms=p.latency_ms):
            counts[(p.classifier_id, p.version_id, day, measure, bucket)] += 1
    # In one order everywhere, so two processes adding to the same rows wait for each other, never deadlock.
    _upsert(sorted(counts.items(), key=lambda item: tuple(str(part) for part in item[0])))


def _upsert(items: list) -> None:
    table = connection.ops.quote_name(PredictionTally._meta.db_table)
    uuid_field = PredictionTally._meta.get_field("classifier").target_field
    day_field = PredictionTally._meta.get_field("day")
    with connection.cursor() as cursor:
        for start in range(0, len(items), UPSERT_ROWS):
            chunk = items[start:start + UPSERT_ROWS]
            params = []
            for (classifier_id, version_id, day, measure, bucket), count in chunk:
                params += [uuid_field.get_db_prep_value(classifier_id, connection),
                           uuid_field.get_db_prep_value(version_id, connection),
                           day_field.get_db_prep_value(day, connection), measure, bucket, count]
            # Adding to a count (not setting it) is what Django's bulk_create cannot do; PostgreSQL and SQLite
            # both take this statement as written. Only the model's table name and placeholders are formatted in.
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (classifier_id, version_id, day, measure, bucket, count) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (classifier_id, version_id, day, measure, bucket) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )


def _bucket_case(field: str, edges: tuple[float, ...]) -> Case:
    """prediction_buckets' bucket of `field`, computed by the database."""
    return Case(*(When(**{f"{field}__lt": edge}, then=Value(i)) for i, edge in enumerate(edges)),
                default=Value(len(edges)), output_field=IntegerField())


def prediction_tallies_rebuild(*, classifier_id) -> int:
    """Count a classifier's logged answers afresh, from its rows, with the database doing the counting;
    returns the tally rows written."""
    rows = Prediction.objects.filter(classifier_id=classifier_id, version__isnull=False).annotate(
        day=TruncDate("created_at"))
    measures = {
        buckets.ANSWERS: rows.annotate(bucket=Value(0, output_field=IntegerField())),
        buckets.UNKNOWN: rows.filter(unknown=True).annotate(bucket=Value(0, output_field=IntegerField())),
        buckets.CONFIDENCE: rows.annotate(bucket=_bucket_case("confidence", buckets.CONFIDENCE_EDGES)),
        buckets.LATENCY: rows.annotate(bucket=_bucket_case("latency_ms", buckets.LATENCY_EDGES_MS)),
    }
    tallies = [
        PredictionTally(classifier_id=classifier_id, version_id=counted["version_id"], day=counted["day"],
                        measure=measure, bucket=counted["bucket"], count=counted["n"])
        for measure, query in measures.items()
        for counted in query.order_by().values("version_id", "day", "bucket").annotate(n=Count("id"))
    ]
    PredictionTally.objects.filter(Q(classifier_id=classifier_id)).delete()
    PredictionTally.objects.bulk_create(tallies, batch_size=1000)
    return len(tallies)
