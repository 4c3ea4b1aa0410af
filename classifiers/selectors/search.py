"""Reads of web searches: what a search yielded, from asking to photos worth training on, and its progress
in words for the pages.

asked: the new photos the search was to add (the class's target minus what it had); found, saved
(downloaded), duplicates and refused by reason come from the job's counts; of the saved photos still in
the class, `usable` are those neither flagged nor waiting for review (a kept photo counts: keeping clears
its flags), `flagged` those with a doubt to look at, `waiting` those a "find more" search holds for
review; `moved` went to another class, `dropped` were deleted.

Both surfaces say a search's yield with one sentence, "asked 20 → found 34 → saved 17 (2 duplicates
refused) → ...", and differ only in how it ends: the pages count the photos kept, the API the usable ones.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, Q, QuerySet

from classifiers.models import Classifier, Label, SearchJob
from classifiers.selectors.workers import workers_availability

FIELDS = ("asked", "found", "downloaded", "duplicates", "rejected", "usable", "flagged", "waiting", "moved",
          "dropped")


def search_jobs_with_yield(jobs: QuerySet[SearchJob]) -> QuerySet[SearchJob]:
    """The jobs with what search_job_yield needs, counted in the same query."""
    here = Q(photos__label_id=F("label_id"))
    flagged = here & ~Q(photos__flags={})
    return jobs.annotate(
        photos_here=Count("photos", filter=here),
        photos_flagged=Count("photos", filter=flagged),
        photos_waiting=Count("photos", filter=here & Q(photos__flags={}, photos__awaiting_review=True)),
        photos_moved=Count("photos", filter=~here),
    )


YIELD_COUNTS = ("photos_here", "photos_flagged", "photos_waiting", "photos_moved")


def search_job_with_yield(job: SearchJob) -> SearchJob:
    """The job with its yield counted now, for an answer about one job. The counts are set on the object in
    hand rather than on a fresh copy, so the rest of the answer says what the caller's job says."""
    counted = search_jobs_with_yield(SearchJob.objects.filter(id=job.id)).values(*YIELD_COUNTS).get()
    for name, value in counted.items():
        setattr(job, name, value)
    return job


def label_search_jobs(label: Label) -> QuerySet[SearchJob]:
    """A class's searches, newest first, with their yields counted."""
    return search_jobs_with_yield(label.search_jobs.order_by("-created_at"))


def search_jobs_by_label(classifier: Classifier) -> dict:
    """label id → its searches, newest first, each with `kept`: its photos still in the classifier."""
    by_label: dict = {}
    for job in (SearchJob.objects.filter(label__classifier=classifier).annotate(kept=Count("photos"))
                .order_by("-created_at")):
        by_label.setdefault(job.label_id, []).append(job)
    return by_label


def _asked(job: SearchJob) -> int:
    had = (job.counts or {}).get("had")
    return max(job.requested - int(had), 0) if had is not None else job.requested


def _saved(counts: dict, photos_of_the_job: int) -> int:
    """Photos the search saved: its count, or the photos that name it when there are more. A worker killed
    between saving photos and writing its count leaves the count short, and its next attempt counts on from
    there; the photos themselves are what the search really saved."""
    return max(int(counts.get("downloaded", 0)), photos_of_the_job)


def refused_in_words(duplicates: int, rejected: dict[str, int]) -> str:
    """' (2 duplicates, 1 not an image refused)', the most frequent reason first; '' when none was."""
    refused = [f"{duplicates} duplicate{'s' if duplicates != 1 else ''}"] if duplicates else []
    refused += [f"{n} {str(code).replace('_', ' ')}" for code, n in sorted(rejected.items(), key=lambda kv: -kv[1])
                if n]
    return f" ({', '.join(refused)} refused)" if refused else ""


def yield_in_words(*, asked: int, found: int, saved: int, duplicates: int, rejected: dict[str, int],
                   outcome: str) -> str:
    """"asked 50 → found 80 → saved 40 (3 duplicates, 2 not an image refused) → <outcome>"."""
    return f"asked {asked} → found {found} → saved {saved}{refused_in_words(duplicates, rejected)} → {outcome}"


def _yield_summary(y: dict) -> str:
    """The API's ending: how many saved photos are usable, then the others by what became of them."""
    rest = [f"{y[k]} {word}" for k, word in (("flagged", "flagged"), ("waiting", "waiting for review"),
                                              ("moved", "moved to another class"), ("dropped", "dropped")) if y[k]]
    outcome = f"{y['usable']} usable" + (f" ({', '.join(rest)})" if rest else "")
    return yield_in_words(asked=y["asked"], found=y["found"], saved=y["downloaded"], duplicates=y["duplicates"],
                          rejected=y["rejected"], outcome=outcome)


def search_job_yield(job: SearchJob) -> dict:
    """The yield of a job read through search_jobs_with_yield (no query of its own)."""
    counts = job.counts or {}
    downloaded = _saved(counts, job.photos_here + job.photos_moved)
    result = {
        "asked": _asked(job),
        "found": int(counts.get("found", 0)),
        "downloaded": downloaded,
        "duplicates": int(counts.get("duplicates", 0)),
        "rejected": {str(k): int(v) for k, v in (counts.get("rejected") or {}).items() if v},
        "usable": job.photos_here - job.photos_flagged - job.photos_waiting,
        "flagged": job.photos_flagged,
        "waiting": job.photos_waiting,
        "moved": job.photos_moved,
        "dropped": max(downloaded - job.photos_here - job.photos_moved, 0),
    }
    result["summary"] = _yield_summary(result)
    return result


