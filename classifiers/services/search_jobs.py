"""Search the web for photos of one class: create a job (queued after commit), run it in a worker, cancel it.

`requested` is how many photos the class should hold when the job is done, so searching again tops the
class up instead of adding the same number again; URLs the class already has are never fetched twice.
Each photo is saved the moment it is accepted, so a failure or a cancel keeps what was found.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from classifiers.models import Label, Photo, SearchJob, empty_counts
from classifiers.services.flags import flags_refresh_quietly
from classifiers.services.jobs import heartbeat, job_claim, job_ended_announce, job_enqueue_on_commit
from classifiers.services.photos import DuplicateImage, Provenance, photo_add_normalised
from nanoweb.errors import Conflict, InvalidInput, refuse_invisible_characters
from scraper.downloader import Downloaded, download_images, fetch_image
from scraper.providers import FAILED, REFUSED, UNREACHABLE, ImageHit, ProviderError, get_provider

logger = logging.getLogger(__name__)
NO_NETWORK = ("NanoWeb cannot reach the internet from this computer, so it cannot search the web for photos. "
              "Drop your own photos here, or check the network connection and search again.")
PROBLEM_WORDS = {
    UNREACHABLE: "{title} could not be reached",
    REFUSED: "{title} refused to search (it blocks or limits automated searches at times)",
    FAILED: "{title} answered with an error",
}
Status = SearchJob.Status
MAX_QUERY_LENGTH = 300
MAX_ATTEMPTS = 3
TASK = "scraper.run_search_job"  # classifiers/tasks.py; the name queued messages carry
FLUSH_SECONDS = 0.5  # live counts reach the database at most this often


def search_job_create(*, label: Label, query: str | None = None, count: int = 20,
                      providers: list[str] | None = None, hold_for_review: bool = False) -> SearchJob:
    query = " ".join((query if query is not None else label.name).split())
    if not query:
        raise InvalidInput("The search phrase is empty.", details={"field": "query"})
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"The search phrase is {len(query)} characters long; keep it to {MAX_QUERY_LENGTH}.",
                           details={"field": "query"})
    refuse_invisible_characters(query, what="search phrase", field="query")
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise InvalidInput("The number of photos must be a whole number.", details={"field": "count"}) from None
    if not 1 <= count <= settings.SEARCH_MAX_COUNT:
        raise InvalidInput(f"Ask for between 1 and {settings.SEARCH_MAX_COUNT} photos.", details={"field": "count"})
    providers = list(dict.fromkeys(providers if providers is not None else settings.SEARCH_PROVIDERS))
    unknown = [p for p in providers if p not in settings.SEARCH_PROVIDER_NAMES]
    if unknown or not providers:
        choices = ", ".join(sorted(settings.SEARCH_PROVIDER_NAMES))
        raise InvalidInput(f"Choose search providers from {choices}.", details={"field": "providers"})
    if SearchJob.objects.filter(label=label, status__in=SearchJob.ACTIVE_STATUSES).exists():
        raise Conflict(f'A search for photos of "{label.name}" is already under way. Wait for it to finish or '
                       "cancel it first.")
    with transaction.atomic():
        job = SearchJob.objects.create(label=label, query=query, requested=count, providers=providers,
                                       hold_for_review=hold_for_review)
        job_enqueue_on_commit(
            job=job, task=TASK, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            unavailable="The task queue is not answering, so the search was not started. Try again in a minute; "
                        "if it keeps happening, the queue service needs attention.")
    return job


def search_job_find_more(*, label: Label, count: int, query: str | None = None,
                         providers: list[str] | None = None) -> SearchJob:
    """"Find N more photos of X": a search that adds up to `count` photos to what the class has now, and
    holds them for review: they are not trained on until a person keeps them."""
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise InvalidInput("The number of photos must be a whole number.", details={"field": "count"}) from None
    have = Photo.objects.filter(label=label).count()
    if count < 1 or have + count > settings.SEARCH_MAX_COUNT:
        room = max(settings.SEARCH_MAX_COUNT - have, 0)
        raise InvalidInput(f"Ask for between 1 and {room} more photos: a search fills a class up to "
                           f"{settings.SEARCH_MAX_COUNT} photos, and “{label.name}” has {have}.",
                           details={"field": "count"})
    return search_job_create(label=label, query=query, count=have + count, providers=providers,
                             hold_for_review=True)


def search_job_cancel(*, job: SearchJob) -> SearchJob:
    """A queued job ends at once; a running one stops after the download in hand. Saved photos stay."""
    now = timezone.now()
    if SearchJob.objects.filter(id=job.id, status=Status.QUEUED).update(
            status=Status.CANCELLED, cancel_requested=True, finished_at=now,
            error="Cancelled before it started; nothing was downloaded."):
        job_ended_announce(SearchJob, job_ids=[job.id])
    SearchJob.objects.filter(id=job.id, status=Status.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def search_job_dismiss(*, job: SearchJob) -> SearchJob:
    """Put a finished search out of sight on the pages; its photos and its yield stay."""
    if job.status in SearchJob.ACTIVE_STATUSES:
        raise Conflict("This search is still under way: stop it first.")
    SearchJob.objects.filter(id=job.id).update(dismissed=True)
    job.dismissed = True
    return job


def search_job_execute(*, job_id) -> None:
    """Claim the job and run it. A job that is not queued (or running but orphaned) is left alone."""
    if job_claim(SearchJob, job_id=job_id, stale_after=timedelta(seconds=settings.SEARCH_JOB_STALE_SECONDS)) is None:
        logger.info("Search job %s is not ours to run (done, cancelled or taken).", job_id)
        return
    job = SearchJob.objects.select_related("label__classifier").get(id=job_id)
    with heartbeat(SearchJob, job.id):
        _SearchRun(job).run()


class _SearchRun:
    def __init__(self, job: SearchJob) -> None:
        self.job = job
        self.label = job.label
        counts = {**empty_counts(), **(job.counts or {})}  # a re-claimed job keeps counting from where it was
        # from the photos it really saved: a killed worker may have saved some after it last wrote its counts
        counts["downloaded"] = max(int(counts["downloaded"]), Photo.objects.filter(search_job=job).count())
        counts["rejected"] = Counter(counts.get("rejected") or {})
        counts.setdefault("provider_errors", {})
        counts.setdefault("provider_problems", {})  # name → {"kind": unreachable|refused|failed, "title"}
        counts.setdefault("providers", {})
        counts["attempts"] = job.attempts  # also in the answer, as it always was
        self.counts = counts
        self.seen = set(Photo.objects.filter(label=self.label).exclude(source_url="")
                        .values_list("source_url", flat=True))
        self.cancelled = False
        self.last_flush = 0.0

    # --- the run -------------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if self.counts["attempts"] > MAX_ATTEMPTS:
                return self.finish(Status.FAILED, "This search stopped NanoWeb's background process several times "
                                                  "and was given up. The photos saved so far are kept.")
            self.counts["requested"] = self.job.requested
            self.counts["had"] = self.counts.get("had", self.photo_count())
            for name in self.job.providers:
                if self.needed() <= 0 or self.check_cancel():
                    break
                self.search_provider(name)
            if self.counts["downloaded"]:
                self.flag_photos()
            self.finish(*self.outcome())
        except SoftTimeLimitExceeded:
            self.finish(Status.FAILED, "The search took longer than the time limit. The photos saved so far are "
                                       "kept; search again to top the class up.")
        except Exception:
            logger.exception("Search job %s failed", self.job.id)
            self.finish(Status.FAILED, "Something went wrong while searching (the details are in NanoWeb's "
                                       "log). The photos saved so far are kept; search again to continue.")

    def search_provider(self, name: str) -> None:
        provider = get_provider(name)
        tally = self.counts["providers"].setdefault(name, {"found": 0, "downloaded": 0})
        per_page = max(10, min(50, 2 * self.needed()))  # fixed for this provider so its pages stay aligned
        cursor = None
        for _page in range(settings.SEARCH_MAX_PAGES):
            try:
                page = provider.search(self.job.query, cursor=cursor, per_page=per_page)
            except ProviderError as exc:
                self.counts["provider_errors"][name] = exc.message
                self.counts["provider_problems"][name] = {"kind": exc.kind, "title": provider.title}
                logger.info("Search job %s: %s", self.job.id, exc.message)
                return
            new = []
            for hit in page.hits:
                if hit.image_url not in self.seen:
                    self.seen.add(hit.image_url)
                    new.append(hit)
            self.counts["found"] += len(new)
            tally["found"] += len(new)
            self.flush(force=True)
            self.download(new, name, tally)
            if self.needed() <= 0 or self.cancelled or page.next is None:
                return
            cursor = page.next

    def download(self, hits: list[ImageHit], provider: str, tally: dict) -> None:
        while hits and self.needed() > 0 and not self.cancelled:
            # A few more than still needed, since some will be refused; not the whole page at once.
            batch, hits = hits[: 2 * self.needed() + 4], hits[2 * self.needed() + 4:]
            by_url = {hit.image_url: hit for hit in batch}
            results = download_images(by_url, trust_search_host=True)
            try:
                for done in results:
                    self.keep(done, by_url[done.url], provider, tally)
                    self.flush()
                    if self.needed() <= 0 or self.check_cancel():
                        break
            finally:
                results.close()

    def keep(self, done: Downloaded, hit: ImageHit, provider: str, tally: dict) -> None:
        if done.error is not None and done.error.code == "http_error" and hit.alternate_url:
            done = fetch_image(hit.alternate_url, trust_search_host=True)
        if done.error is not None:
            self.counts["rejected"][done.error.code] += 1
            return
        provenance = Provenance(
            provider=provider, original_name=done.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1],
            source_url=hit.image_url, page_url=hit.page_url, title=hit.title, license=hit.license,
            license_url=hit.license_url, author=hit.author, fetched_at=timezone.now(), search_job=self.job,
            awaiting_review=self.job.hold_for_review)
        try:
            photo_add_normalised(label=self.label, image=done.image, provenance=provenance)
        except DuplicateImage:
            self.counts["duplicates"] += 1
            return
        self.counts["downloaded"] += 1
        tally["downloaded"] += 1

    def flag_photos(self) -> None:
        """Judge the class's new photos against the whole classifier before the job says it is done. The
        photos are saved either way: a flagging failure is logged and the search still succeeds."""
        SearchJob.objects.filter(id=self.job.id).update(heartbeat_at=timezone.now())
        flags_refresh_quietly(classifier=self.label.classifier)

    # --- bookkeeping ---------------------------------------------------------------------------------
    def photo_count(self) -> int:
        return Photo.objects.filter(label=self.label).count()

    def needed(self) -> int:
        return self.job.requested - self.photo_count()

    def check_cancel(self) -> bool:
        if not self.cancelled:
            self.cancelled = SearchJob.objects.filter(id=self.job.id, cancel_requested=True).exists()
        return self.cancelled

    def flush(self, *, force: bool = False) -> None:
        if force or time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            SearchJob.objects.filter(id=self.job.id).update(counts=self._counts_json(), heartbeat_at=timezone.now())
            self.last_flush = time.monotonic()

    def _counts_json(self) -> dict:
        return {**self.counts, "rejected": dict(self.counts["rejected"])}

    def outcome(self) -> tuple[str, str]:
        have, requested = self.photo_count(), self.job.requested
        saved = self.counts["downloaded"]
        if self.check_cancel():
            photos = "1 photo saved before that is" if saved == 1 else f"{saved} photos saved before that are"
            kept = f"The {photos} kept"
            return Status.CANCELLED, f"Cancelled. {kept}; search again to top the class up."
        if have >= requested:
            if saved == 0 and self.counts["had"] >= requested:
                photos = "1 photo" if have == 1 else f"{have} photos"
                return Status.SUCCEEDED, (f'"{self.label.name}" already has {photos}, as many as asked for; '
                                          "ask for a larger number to add more.")
            return Status.SUCCEEDED, ""
        why = self._shortfall_reasons()
        if saved == 0:
            problems = self.counts["provider_problems"]
            kinds = {p["kind"] for p in problems.values()}
            if len(problems) == len(self.job.providers) and kinds == {UNREACHABLE}:
                return Status.FAILED, NO_NETWORK
            if self.counts["found"] == 0 and not problems:
                return Status.FAILED, (f"No photos were found for “{self.job.query}”. Try other words (shorter, more "
                                       "common, or in English), or upload photos yourself.")
            if problems and self.counts["found"] == 0:
                return Status.FAILED, f"No photos were added: {why} {self._advice()}"
            return Status.FAILED, f"No photos were added: {why} Try another search phrase, or upload photos yourself."
        return Status.SUCCEEDED, (f"Found {have} of the {requested} photos asked for: {why} Try another search "
                                  "phrase or search again later to top the class up.")

    def _advice(self) -> str:
        kinds = {p["kind"] for p in self.counts["provider_problems"].values()}
        if REFUSED in kinds:
            return ("Search engines block or limit automated searches from time to time: try again in a few "
                    "minutes, or choose another search engine under “Where”.")
        if UNREACHABLE in kinds:
            return "Try again later, or choose another search engine under “Where”."
        return "Try again later, choose another search engine under “Where”, or upload photos yourself."

    def _shortfall_reasons(self) -> str:
        parts = []
        problems = self.counts["provider_problems"]
        if problems:
            # The raw errors are kept in provider_errors, for the page's "details" fold.
            parts.append("; ".join(PROBLEM_WORDS[p["kind"]].format(title=p["title"]) for p in problems.values())
                         + ".")
        if len(problems) < len(self.job.providers):
            parts.append("the search results ran out.")
        rejected = self.counts["rejected"]
        if rejected or self.counts["duplicates"]:
            bits = [f"{n} {code.replace('_', ' ')}" for code, n in rejected.most_common()]
            if self.counts["duplicates"]:
                bits.append(f"{self.counts['duplicates']} duplicates")
            parts.append(f"Of the {self.counts['found']} found, these were refused: {', '.join(bits)}.")
        text = " ".join(parts) or "the search found nothing."
        return text[0].upper() + text[1:]

    def finish(self, status: str, error: str) -> None:
        SearchJob.objects.filter(id=self.job.id).update(
            status=status, error=error, counts=self._counts_json(), finished_at=timezone.now(),
            heartbeat_at=timezone.now())
        job_ended_announce(SearchJob, job_ids=[self.job.id])
