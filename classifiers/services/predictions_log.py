"""The prediction log: every answer a classifier gives is kept (a Prediction row, and a small copy of the
photo unless its owner turned that off), without slowing or failing the answer.

Every answering path (the API, the try-it page, the share page) calls `prediction_record` once its answers
are computed. That only stamps the entries and, once the request's transaction commits, hands them to a
queue in this process; a daemon thread drains it in batches: it makes the small JPEGs, inserts the rows in
bulk and adds them to the daily tallies (services/prediction_tallies.py), one transaction a batch. Whatever
fails there — a full disk, a locked or unreachable database — costs those log entries and a line in the
log, never the answer; so does a queue that is full because the database fell far behind.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from classifiers.models import Classifier, Label, ModelVersion, Prediction, prediction_photo_path
from classifiers.services.prediction_tallies import prediction_tallies_add
from classifiers.services.predictions_cleanup import prediction_photos_delete
from classifiers.services.unknown_alert import unknown_alerts_watch
from scraper.images import thumbnail_jpeg

log = logging.getLogger(__name__)

PHOTO_SIDE = 256  # longest side of a kept photo, in pixels: enough to tell what it shows, about 15 KB
MAX_WAITING = 20_000  # entries the queue holds before new ones are dropped (the database fell behind)
MAX_BATCH = 500  # entries one transaction writes
# How long the writer gathers entries before writing them: one transaction for a second's answers instead of
# one for each (on a busy server each costs the database as much as a hundred rows of a batch).
GATHER_SECONDS = 1.0
EXIT_FLUSH_SECONDS = 5.0  # the longest a process that ends waits for its last entries to be written
IDLE_SECONDS = 2.0  # the writer lets its database connection go after this long without entries
# The writer thread runs niced, so the answers come first and the log takes the cores they leave: its work
# (a small JPEG an answer, about 1.4 ms of CPU, and the rows) took 12 % of the answers a second from a busy
# web process at 8 clients (benchmarks/predict_load.py --logging, Lite0 int8: 0.88x), niced 5 % (0.95x),
# every answer still kept. Linux nices the one thread; elsewhere the thread runs at the process's priority.
WRITER_NICENESS = 10


@dataclass(frozen=True)
class LogEntry:
    """One answer, as the request saw it, waiting to be written."""

    id: uuid.UUID
    classifier_id: uuid.UUID
    version_number: int
    source: str
    api_key_id: uuid.UUID | None
    created_at: datetime
    name: str
    label_name: str
    unknown: bool
    confidence: float
    unknown_score: float
    margin: float
    latency_ms: float
    picture: bytes | None  # the photo as sent, when the classifier keeps photos


def prediction_record(*, classifier: Classifier, source: str, answers: Sequence[dict],
                      pictures: Sequence[tuple[str, bytes]], latency_ms: float, api_key=None) -> list[uuid.UUID | None]:
    """Keep these answers (from services.prediction.predict_images, in the order of `pictures`, each picture
    its (name, bytes)) in the log; returns the id each will have, or None each when the log is off. Never
    raises and never waits on the database or the disk: the rows are written by the log's thread."""
    if not settings.PREDICTION_LOG or not answers:
        return [None] * len(answers)
    try:
        now = timezone.now()
        keep = classifier.keep_prediction_photos
        entries = [
            LogEntry(
                id=uuid.uuid4(), classifier_id=classifier.id, version_number=int(answer["version"]),
                source=source, api_key_id=getattr(api_key, "id", None), created_at=now, name=str(name)[:255],
                label_name=str(answer["label"])[:100], unknown=bool(answer["unknown"]),
                confidence=float(answer["confidence"]), unknown_score=float(answer["unknown_score"]),
                margin=_margin(answer.get("probabilities") or {}), latency_ms=float(latency_ms),
                picture=data if keep else None,
            )
            for answer, (name, data) in zip(answers, pictures, strict=True)
        ]
        # After commit: a request whose transaction rolls back gave no answer worth keeping, and the thread's
        # own connection would not see rows the request has not committed.
        transaction.on_commit(lambda: prediction_writer.put(entries))
    except Exception:  # the log must never cost an answer
        log.exception("could not keep %s answers of classifier %s in the log", len(answers), classifier.id)
        return [None] * len(answers)
    return [entry.id for entry in entries]


def _margin(probabilities: dict) -> float:
    top = sorted((float(p) for p in probabilities.values()), reverse=True)
    if not top:
        return 0.0
    return top[0] - (top[1] if len(top) > 1 else 0.0)


