import socket

from celery import shared_task
from django.utils import timezone

from nanoweb.models import WorkerPing


@shared_task(name="nanoweb.answer_ping")
def answer_ping(ping_id: str) -> None:
    WorkerPing.objects.filter(id=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker=socket.gethostname()
    )
