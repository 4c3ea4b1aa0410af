"""The Celery app. JSON only, time limits for every task, tasks found in each Django app's tasks.py.

Task state lives in our own models (TrainingRun, SearchJob), so no result backend is configured. The
worker's signals are wired here, in one place: each new task process warms up for training, and each worker
reads a queue of its own and runs the loop that reports it and recovers work orphaned by a dead worker.
Their handlers import the app code only when they fire, since this module loads before Django's apps are
ready.
"""

import logging
import os

from celery import Celery
from celery.signals import celeryd_after_setup, worker_init, worker_process_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanoweb.settings")

app = Celery("nanoweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    result_backend=None,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()


@worker_process_init.connect
def warm_up_for_training(**kwargs) -> None:
    from classifiers.warmup import warm_up_in_background

    warm_up_in_background()


@worker_init.connect
def know_this_worker(sender, **kwargs) -> None:
    """In the main process, before the pool processes are forked: they inherit who claims their jobs."""
    from classifiers.services.workers import worker_identity_set

    worker_identity_set(node=sender.hostname, concurrency=sender.concurrency)


@celeryd_after_setup.connect
def read_own_queue(sender, instance, **kwargs) -> None:
    """The queue only this worker reads, for the ping it sends itself (classifiers/services/workers.py)."""
    from classifiers.services.workers import worker_queue

    instance.app.amqp.queues.select_add(worker_queue(sender))


@worker_ready.connect
def start_recovery(**kwargs) -> None:
    from celery.worker import state

    from classifiers.services.recovery import recovery_loop

    recovery_loop.start(active=lambda: len(state.active_requests))


@worker_shutdown.connect
def stop_recovery(**kwargs) -> None:
    from classifiers.services.recovery import recovery_loop
    from classifiers.services.workers import this_worker, worker_gone

    recovery_loop.stop()
    if this_worker.instance:
        try:
            worker_gone(node=this_worker.node, instance=this_worker.instance)
        except Exception:  # the database may be gone too; the row then ages out
            logging.getLogger(__name__).warning("could not remove this worker's row", exc_info=True)
