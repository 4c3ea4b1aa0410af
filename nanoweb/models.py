"""Worker pings: proof that a worker consumes the queue."""

from __future__ import annotations

import uuid

from django.db import models


class WorkerPing(models.Model):
    """Written by the web process, answered by a worker: proves a worker is consuming the queue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
