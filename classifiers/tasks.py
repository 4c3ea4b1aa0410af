"""Celery tasks of the classifiers app: thin, they take ids and call the service.

Task names are what queued messages carry, so they stay as they were when the search task lived in the
scraper app: a message queued before an upgrade still finds its task.
"""

from __future__ import annotations

from celery import shared_task

from classifiers.services.search_jobs import search_job_execute
from classifiers.services.training import TransientError, training_run_execute, training_run_give_up
from classifiers.services.unknown_alert import unknown_share_check
from classifiers.services.webhooks import webhook_delivery_attempt
from classifiers.services.workers import worker_answer

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


# acks_late + reject_on_worker_lost: a worker killed mid-job hands the message back, and the next worker
# re-claims the orphaned row (see search_job_execute) and tops the class up from where it stopped.
@shared_task(name="scraper.run_search_job", acks_late=True, reject_on_worker_lost=True)
def run_search_job(job_id: str) -> None:
    search_job_execute(job_id=job_id)


# A worker's ping to itself (classifiers/services/workers.py): answered only when its pool takes tasks.
@shared_task(name="classifiers.worker_alive", ignore_result=True)
def worker_alive(node: str, instance: str) -> None:
    worker_answer(node=node, instance=instance)


# One try of a webhook call; the service says how long to wait before the next (back-off), or that it is done.
@shared_task(bind=True, name="classifiers.deliver_webhook", ignore_result=True)
def deliver_webhook(self, delivery_id: str) -> None:
    wait = webhook_delivery_attempt(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait, max_retries=None)  # the delivery row counts the tries


# The "none of these" share of a classifier's last hour, against its webhooks' thresholds.
@shared_task(name="classifiers.check_unknown_share", ignore_result=True)
def check_unknown_share(classifier_id: str) -> None:
    unknown_share_check(classifier_id=classifier_id)
