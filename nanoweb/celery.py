"""The Celery app. JSON only, time limits for every task, tasks found in each Django app's tasks.py.

Task state lives in our own models (TrainingRun, SearchJob), so no result backend is configured. The
worker's signals are wired here, in one place: each new task process warms up for training, and each worker
runs the loop that recovers work orphaned by a dead worker. Their handlers import the app code only when
they fire, since this module loads before Django's apps are ready.
"""

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready, worker_shutdown

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


@worker_ready.connect
def start_recovery(**kwargs) -> None:
    from classifiers.services.recovery import recovery_loop

    recovery_loop.start()


@worker_shutdown.connect
def stop_recovery(**kwargs) -> None:
    from classifiers.services.recovery import recovery_loop

    recovery_loop.stop()
