"""Webhooks: addresses of a classifier's owner that NanoWeb calls when a training ends, a web search ends, or
too many answers of the last hour were "none of these" (that last check: services/unknown_alert.py).

Each event becomes one WebhookDelivery per webhook that wants it (at most one per webhook, event and
subject, however often the event is announced); a Celery task, sent by name, makes the call through the
scraper's safe HTTP (private addresses refused unless NANOWEB_ALLOW_PRIVATE_URLS, one total time limit) and
is retried with back-off until the server answers 2xx or NANOWEB_WEBHOOK_ATTEMPTS tries have failed.

What is sent (docs/webhooks.md shows how to check it):
- the body, JSON: {"id", "event", "created_at", "classifier_id", "classifier_name", "details": {...}};
- X-NanoWeb-Timestamp: the Unix time of this try; X-NanoWeb-Signature: "sha256=" + the hex HMAC-SHA256 of
  "<timestamp>.<body>" keyed with the webhook's secret. The timestamp is signed too, so a receiver that
  refuses old timestamps cannot be fed a recorded call again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from classifiers.models import Classifier, Job, SearchJob, TrainingRun, Webhook, WebhookDelivery
from classifiers.services.jobs import job_send
from nanoweb.errors import Conflict, InvalidInput
from scraper import safehttp

log = logging.getLogger(__name__)
Event = Webhook.Event
Delivery = WebhookDelivery.Status

DELIVER_TASK = "classifiers.deliver_webhook"
MAX_WEBHOOKS_PER_CLASSIFIER = 10
# Events an owner can choose; a test call ("ping") is always allowed.
CHOOSABLE_EVENTS = (Event.TRAINING_FINISHED, Event.SEARCH_FINISHED, Event.UNKNOWN_SHARE_HIGH)
DEFAULT_UNKNOWN_SHARE_THRESHOLD = 0.3
SECRET_PREFIX = "whsec_"  # noqa: S105 - marks a webhook secret, is not one
# What is kept of a server's answer: enough to recognise an error page, not a whole page.
EXCERPT_CHARS = 300
ENDED = (Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED)
# A pending delivery this far past its planned try lost its task's message: it is sent again.
LOST_AFTER = timedelta(minutes=5)


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-NanoWeb-Signature header of a body sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _checked_url(url: str) -> str:
    try:
        return safehttp.check_url(url)
    except safehttp.FetchError as exc:
        raise InvalidInput(exc.message, details={"field": "url"}) from None


def _checked_events(events: list[str], threshold: float | None) -> tuple[list[str], float | None]:
    unknown = [event for event in events if event not in CHOOSABLE_EVENTS]
    if unknown:
        choices = ", ".join(CHOOSABLE_EVENTS)
        raise InvalidInput(f"“{unknown[0]}” is not an event NanoWeb sends; choose among {choices}.",
                           details={"field": "events"})
    if not events:
        raise InvalidInput("Choose at least one thing to be told about.", details={"field": "events"})
    if Event.UNKNOWN_SHARE_HIGH not in events:
        return list(dict.fromkeys(events)), None
    threshold = DEFAULT_UNKNOWN_SHARE_THRESHOLD if threshold is None else threshold
    if not 0 < threshold < 1:
        raise InvalidInput("The share of “none of these” answers must be between 0 and 100 %, not "
                           f"{threshold * 100:g} %.", details={"field": "unknown_share_threshold"})
    return list(dict.fromkeys(events)), threshold


def webhook_create(*, classifier: Classifier, url: str, events: list[str],
                   unknown_share_threshold: float | None = None) -> Webhook:
    """A new webhook; its `secret` is on the returned object, to be shown to the owner this once."""
    url = _checked_url(url)
    events, threshold = _checked_events(events, unknown_share_threshold)
    if Webhook.objects.filter(classifier=classifier).count() >= MAX_WEBHOOKS_PER_CLASSIFIER:
        raise Conflict(f"A classifier can call at most {MAX_WEBHOOKS_PER_CLASSIFIER} addresses; remove one first.")
    return Webhook.objects.create(classifier=classifier, url=url, events=events, unknown_share_threshold=threshold,
                                  secret=SECRET_PREFIX + secrets.token_urlsafe(32))


def webhook_update(*, webhook: Webhook, url: str | None = None, events: list[str] | None = None,
                   unknown_share_threshold: float | None = None) -> Webhook:
    """Change what is given; a changed threshold re-arms the alert, so the next crossing is sent."""
    if url is not None:
        webhook.url = _checked_url(url)
    chosen = webhook.events if events is None else events
    threshold = webhook.unknown_share_threshold if unknown_share_threshold is None else unknown_share_threshold
    webhook.events, new_threshold = _checked_events(chosen, threshold)
    if new_threshold != webhook.unknown_share_threshold:
        webhook.unknown_alert_raised = False
    webhook.unknown_share_threshold = new_threshold
    webhook.save()
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """The webhook and its delivery log go; a retry still queued finds no row and does nothing."""
    webhook.delete()


def _body(classifier: Classifier, event: str, details: dict, delivery_id: uuid.UUID) -> str:
    return json.dumps({
        "id": str(delivery_id), "event": event, "created_at": timezone.now().isoformat(),
        "classifier_id": str(classifier.id), "classifier_name": classifier.name, "details": details,
    }, separators=(",", ":"))


def _enqueue_on_commit(delivery: WebhookDelivery) -> None:
    def send() -> None:
        try:
            job_send(task=DELIVER_TASK, job_id=delivery.id)
        except Exception as exc:  # the broker is down: the event is lost for this webhook, the rest goes on
            log.warning("could not queue webhook delivery %s: %r", delivery.id, exc)
            WebhookDelivery.objects.filter(id=delivery.id, status=Delivery.PENDING).update(
                status=Delivery.FAILED, error="NanoWeb's task queue could not be reached, so this was not sent.")

    transaction.on_commit(send)


def webhook_event_send(*, classifier: Classifier, event: str, subject: str, details: dict,
                       webhooks: list[Webhook] | None = None) -> list[WebhookDelivery]:
    """One delivery for each webhook of `classifier` that wants `event` (or each of `webhooks`), queued on
    commit. An event already delivered to a webhook for this subject is not sent to it again."""
    if webhooks is None:
        webhooks = [hook for hook in classifier.webhooks.all() if event in hook.events]
    made = []
    for webhook in webhooks:
        delivery_id = uuid.uuid4()
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    id=delivery_id, webhook=webhook, event=event, subject=subject,
                    body=_body(classifier, event, details, delivery_id))
        except IntegrityError:  # announced before (a job ended and was announced by two processes)
            continue
        _enqueue_on_commit(delivery)
        made.append(delivery)
    return made


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """A test call, so the owner sees at once whether their server receives and accepts the calls."""
    classifier = webhook.classifier
    return webhook_event_send(
        classifier=classifier, event=Event.PING, subject=f"ping-{uuid.uuid4()}", webhooks=[webhook],
        details={"message": f"A test call from NanoWeb for “{classifier.name}”."})[0]


def _training_details(run: TrainingRun) -> dict:
    return {"run_id": str(run.id), "status": run.status, "error": run.error,
            "version": run.version.number if run.version else None,
            "accuracy": (run.metrics or {}).get("accuracy") if run.status == Job.Status.SUCCEEDED else None}


def _search_details(job: SearchJob) -> dict:
    counts = job.counts or {}
    return {"search_id": str(job.id), "status": job.status, "error": job.error, "label_id": str(job.label_id),
            "label": job.label.name, "query": job.query, "requested": job.requested,
            "downloaded": counts.get("downloaded", 0)}


def webhooks_job_ended(sender, *, job_ids: list[str], **kwargs) -> None:
    """jobs.job_ended's listener (connected in apps.py): a training or a search ended."""
    if sender is TrainingRun:
        rows = TrainingRun.objects.filter(id__in=job_ids, status__in=ENDED, classifier__webhooks__isnull=False)
        for run in rows.distinct().select_related("classifier", "version"):
            webhook_event_send(classifier=run.classifier, event=Event.TRAINING_FINISHED, subject=str(run.id),
                               details=_training_details(run))
    elif sender is SearchJob:
        rows = SearchJob.objects.filter(id__in=job_ids, status__in=ENDED, label__classifier__webhooks__isnull=False)
        for job in rows.distinct().select_related("label__classifier"):
            webhook_event_send(classifier=job.label.classifier, event=Event.SEARCH_FINISHED, subject=str(job.id),
                               details=_search_details(job))


