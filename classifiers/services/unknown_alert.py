"""The "none of these" alert: a webhook is called once each time the share of "none of these" answers in the
last hour goes above the threshold its owner set, not once per answer.

The log's writer thread (services/predictions_log.py) calls `unknown_alerts_watch` with the classifiers it
just wrote answers of; off the answer path, and at most once per classifier every
NANOWEB_UNKNOWN_ALERT_CHECK_SECONDS (a key in the cache), it sends the check task by name to run at the end
of that window, so the answers given meanwhile count too. The check compares the last hour with each
webhook's threshold: above it and not yet raised, the alert is raised (a conditional UPDATE, so two checks
send one call) and sent; back under it, the alert is cleared, ready for the next crossing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from classifiers.models import Classifier, Prediction, Webhook
from classifiers.services.jobs import job_send
from classifiers.services.webhooks import webhook_event_send

log = logging.getLogger(__name__)

CHECK_TASK = "classifiers.check_unknown_share"
WINDOW = timedelta(hours=1)


def _watched(classifier_ids: Iterable) -> set:
    """The classifiers among these with a webhook that wants the alert (events are read here, not in SQL:
    SQLite, which `make run` uses, cannot look inside a JSON list)."""
    hooks = Webhook.objects.filter(classifier_id__in=list(classifier_ids), unknown_share_threshold__isnull=False)
    return {cid for cid, events in hooks.values_list("classifier_id", "events")
            if Webhook.Event.UNKNOWN_SHARE_HIGH in events}


def unknown_alerts_watch(*, classifier_ids: Iterable) -> None:
    """New answers of these classifiers were logged: have their share judged soon. Never raises."""
    try:
        due = [cid for cid in set(classifier_ids)
               if cache.add(f"unknown-alert-check:{cid}", 1, timeout=settings.UNKNOWN_ALERT_CHECK_SECONDS)]
        for classifier_id in _watched(due) if due else ():
            job_send(task=CHECK_TASK, job_id=classifier_id, countdown=settings.UNKNOWN_ALERT_CHECK_SECONDS)
    except Exception:  # the queue or the cache is down: the next window tries again
        log.warning("could not have the 'none of these' share of %s checked", classifier_ids, exc_info=True)


def unknown_share_last_hour(classifier_id) -> tuple[int, int]:
    """(answers, of which "none of these") in the last hour."""
    counts = Prediction.objects.filter(classifier_id=classifier_id, created_at__gte=timezone.now() - WINDOW) \
        .aggregate(total=Count("id"), unknown=Count("id", filter=Q(unknown=True)))
    return counts["total"], counts["unknown"]


def unknown_share_check(*, classifier_id) -> int:
    """Raise or clear each webhook's alert from the last hour's answers; returns how many alerts were sent."""
    classifier = Classifier.objects.filter(id=classifier_id).first()
    if classifier is None:
        return 0
    total, unknown = unknown_share_last_hour(classifier_id)
    share = unknown / total if total else 0.0
    sent = 0
    for hook in classifier.webhooks.filter(unknown_share_threshold__isnull=False):
        if Webhook.Event.UNKNOWN_SHARE_HIGH not in hook.events:
            continue
        enough = total >= settings.UNKNOWN_ALERT_MIN_ANSWERS
        if enough and share > hook.unknown_share_threshold:
            if Webhook.objects.filter(id=hook.id, unknown_alert_raised=False).update(unknown_alert_raised=True):
                details = {"unknown_share": round(share, 4), "threshold": hook.unknown_share_threshold,
                           "answers": total, "unknown_answers": unknown, "window_minutes": 60}
                sent += len(webhook_event_send(
                    classifier=classifier, event=Webhook.Event.UNKNOWN_SHARE_HIGH, webhooks=[hook],
                    subject=f"unknown-{timezone.now().isoformat()}", details=details))
        elif total == 0 or (enough and share <= hook.unknown_share_threshold):
            Webhook.objects.filter(id=hook.id, unknown_alert_raised=True).update(unknown_alert_raised=False)
    return sent