def predictions_save(entries: Sequence[LogEntry]) -> int:
    """Write these entries: their photos first, then the rows and their tallies in one transaction. Entries
    whose classifier or version is gone meanwhile are skipped. A failing photo costs only that photo; a
    failing database raises, after removing the photos written for the batch. Returns the rows written."""
    versions = {
        (row["classifier_id"], row["number"]): row
        for row in ModelVersion.objects.filter(
            classifier_id__in={e.classifier_id for e in entries}, number__in={e.version_number for e in entries}
        ).values("id", "classifier_id", "number", "labels")
    }
    label_ids = {}  # (version id, class name) -> label id, as the version knew its classes
    for version in versions.values():
        for known in version["labels"] or []:
            label_ids[(version["id"], known.get("name"))] = known.get("id")
    alive = {str(i) for i in Label.objects.filter(id__in=[i for i in label_ids.values() if i])
             .values_list("id", flat=True)}
    rows, written = [], []
    for entry in entries:
        version = versions.get((entry.classifier_id, entry.version_number))
        if version is None:
            continue
        label_id = None if entry.unknown else label_ids.get((version["id"], entry.label_name))
        row = Prediction(
            id=entry.id, classifier_id=entry.classifier_id, version_id=version["id"], created_at=entry.created_at,
            source=entry.source, api_key_id=entry.api_key_id, name=entry.name,
            label_id=label_id if label_id and str(label_id) in alive else None, label_name=entry.label_name,
            confidence=entry.confidence, unknown=entry.unknown, unknown_score=entry.unknown_score,
            margin=entry.margin, latency_ms=entry.latency_ms,
        )
        if entry.picture is not None:
            row.photo.name = _photo_save(row, entry.picture)
            if row.photo.name:
                written.append(row.photo.name)
        rows.append(row)
    try:
        with transaction.atomic():
            Prediction.objects.bulk_create(rows)
            prediction_tallies_add(predictions=rows)
    except Exception:
        prediction_photos_delete(names=written)
        raise
    return len(rows)


def _photo_save(row: Prediction, picture: bytes) -> str:
    """The kept photo's storage name, or "" when it could not be made or written (logged)."""
    try:
        small = thumbnail_jpeg(picture, max_side=PHOTO_SIDE)  # upright, RGB, its metadata stripped
        return default_storage.save(prediction_photo_path(row, ""), ContentFile(small))
    except Exception as exc:  # unreadable for the thumbnail, a full disk, an unwritable folder, a storage error
        log.warning("answer %s is kept without its photo: %r", row.id, exc)
        return ""


class PredictionWriter:
    """The queue of entries waiting to be written and the daemon thread that writes them, one per process
    (started on first use, and again in a process forked from one that had started it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue[LogEntry] = queue.Queue(MAX_WAITING)
        self._dropped = 0
        self._dropped_said_at = 0.0
        self.thread_id: int | None = None  # the writer thread's, once it runs

    def put(self, entries: Sequence[LogEntry]) -> None:
        self._ensure_running()
        for entry in entries:
            try:
                self._queue.put_nowait(entry)
            except queue.Full:
                self._drop(1)

    def flush(self, timeout: float = 30) -> bool:
        """Wait until every entry put so far was written (or given up); False when that took too long."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                # A forked process inherits the queue but not the thread: start afresh.
                self._queue = queue.Queue(MAX_WAITING)
                threading.Thread(target=self._run, args=(self._queue,), name="nanoweb-prediction-log",
                                 daemon=True).start()
                if self._pid is None:
                    # A process that ends normally (a web worker restarted) writes what it gathered first.
                    atexit.register(self.flush, EXIT_FLUSH_SECONDS)
                self._pid = os.getpid()

    def _run(self, waiting: queue.Queue) -> None:
        self.thread_id = threading.get_native_id()
        # Not Linux, or not allowed: the thread keeps the process's priority.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, self.thread_id, os.getpriority(os.PRIO_PROCESS, 0) + WRITER_NICENESS)
        while True:
            try:
                batch = [waiting.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                connection.close()  # idle: hold no database connection
                continue
            gathered_by = time.monotonic() + GATHER_SECONDS
            while len(batch) < MAX_BATCH:
                left = gathered_by - time.monotonic()
                try:
                    batch.append(waiting.get(timeout=left) if left > 0 else waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                predictions_save(batch)
                # Issue 18, webhooks: the "none of these" alert judges these classifiers' last hour soon.
                unknown_alerts_watch(classifier_ids={entry.classifier_id for entry in batch})
            except Exception as exc:  # a locked, full or unreachable database: these entries are lost
                self._drop(len(batch), exc)
                connection.close()  # a broken connection is opened afresh for the next batch
            finally:
                for _ in batch:
                    waiting.task_done()

    def _drop(self, count: int, exc: Exception | None = None) -> None:
        # Said at most once a minute: a database that is down would otherwise fill the log with one line an answer.
        self._dropped += count
        now = time.monotonic()
        if now - self._dropped_said_at >= 60:
            log.warning("the prediction log lost %s answers (%r); the answers themselves were given",
                        self._dropped, exc or "too many waiting")
            self._dropped, self._dropped_said_at = 0, now


prediction_writer = PredictionWriter()


def prediction_log_flush(timeout: float = 30) -> bool:
    """Wait until the answers given so far in this process are written: for tests, commands and shutdown."""
    return prediction_writer.flush(timeout)
