"""Celery tasks of the scraper: thin, they take ids and call the service."""

from __future__ import annotations

from celery import shared_task

from scraper.services.search_jobs import search_job_execute


# acks_late + reject_on_worker_lost: a worker killed mid-job hands the message back, and the next worker
# re-claims the orphaned row (see search_job_execute) and tops the class up from where it stopped.
@shared_task(name="scraper.run_search_job", acks_late=True, reject_on_worker_lost=True)
def run_search_job(job_id: str) -> None:
    search_job_execute(job_id=job_id)
