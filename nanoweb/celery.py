"""The Celery app. JSON only, time limits for every task, tasks found in each Django app's tasks.py.

Task state lives in our own models (TrainingRun, SearchJob), so no result backend is configured.
"""

import os

from celery import Celery

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
