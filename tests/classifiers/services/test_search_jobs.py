"""Search jobs: fill a class with exactly the photos asked for, keep provenance, survive failing providers,
keep what was saved on cancel, top up without repeats. The job runs in-process here against stand-ins;
test_worker.py runs the same through a real Celery worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from classifiers.models import SearchJob
from classifiers.services.search_jobs import (
    search_job_cancel,
    search_job_create,
    search_job_execute,
)
from nanoweb.errors import Conflict, InvalidInput
from tests.fakes import images
from tests.fakes.search import FakeBing, FakeCommons, FakeDuckDuckGo, FakeOpenverse, Listing
from tests.fakes.web import Reply

EVIL = {
    "page.jpg": images.HTML_NAMED_JPG,
    "cut.jpg": images.truncated_jpeg(),
    "icon.jpg": images.tiny_png(),
    "bomb.jpg": images.png_claiming_size(20000, 20000),
}


def photo_listings(count: int = 14, *, evil: bool = True) -> list[Listing]:
    """Real photos with, spread among them, a copy of the first under another name and the evil files."""
    good = [Listing(f"photo-{i}.jpg", images.photo(i), title=f"Photo {i}", author=f"Author {i}")
            for i in range(count)]
    if not evil:
        return good
    bad = [Listing(name, body) for name, body in EVIL.items()] + [Listing("copy-of-0.jpg", images.photo(0))]
    mixed = []
    for i, listing in enumerate(good):
        mixed.append(listing)
        if i % 3 == 1 and bad:
            mixed.append(bad.pop(0))
    return mixed + bad


def create(label, **kwargs) -> SearchJob:
    from django.db import transaction

    with transaction.atomic():  # the test's own transaction holds on_commit back: no broker is needed here
        return search_job_create(label=label, **kwargs)


def run(job: SearchJob) -> SearchJob:
    search_job_execute(job_id=job.id)
    job.refresh_from_db()
    return job


@pytest.fixture
def commons(web, settings, loopback_allowed):
    fake = FakeCommons(web, photo_listings())
    settings.COMMONS_API_URL = fake.api_url
    return fake


def test_a_search_fills_the_class_with_exactly_the_photos_asked_for_each_with_provenance(dress, commons):
    job = run(create(dress, count=10, providers=["commons"]))
    assert (job.status, job.error) == ("succeeded", "")
    photos = list(dress.photos.all())
    assert len(photos) == 10
    assert len({e.sha256 for e in photos}) == len({e.phash for e in photos}) == 10
    for photo in photos:
        assert photo.provider == "commons" and photo.search_job_id == job.id
        assert photo.title.startswith("Photo ") and photo.author.startswith("Author ")
        assert photo.license == "CC BY-SA 4.0"
        assert photo.license_url == "https://creativecommons.org/licenses/by-sa/4.0/"
        assert photo.page_url.startswith("https://commons.wikimedia.org/wiki/File%3A")
        assert photo.source_url.startswith(commons.web.url("/commons/files/photo-"))
        assert photo.fetched_at is not None
    assert job.counts["downloaded"] == 10 and job.counts["providers"]["commons"]["downloaded"] == 10
    assert set(job.counts["rejected"]) <= {"not_an_image", "truncated", "too_small", "too_many_pixels"}
    assert job.started_at and job.finished_at and job.query == "dress"


def test_when_results_run_out_every_refusal_is_counted_and_explained(dress, commons):
    job = run(create(dress, count=30, providers=["commons"]))
    assert job.status == "succeeded"
    assert dress.photos.count() == 14
    assert job.counts["found"] == 19 and job.counts["downloaded"] == 14 and job.counts["duplicates"] == 1
    assert job.counts["rejected"] == {"not_an_image": 1, "truncated": 1, "too_small": 1, "too_many_pixels": 1}
    assert job.error.startswith("Found 14 of the 30 photos asked for: The search results ran out. Of the 19 found, "
                                "these were refused: ")
    assert "1 duplicates" in job.error and "1 too many pixels" in job.error
    assert job.error.endswith("Try another search phrase or search again later to top the class up.")


def test_a_provider_that_times_out_is_recorded_and_the_next_one_carries_on(dress, web, settings, commons):
    settings.SEARCH_PROVIDER_TIMEOUT = 1
    ddg = FakeDuckDuckGo(web, [])
    ddg.failure = Reply(200, b"", "text/html", delay=3)
    settings.DUCKDUCKGO_URL = ddg.base_url
    job = run(create(dress, count=8, providers=["duckduckgo", "commons"]))
    assert job.status == "succeeded" and dress.photos.count() == 8
    assert job.counts["provider_errors"] == {"duckduckgo": "DuckDuckGo did not answer in time."}
    assert set(dress.photos.values_list("provider", flat=True)) == {"commons"}


def test_a_provider_with_too_few_photos_hands_over_to_the_next(dress, web, settings, loopback_allowed):
    commons = FakeCommons(web, photo_listings(4, evil=False))
    openverse = FakeOpenverse(web, [Listing(f"ov-{i}.jpg", images.photo(i + 4), license="cc0", license_version="1.0")
                                    for i in range(10)])
    settings.COMMONS_API_URL, settings.OPENVERSE_API_URL = commons.api_url, openverse.api_url
    job = run(create(dress, count=9, providers=["commons", "openverse"]))
    assert job.status == "succeeded" and dress.photos.count() == 9
    assert job.counts["providers"]["commons"]["downloaded"] == 4
    assert job.counts["providers"]["openverse"]["downloaded"] == 5
    assert set(dress.photos.filter(provider="openverse").values_list("license", flat=True)) == {"CC0 1.0"}


def test_when_every_provider_fails_the_job_fails_in_words(dress, web, settings, loopback_allowed):
    commons = FakeCommons(web, [])
    commons.failure = Reply(500, b"<h1>Internal error</h1>", "text/html")
    openverse = FakeOpenverse(web, [])
    openverse.failure = Reply(503, b"down", "text/plain")
    settings.COMMONS_API_URL, settings.OPENVERSE_API_URL = commons.api_url, openverse.api_url
    job = run(create(dress, count=5, providers=["commons", "openverse"]))
    assert job.status == "failed"
    assert job.error == ("No photos were added: Wikimedia Commons answered with an error; Openverse answered with "
                         "an error. Try again later, choose another search engine under “Where”, or upload photos "
                         "yourself.")
    # The services' own words are kept whole for the page's "details" fold.
    assert job.counts["provider_errors"] == {
        "commons": "Wikimedia Commons: 127.0.0.1 answered 500 Internal Server Error.",
        "openverse": "Openverse: 127.0.0.1 answered 503 Service Unavailable."}


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once, as with no network at all."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_no_network_the_search_says_so_and_advises_own_photos_not_another_phrase(dress, settings,
                                                                                    loopback_allowed):
    from classifiers.selectors.search import OFFLINE, search_job_problem, search_job_summary, searching_is_offline

    nowhere = f"http://127.0.0.1:{closed_port()}"
    settings.COMMONS_API_URL, settings.OPENVERSE_API_URL = f"{nowhere}/w/api.php", f"{nowhere}/v1/"
    settings.DUCKDUCKGO_URL, settings.BING_URL = nowhere, nowhere
    job = run(create(dress, count=5, providers=["duckduckgo", "commons", "openverse", "bing"]))
    assert job.status == "failed"
    assert job.error.startswith("NanoWeb cannot reach the internet from this computer")
    assert "search phrase" not in job.error
    assert {p["kind"] for p in job.counts["provider_problems"].values()} == {"unreachable"}
    assert search_job_problem(job) == OFFLINE and searching_is_offline(dress.classifier.owner)
    summary = search_job_summary(job)
    assert summary["text"] == "Could not search for “dress”: this computer is not connected to the internet."
    assert summary["figures"].startswith("Stopped: asked 5 → found 0 → saved 0")
    details = {d["title"]: d["message"] for d in summary["details"]}
    assert set(details) == {"DuckDuckGo", "Wikimedia Commons", "Openverse", "Bing"}
    # ddgs's own error text is kept whole, never cut inside a word.
    assert details["DuckDuckGo"].startswith("Could not connect to DuckDuckGo: ConnectError")
    assert "Connection refused" in details["DuckDuckGo"]


@pytest.mark.parametrize("status", [403, 429])
def test_an_engine_that_blocks_or_rate_limits_is_told_apart_from_no_network(dress, web, settings, loopback_allowed,
                                                                           status):
    from classifiers.selectors.search import REFUSED, search_job_problem, searching_is_offline

    ddg, bing = FakeDuckDuckGo(web, []), FakeBing(web, [])
    ddg.failure = bing.failure = Reply(status, b"<html>Too many requests</html>", "text/html")
    openverse = FakeOpenverse(web, [])
    openverse.failure = Reply(status, b'{"detail": "Request was throttled."}', "application/json")
    settings.DUCKDUCKGO_URL, settings.BING_URL, settings.OPENVERSE_API_URL = (ddg.base_url, bing.base_url,
                                                                              openverse.api_url)
    job = run(create(dress, count=5, providers=["duckduckgo", "bing", "openverse"]))
    assert job.status == "failed"
    assert {p["kind"] for p in job.counts["provider_problems"].values()} == {"refused"}
    assert job.error == (
        "No photos were added: DuckDuckGo refused to search (it blocks or limits automated searches at times); "
        "Bing refused to search (it blocks or limits automated searches at times); Openverse refused to search (it "
        "blocks or limits automated searches at times). Search engines block or limit automated searches from time "
        "to time: try again in a few minutes, or choose another search engine under “Where”.")
    assert search_job_problem(job) == REFUSED and not searching_is_offline(dress.classifier.owner)
    assert job.counts["provider_errors"]["bing"] == f"Bing refused the search (it answered {status})."


def test_a_phrase_with_no_results_advises_other_words(dress, web, settings, loopback_allowed):
    from classifiers.selectors.search import NO_RESULTS, search_job_problem, search_job_summary

    commons = FakeCommons(web, [])
    settings.COMMONS_API_URL = commons.api_url
    job = run(create(dress, query="qwxz dress", count=5, providers=["commons"]))
    assert job.status == "failed"
    assert job.error == ("No photos were found for “qwxz dress”. Try other words (shorter, more common, or in "
                         "English), or upload photos yourself.")
    assert search_job_problem(job) == NO_RESULTS
    assert search_job_summary(job)["text"] == "No photos found for “qwxz dress”."


def test_searching_again_tops_the_class_up_without_repeats(dress, commons):
    first = run(create(dress, count=5, providers=["commons"]))
    assert dress.photos.count() == 5
    first_urls = set(dress.photos.values_list("source_url", flat=True))
    second = run(create(dress, count=8, providers=["commons"]))
    assert (second.status, dress.photos.count()) == ("succeeded", 8)
    added = set(dress.photos.filter(search_job=second).values_list("source_url", flat=True))
    assert len(added) == 3 and not added & first_urls
    # Both jobs read the same first page of 10; the 5 pictures the class has are not even counted as found.
    assert second.counts["found"] == 10 - 5
    assert len(set(dress.photos.values_list("phash", flat=True))) == 8
    assert first.counts["downloaded"] == 5


def test_a_class_that_already_has_enough_photos_gets_none_and_is_told_so(dress, commons):
    run(create(dress, count=3, providers=["commons"]))
    again = run(create(dress, count=3, providers=["commons"]))
    assert again.status == "succeeded" and dress.photos.count() == 3
    assert again.error == '"dress" already has 3 photos, as many as asked for; ask for a larger number to add more.'


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_search_stops_it_and_keeps_the_photos_already_saved(web, settings, loopback_allowed,
                                                                                  django_user_model):
    from classifiers.services.catalog import classifier_create

    owner = django_user_model.objects.create_user(username="bo", password="a long enough password 2")
    dress = classifier_create(owner=owner, name="C", label_names=["dress"]).labels.get()
    fake = FakeCommons(web, photo_listings(20, evil=False))
    settings.COMMONS_API_URL = fake.api_url
    job = create(dress, count=20, providers=["commons"])
    served = []

    def slow_photo(listing):
        def handler(_request):
            served.append(listing.name)
            if len(served) == 6:  # a person presses Cancel while the job is downloading
                search_job_cancel(job=SearchJob.objects.get(id=job.id))
                connections.close_all()
            return Reply(200, listing.body, "image/jpeg", delay=0.3)
        return handler

    for listing in fake.listings:
        web.route(f"/commons/files/{listing.name}", slow_photo(listing))
    search_job_execute(job_id=job.id)
    job.refresh_from_db()
    kept = dress.photos.count()
    assert job.status == "cancelled"
    assert 1 <= kept < 20
    assert job.counts["downloaded"] == kept
    kept_words = (
        "The 1 photo saved before that is kept" if kept == 1 else f"The {kept} photos saved before that are kept"
    )
    assert job.error == f"Cancelled. {kept_words}; search again to top the class up."


def test_a_queued_search_cancelled_before_it_starts_never_runs(dress, commons):
    job = create(dress, count=5, providers=["commons"])
    search_job_cancel(job=job)
    assert (job.status, job.error) == ("cancelled", "Cancelled before it started; nothing was downloaded.")
    run(job)
    assert dress.photos.count() == 0 and commons.api_calls() == []


def test_a_search_is_queued_after_commit_with_the_class_name_and_default_providers(dress, settings,
                                                                                   django_capture_on_commit_callbacks):
    settings.SEARCH_PROVIDERS = ["commons", "openverse"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = search_job_create(label=dress)
    assert len(callbacks) == 1
    assert (job.query, job.requested, job.providers, job.status) == ("dress", 20, ["commons", "openverse"], "queued")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"query": "   "}, "The search phrase is empty."),
    ({"query": "x" * 301}, "The search phrase is 301 characters long; keep it to 300."),
    ({"count": 0}, "Ask for between 1 and 500 photos."),
    ({"count": "lots"}, "The number of photos must be a whole number."),
    ({"providers": ["altavista"]}, "Choose search providers from bing, commons, duckduckgo, openverse."),
    ({"providers": []}, "Choose search providers from bing, commons, duckduckgo, openverse."),
])
def test_a_search_request_that_makes_no_sense_is_refused_in_words(dress, kwargs, message):
    with pytest.raises(InvalidInput) as info:
        search_job_create(label=dress, **kwargs)
    assert info.value.message == message
    assert SearchJob.objects.count() == 0


def test_a_second_search_for_a_class_while_one_runs_is_refused(dress):
    create(dress, count=5, providers=["commons"])
    with pytest.raises(Conflict) as info:
        search_job_create(label=dress, count=5)
    assert info.value.message == ('A search for photos of "dress" is already under way. Wait for it to finish or '
                                  "cancel it first.")


def test_a_job_orphaned_by_a_dead_worker_is_claimed_again_and_finished(dress, commons, settings):
    job = create(dress, count=4, providers=["commons"])
    old = timezone.now() - timedelta(seconds=settings.SEARCH_JOB_STALE_SECONDS + 60)
    SearchJob.objects.filter(id=job.id).update(status="running", heartbeat_at=old, started_at=old)
    job = run(job)
    assert job.status == "succeeded" and dress.photos.count() == 4
    assert job.counts["attempts"] == 1 and job.started_at == old


def test_a_job_another_worker_is_running_is_left_alone(dress, commons):
    job = create(dress, count=4, providers=["commons"])
    SearchJob.objects.filter(id=job.id).update(status="running", heartbeat_at=timezone.now())
    assert run(job).status == "running"
    assert commons.api_calls() == []


def test_a_search_against_a_private_mirror_fills_the_class_with_private_urls_still_refused(dress, web, settings):
    settings.ALLOW_PRIVATE_URLS = False
    fake = FakeCommons(web, photo_listings(6, evil=False) + [
        Listing("to-loopback.jpg", url=web.redirect("/evil/loopback.jpg", web.url("/commons/files/photo-0.jpg"))),
        Listing("to-metadata.jpg", url=web.redirect("/evil/metadata.jpg", "http://169.254.169.254/latest/")),
    ])
    settings.COMMONS_API_URL = fake.api_url
    job = run(create(dress, count=10, providers=["commons"]))
    assert dress.photos.count() == 6
    assert job.counts["rejected"] == {"blocked_address": 2}
    assert job.status == "succeeded" and job.error.startswith("Found 6 of the 10 photos asked for")


def test_when_a_commons_rendition_is_missing_the_original_is_fetched_instead(dress, web, settings, loopback_allowed):
    fake = FakeCommons(web, photo_listings(3, evil=False), thumbnails_missing=True)
    settings.COMMONS_API_URL = fake.api_url
    job = run(create(dress, count=3, providers=["commons"]))
    assert job.status == "succeeded" and dress.photos.count() == 3
    assert all("/thumb/" in e.source_url for e in dress.photos.all())  # the listed address, for "no repeats"
    assert web.hits("/commons/files/photo-0.jpg") == 1
