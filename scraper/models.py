"""Search jobs: one web search for photos of one label."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


def empty_counts() -> dict:
    return {"found": 0, "downloaded": 0, "duplicates": 0, "rejected": {}}


class SearchJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.ForeignKey("classifiers.Label", on_delete=models.CASCADE, related_name="search_jobs")
    query = models.CharField(max_length=300)
    requested = models.PositiveIntegerField()
    providers = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # found, downloaded, duplicates, rejected: {reason: n}; per provider errors under "provider_errors".
    counts = models.JSONField(default=empty_counts)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The photos it adds wait for review and are not trained on until kept ("find N more photos of X").
    hold_for_review = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One search at a time per class: two would race to top up the same class.
            models.UniqueConstraint(
                fields=["label"], condition=Q(status__in=["queued", "running"]), name="one_active_search_per_label"
            )
        ]