def label_yields(jobs: list[SearchJob]) -> dict:
    """The yields of several searches of one class added up, with their summary in words."""
    total: dict = {field: 0 for field in FIELDS}
    rejected: Counter = Counter()
    for job in jobs:
        one = search_job_yield(job)
        for field in FIELDS:
            if field == "rejected":
                rejected.update(one["rejected"])
            else:
                total[field] += one[field]
    total["rejected"] = dict(rejected)
    total["searches"] = len(jobs)
    total["summary"] = _yield_summary(total)
    return total


def classifier_search_yields(classifier: Classifier) -> list[dict]:
    """One row a class, in the classes' order: its id and name with its searches' yields added up."""
    jobs = list(search_jobs_with_yield(SearchJob.objects.filter(label__classifier=classifier)))
    rows = []
    for label in classifier.labels.order_by("created_at", "name"):
        mine = [job for job in jobs if job.label_id == label.id]
        rows.append({"label": label.id, "name": label.name, **label_yields(mine)})
    return rows


# Why a finished search found nothing, in the words the pages lead with; the advice is in the job's note.
OFFLINE, REFUSED, NO_RESULTS = "offline", "refused", "no_results"
HEADLINES = {
    OFFLINE: "Could not search for “{query}”: this computer is not connected to the internet",
    REFUSED: "Could not search for “{query}”: the search engine would not answer just now",
    NO_RESULTS: "No photos found for “{query}”",
}
# A search ended offline this recently (the owner's last searches, newest first) means searching cannot
# work now: the pages stop offering it until one succeeds or the person asks to check again.
RECENT_SEARCHES = 2


def search_job_problem(job: SearchJob) -> str:
    """OFFLINE, REFUSED or NO_RESULTS for a search that ended with nothing saved for that reason; else ''."""
    if job.status != SearchJob.Status.FAILED:
        return ""
    counts = job.counts or {}
    if int(counts.get("downloaded", 0)):
        return ""
    problems = counts.get("provider_problems") or {}
    kinds = {p.get("kind") for p in problems.values() if isinstance(p, dict)}
    if problems and kinds == {"unreachable"} and len(problems) >= len(job.providers or [None]):
        return OFFLINE
    if "refused" in kinds and not int(counts.get("found", 0)):
        return REFUSED
    if not problems and not int(counts.get("found", 0)) and not counts.get("provider_errors"):
        return NO_RESULTS
    return ""


def searching_is_offline(owner) -> bool:
    """Whether the owner's last searches (up to RECENT_SEARCHES, cancelled ones aside) all ended because
    this computer could not reach the internet."""
    recent = list(SearchJob.objects.filter(label__classifier__owner=owner,
                                           status__in=[SearchJob.Status.SUCCEEDED, SearchJob.Status.FAILED])
                  .order_by("-finished_at", "-created_at")[:RECENT_SEARCHES])
    return bool(recent) and all(search_job_problem(job) == OFFLINE for job in recent)


def _raw_details(counts: dict) -> list[dict]:
    """Each search engine's own error, in full, for the "details" fold: {title, message}."""
    problems = counts.get("provider_problems") or {}
    details = []
    for name, message in (counts.get("provider_errors") or {}).items():
        title = (problems.get(name) or {}).get("title") or name
        details.append({"provider": name, "title": title, "message": message.removeprefix(f"{title}: ")})
    return details


def search_job_summary(job: SearchJob) -> dict:
    """A search's progress and yield in words, the same on the first render and in every poll:
    "Done: “hats” — asked 20 → found 34 → saved 17 (2 duplicates, 1 not an image refused) → 15 kept"."""
    counts = job.counts or {}
    target = _asked(job)
    found, saved = int(counts.get("found", 0)), int(counts.get("downloaded", 0))
    duplicates, rejected = int(counts.get("duplicates", 0)), counts.get("rejected") or {}
    active = job.status in SearchJob.ACTIVE_STATUSES
    problem = "" if active else search_job_problem(job)
    figures = ""
    if job.status == SearchJob.Status.QUEUED:
        availability = workers_availability()
        if availability.paused:
            text = f"Searching for “{job.query}” is paused: {availability.reason}"
        elif job.attempts:
            text = f"The worker stopped; resuming the search for “{job.query}”: saved {saved} of {target} so far…"
        else:
            text = f"Waiting to start the search for “{job.query}”…"
    elif active:
        text = (f"Searching for “{job.query}”: found {found}, saved {saved} of {target}"
                f"{refused_in_words(duplicates, rejected)}")
    else:
        kept = job.kept if hasattr(job, "kept") else job.photos.count()
        saved = _saved(counts, kept)
        verb = {"cancelled": "Cancelled", "failed": "Stopped"}.get(job.status, "Done")
        words = yield_in_words(asked=target, found=found, saved=saved, duplicates=duplicates, rejected=rejected,
                               outcome=f"{kept} kept")
        text = f"{verb}: “{job.query}” — {words}"
        if problem:
            # The figures say nothing a person can act on here: they go behind "details".
            text, figures = HEADLINES[problem].format(query=job.query) + ".", f"{verb}: {words}"
    return {"job": job, "status": job.status, "active": active, "text": text,
            "progress": min(1.0, saved / target) if target else (0.0 if active else 1.0),
            "note": job.error, "provider_errors": counts.get("provider_errors") or {},
            "problem": problem, "figures": figures, "details": _raw_details(counts),
            "dismissable": not active}
