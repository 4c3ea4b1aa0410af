"""What a web search yielded, from asking to photos worth training on: "asked 50 → 37 usable".

asked: the new photos the search was to add (the class's target minus what it had); found, saved
(downloaded), duplicates and refused by reason come from the job's counts; of the saved photos still in
the class, `usable` are those neither flagged nor waiting for review (a kept photo counts: keeping clears
its flags), `flagged` those with a doubt to look at, `waiting` those a "find more" search holds for
review; `moved` went to another class, `dropped` were deleted.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, Q, QuerySet

from classifiers.models import SearchJob

FIELDS = ("asked", "found", "downloaded", "duplicates", "rejected", "usable", "flagged", "waiting", "moved",
          "dropped")


def search_jobs_with_yield(jobs: QuerySet[SearchJob]) -> QuerySet[SearchJob]:
    """The jobs with what search_job_yield needs, counted in the same query."""
    here = Q(examples__label_id=F("label_id"))
    flagged = here & ~Q(examples__flags={})
    return jobs.annotate(
        photos_here=Count("examples", filter=here),
        photos_flagged=Count("examples", filter=flagged),
        photos_waiting=Count("examples", filter=here & Q(examples__flags={}, examples__awaiting_review=True)),
        photos_moved=Count("examples", filter=~here),
    )


def _asked(job: SearchJob) -> int:
    had = (job.counts or {}).get("had")
    return max(job.requested - int(had), 0) if had is not None else job.requested


def _counted(job: SearchJob) -> dict[str, int]:
    if not hasattr(job, "photos_here"):
        job = search_jobs_with_yield(SearchJob.objects.filter(id=job.id)).get()
    return {"here": job.photos_here, "flagged": job.photos_flagged, "waiting": job.photos_waiting,
            "moved": job.photos_moved}


def search_job_yield(job: SearchJob) -> dict:
    counts = job.counts or {}
    photos = _counted(job)
    downloaded = int(counts.get("downloaded", 0))
    result = {
        "asked": _asked(job),
        "found": int(counts.get("found", 0)),
        "downloaded": downloaded,
        "duplicates": int(counts.get("duplicates", 0)),
        "rejected": {str(k): int(v) for k, v in (counts.get("rejected") or {}).items() if v},
        "usable": photos["here"] - photos["flagged"] - photos["waiting"],
        "flagged": photos["flagged"],
        "waiting": photos["waiting"],
        "moved": photos["moved"],
        "dropped": max(downloaded - photos["here"] - photos["moved"], 0),
    }
    result["summary"] = summary_in_words(result)
    return result


def summary_in_words(y: dict) -> str:
    """"asked 50 → found 80 → saved 40 (3 duplicates, 2 not an image refused) → 37 usable (3 flagged)"."""
    refused = [f"{y['duplicates']} duplicate{'s' if y['duplicates'] != 1 else ''}"] if y["duplicates"] else []
    refused += [f"{n} {code.replace('_', ' ')}" for code, n in sorted(y["rejected"].items(), key=lambda kv: -kv[1])]
    text = f"asked {y['asked']} → found {y['found']} → saved {y['downloaded']}"
    if refused:
        text += f" ({', '.join(refused)} refused)"
    text += f" → {y['usable']} usable"
    rest = [f"{y[k]} {word}" for k, word in (("flagged", "flagged"), ("waiting", "waiting for review"),
                                              ("moved", "moved to another class"), ("dropped", "dropped")) if y[k]]
    return text + (f" ({', '.join(rest)})" if rest else "")


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
    total["summary"] = summary_in_words(total)
    return total
