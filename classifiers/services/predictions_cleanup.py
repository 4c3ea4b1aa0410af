"""Forgetting logged answers: those older than their classifier's retention, and the kept photos of classifiers
whose owner turned photo keeping off. Every worker runs a round from its recovery loop (services/recovery.py),
each round touching at most PREDICTION_CLEANUP_BATCH answers, so a backlog of millions drains over a few
rounds without a long transaction or a long pause of the loop. Rows go first, their files after commit: a
failure leaves a file without a row (removed with its classifier's folder), never a row without its file.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from classifiers.models import Classifier, Prediction, PredictionTally

log = logging.getLogger(__name__)


def retention_groups(now: datetime) -> list[tuple[Q, datetime]]:
    """(which classifiers, the time before which their answers expire): one group for those on the site's
    default, one for each retention an owner chose (there are only a few distinct ones)."""
    chosen = Classifier.objects.exclude(prediction_retention_days=None).order_by()
    days_chosen = sorted(set(chosen.values_list("prediction_retention_days", flat=True)))
    groups = [(Q(classifier__prediction_retention_days=None), now - timedelta(days=settings.PREDICTION_RETENTION_DAYS))]
    groups += [(Q(classifier__prediction_retention_days=days), now - timedelta(days=days)) for days in days_chosen]
    return groups


def predictions_expire(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Delete at most `limit` expired answers (oldest first) with their photos, and the daily tallies of days
    wholly past retention; returns how many answers went."""
    limit = limit or settings.PREDICTION_CLEANUP_BATCH
    now = now or timezone.now()
    removed = 0
    for classifiers, cutoff in retention_groups(now):
        if removed >= limit:
            break
        expired = list(Prediction.objects.filter(classifiers, created_at__lt=cutoff).order_by("created_at")
                       .values_list("id", "photo")[: limit - removed])
        if expired:
            _rows_delete(expired)
            removed += len(expired)
        # A day's tally counts answers of the whole day: it goes once the day is entirely past retention.
        tallies = PredictionTally.objects.filter(classifiers, day__lt=timezone.localdate(cutoff))
        ids = list(tallies.order_by().values_list("id", flat=True)[:limit])
        if ids:
            PredictionTally.objects.filter(id__in=ids).delete()
    return removed


def _rows_delete(rows: list[tuple]) -> None:
    with transaction.atomic():
        Prediction.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        photos = [photo for _, photo in rows if photo]
        transaction.on_commit(lambda: prediction_photos_delete(names=photos))


def prediction_photos_forget(*, limit: int | None = None) -> int:
    """Remove at most `limit` kept photos of classifiers that no longer keep photos (the answers stay);
    returns how many."""
    limit = limit or settings.PREDICTION_CLEANUP_BATCH
    kept = list(Prediction.objects.filter(classifier__keep_prediction_photos=False).exclude(photo="")
                .order_by().values_list("id", "photo")[:limit])
    if kept:
        with transaction.atomic():
            Prediction.objects.filter(id__in=[row_id for row_id, _ in kept]).update(photo="")
            transaction.on_commit(lambda: prediction_photos_delete(names=[photo for _, photo in kept]))
    return len(kept)


def prediction_photos_delete(*, names: list[str]) -> None:
    """Delete these kept photos' files; one that cannot be deleted is logged and left to its folder's removal."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001 - a storage service may fail in its own ways
            log.warning("could not delete the kept photo %s", name)


def predictions_cleanup() -> dict[str, int]:
    """One round of the workers' clean-up: expired answers, then photos no longer to be kept."""
    return {"expired_answers": predictions_expire(), "forgotten_photos": prediction_photos_forget()}
