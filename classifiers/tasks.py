"""Celery tasks of the classifiers app: thin, they take ids and call the service."""

from __future__ import annotations

from celery import shared_task

from classifiers import warmup  # noqa: F401  (connects the signal that warms each worker process up for training)
from classifiers.services.training import TransientError, training_run_execute, training_run_give_up

MAX_RETRIES = 3


@shared_task(bind=True, name="classifiers.train_classifier", acks_late=True, reject_on_worker_lost=True)
def train_classifier(self, run_id: str) -> None:
    # Claiming the row makes a second delivery of the same task a no-op, so acks_late is safe.
    try:
        training_run_execute(run_id=run_id)
    except TransientError as exc:
        if self.request.retries >= MAX_RETRIES:
            training_run_give_up(run_id=run_id, reason=str(exc))
            return
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
