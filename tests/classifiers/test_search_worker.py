"""The search task through a real Celery worker process, and a clear refusal when the queue is down."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

from classifiers.models import SearchJob
from classifiers.services.search_jobs import search_job_create
from tests.classifiers.services.test_search_jobs import photo_listings
from tests.fakes.search import FakeCommons
from tests.worker import celery_worker, database_url_of_test_db, manage, process_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dress(django_user_model):
    from classifiers.services.catalog import classifier_create

    owner = django_user_model.objects.create_user(username="cy", password="a long enough password 3")
    return classifier_create(owner=owner, name="Clothes", label_names=["dress"]).labels.get()


def test_a_search_job_runs_in_a_real_worker_and_fills_the_class(dress, web, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    fake = FakeCommons(web, photo_listings())
    # The worker shares this process's broker folder (or CELERY_BROKER_URL) and media folder.
    media = django_settings.DATA_DIR / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}}
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(django_settings.DATA_DIR),
                      NANOWEB_COMMONS_API_URL=fake.api_url, NANOWEB_ALLOW_PRIVATE_URLS="1")
    with celery_worker(env) as worker:
        job = search_job_create(label=dress, count=6, providers=["commons"])  # queued on commit, no test atomic
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status not in SearchJob.ACTIVE_STATUSES:
                break
            time.sleep(0.3)
        log = "".join(worker.output[-40:])
    assert job.status == "succeeded", f"{job.status}: {job.error}\n{log}"
    photos = list(dress.photos.all())
    assert len(photos) == 6 and len({e.sha256 for e in photos}) == 6
    assert all(e.license == "CC BY-SA 4.0" and e.search_job_id == job.id for e in photos)
    assert all((media / e.image.name).is_file() for e in photos)


def test_when_the_queue_is_down_a_search_is_refused_in_words_and_leaves_no_row(dress):
    if connection.vendor != "postgresql":
        pytest.skip("the command shares the test database only on PostgreSQL")
    code = (
        "from classifiers.models import Label\n"
        "from nanoweb.errors import Unavailable\n"
        "from classifiers.services.search_jobs import search_job_create\n"
        f"label = Label.objects.get(id='{dress.id}')\n"
        "try:\n"
        "    search_job_create(label=label, count=5, providers=['commons'])\n"
        "    print('QUEUED')\n"
        "except Unavailable as exc:\n"
        "    print('REFUSED', exc.http_status, exc.message)\n"
    )
    env = process_env(DATABASE_URL=database_url_of_test_db(), CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    result = manage("shell", "-c", code, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("REFUSED 503 The task queue is not answering, so the search was not started. Try again in a minute; if "
            "it keeps happening, the queue service needs attention.") in result.stdout
    assert SearchJob.objects.count() == 0
