"""A search whose worker was killed: its counts were last written before the kill, while photos it saved
after that are in the class. Its yield says what it really saved, whether it was failed by recovery or
re-claimed and finished by another worker, so "saved" is never less than the photos it brought."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from classifiers.models import SearchJob
from classifiers.selectors.search import search_job_summary, search_job_with_yield, search_job_yield
from tests.classifiers.services.test_search_jobs import create, photo_listings, run
from tests.fakes.search import FakeCommons

pytestmark = pytest.mark.django_db


@pytest.fixture
def commons(web, settings, loopback_allowed):
    fake = FakeCommons(web, photo_listings(evil=False))
    settings.COMMONS_API_URL = fake.api_url
    return fake


def killed_after_saving_three(dress, settings) -> SearchJob:
    """A search that saved 3 photos, its counts last written when it had saved 1, then its worker died."""
    job = run(create(dress, count=3, providers=["commons"]))
    assert dress.photos.filter(search_job=job).count() == 3
    old = timezone.now() - timedelta(seconds=settings.SEARCH_JOB_STALE_SECONDS + 60)
    SearchJob.objects.filter(id=job.id).update(
        status="running", heartbeat_at=old, finished_at=None, counts={**job.counts, "downloaded": 1})
    job.refresh_from_db()
    return job


def test_a_search_failed_after_its_worker_died_says_it_saved_the_photos_it_brought(dress, commons, settings):
    job = killed_after_saving_three(dress, settings)
    SearchJob.objects.filter(id=job.id).update(status="failed", error="The worker running this search stopped.")
    job.refresh_from_db()
    figures = search_job_yield(search_job_with_yield(job))
    assert figures["downloaded"] == 3 and figures["dropped"] == 0
    assert "→ saved 3 → " in figures["summary"]  # the API: never "saved 1 → 3 usable"
    assert "→ saved 3 → 3 kept" in search_job_summary(job)["text"]  # the page


def test_a_search_reclaimed_after_its_worker_died_counts_on_from_the_photos_it_has(dress, commons, settings):
    job = killed_after_saving_three(dress, settings)
    SearchJob.objects.filter(id=job.id).update(requested=5)  # asked for more than the first attempt got
    job = run(job)
    assert job.status == "succeeded" and dress.photos.filter(search_job=job).count() == 5
    assert job.counts["downloaded"] == 5
    assert "→ saved 5 → 5 kept" in search_job_summary(job)["text"]
