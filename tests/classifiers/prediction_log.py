"""Logged answers made in a test: a classifier's version rows and answers written the way the log's thread
writes them (predictions_save, here in the test's own transaction), without a model to answer."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from classifiers.models import Classifier, Label, ModelVersion
from classifiers.services.predictions_log import LogEntry, predictions_save

E2E_PHOTOS = Path(__file__).resolve().parents[1] / "data" / "e2e"  # real photos, see the NOTICE there


def versions_make(classifier: Classifier, *numbers: int) -> list[ModelVersion]:
    """Versions knowing the classifier's classes (created if missing: hat, shoes), the last one active."""
    if not classifier.labels.exists():
        Label.objects.bulk_create([Label(classifier=classifier, name=name) for name in ("hat", "shoes")])
    labels = [{"id": str(label.id), "name": label.name} for label in classifier.labels.all()]
    made = [ModelVersion.objects.create(classifier=classifier, number=n, artifact="none", backbone="b", labels=labels)
            for n in numbers]
    Classifier.objects.filter(id=classifier.id).update(active_version=made[-1])
    return made


def answer(classifier: Classifier, *, label: str = "hat", version: int = 1, unknown: bool = False,
           confidence: float = 0.9, latency_ms: float = 20.0, created_at: datetime | None = None,
           ago: timedelta | None = None, source: str = "api", name: str = "photo.jpg",
           picture: bytes | None = None) -> LogEntry:
    when = created_at or timezone.now() - (ago or timedelta(0))
    return LogEntry(id=uuid.uuid4(), classifier_id=classifier.id, version_number=version, source=source,
                    api_key_id=None, created_at=when, name=name, label_name=label, unknown=unknown,
                    confidence=confidence, unknown_score=0.9 if unknown else 0.1, margin=2 * confidence - 1,
                    latency_ms=latency_ms, picture=picture)


def log(*entries: LogEntry) -> list[LogEntry]:
    predictions_save(list(entries))
    return list(entries)


def real_photo(name: str = "hat-0021.jpg") -> bytes:
    return (E2E_PHOTOS / name).read_bytes()