def _outcome(answer: safehttp.Fetched | None, failure: safehttp.FetchError | None) -> tuple[bool, str]:
    """(delivered, what went wrong in words)."""
    if failure is not None:
        return False, failure.message
    if 200 <= answer.status < 300:
        return True, ""
    if 300 <= answer.status < 400:
        return False, (f"Its server answered {answer.status}, a redirect. Webhooks do not follow redirects: "
                       "give the address the redirect points to.")
    return False, f"Its server answered {answer.status}, not 2xx."


def webhook_delivery_attempt(*, delivery_id) -> float | None:
    """Make one try of a pending delivery. Returns the seconds to wait before the next try, or None when
    there is nothing more to do (delivered, given up, or the delivery or its webhook is gone)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(id=delivery_id,
                                                                        status=Delivery.PENDING).first()
    if delivery is None:
        return None
    # The try is ours only if no other process counted it first (a task delivered twice calls once).
    if not WebhookDelivery.objects.filter(id=delivery.id, status=Delivery.PENDING,
                                          attempts=delivery.attempts).update(attempts=F("attempts") + 1):
        return None
    attempt = delivery.attempts + 1
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-NanoWeb-Event": delivery.event,
        "X-NanoWeb-Delivery": str(delivery.id),
        "X-NanoWeb-Timestamp": str(timestamp),
        "X-NanoWeb-Signature": webhook_signature(secret=delivery.webhook.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    answer, failure = None, None
    try:
        answer = safehttp.post(delivery.webhook.url, body=body, headers=headers, max_bytes=EXCERPT_CHARS * 4,
                               timeout=settings.WEBHOOK_TIMEOUT)
    except safehttp.FetchError as exc:
        failure = exc
    delivered, error = _outcome(answer, failure)
    # An address NanoWeb may never call does not become callable by waiting.
    hopeless = failure is not None and failure.code in ("blocked_address", "bad_url")
    wait = None
    if delivered:
        status = Delivery.DELIVERED
    elif hopeless or attempt >= settings.WEBHOOK_ATTEMPTS:
        status = Delivery.FAILED
        error = f"{error} Gave up after {attempt} tr{'y' if attempt == 1 else 'ies'}."
    else:
        status = Delivery.PENDING
        wait = settings.WEBHOOK_RETRY_SECONDS * 2 ** (attempt - 1)
        error = f"{error} Trying again in {wait:g} s."
    now = timezone.now()
    WebhookDelivery.objects.filter(id=delivery.id).update(
        status=status, attempted_at=now, error=error[:500], next_attempt_at=now + timedelta(seconds=wait or 0),
        response_status=answer.status if answer else None,
        response_ms=round((time.monotonic() - started) * 1000),
        response_excerpt=answer.content.decode("utf-8", "replace")[:EXCERPT_CHARS] if answer else "")
    return wait


def webhook_deliveries_resend() -> int:
    """Send again the pending deliveries whose try is overdue by LOST_AFTER: their task's message was lost (a
    worker killed while it held a retry, a broker restarted without its data). Called by the workers'
    recovery loop; moving the due time first makes one worker of several send each. Returns how many."""
    now = timezone.now()
    resent = 0
    overdue = WebhookDelivery.objects.filter(status=Delivery.PENDING, next_attempt_at__lt=now - LOST_AFTER)
    for delivery_id, due in overdue.values_list("id", "next_attempt_at")[:100]:
        if WebhookDelivery.objects.filter(id=delivery_id, status=Delivery.PENDING, next_attempt_at=due).update(
                next_attempt_at=now):
            job_send(task=DELIVER_TASK, job_id=delivery_id)
            resent += 1
    return resent
