"""After a search, the class's photos are judged against the whole classifier (new rubbish is flagged), and
"find N more photos" holds what it brings in for review. The searches run in-process against a stand-in
of Wikimedia Commons serving real photos."""

from __future__ import annotations

import pytest
from django.db import transaction

from classifiers.models import Photo
from classifiers.services.search_jobs import search_job_execute, search_job_find_more
from classifiers.services.training import _training_photos
from nanoweb.errors import InvalidInput
from tests.classifiers.conftest import add_photo, photos
from tests.fakes.search import FakeCommons, Listing


@pytest.fixture
def shoes(classifier):
    """Eight real shoe photos and eight real hats already in the classifier."""
    label = classifier.labels.create(name="shoes")
    for path in photos("clothing", "shoes")[:8]:
        add_photo(label, path)
    hat = classifier.labels.get(name="hat")
    for path in photos("clothing", "hat")[:8]:
        add_photo(hat, path)
    return label


@pytest.fixture
def commons(web, settings, loopback_allowed):
    """Four more shoes, then a glass bottle and a cardboard box that a search for shoes brought back."""
    found = [Listing(f"shoe-{i}.jpg", path.read_bytes(), title=f"Shoe {i}", author="A. Walker")
             for i, path in enumerate(photos("clothing", "shoes")[8:12])]
    found += [Listing("bottle.jpg", photos("trashnet", "glass")[0].read_bytes(), title="Bottle"),
              Listing("box.jpg", photos("trashnet", "cardboard")[0].read_bytes(), title="Box")]
    fake = FakeCommons(web, found)
    settings.COMMONS_API_URL = fake.api_url
    return fake


def find_more(label, count):
    with transaction.atomic():  # the test's transaction holds on_commit back: no broker is needed here
        job = search_job_find_more(label=label, count=count, providers=["commons"])
    search_job_execute(job_id=job.id)
    job.refresh_from_db()
    return job


def test_find_more_adds_photos_held_for_review_and_flags_the_rubbish_among_them(shoes, commons):
    job = find_more(shoes, 6)
    assert job.status == "succeeded", job.error
    assert job.requested == 14 and job.hold_for_review
    new = {e.title: e for e in Photo.objects.filter(search_job=job)}
    assert len(new) == 6 and all(e.awaiting_review for e in new.values())
    for title in ("Bottle", "Box"):
        assert new[title].flags["outlier"].startswith("looks unlike the other photos of 'shoes'")
    assert sum(1 for e in new.values() if e.flags) == 2
    trained, excluded = _training_photos(shoes.classifier)
    assert len(trained) == 16 and excluded["awaiting_review"] == 6


def test_a_search_still_succeeds_and_keeps_its_photos_when_flagging_fails(shoes, commons, caplog):
    type(shoes.classifier).objects.filter(id=shoes.classifier_id).update(backbone="no-such-backbone")
    job = find_more(shoes, 6)
    assert (job.status, job.error) == ("succeeded", "")
    assert Photo.objects.filter(search_job=job).count() == 6
    assert "could not refresh the flags" in caplog.text


def test_find_more_refuses_a_number_past_the_class_limit_and_says_how_many_fit(shoes, settings):
    settings.SEARCH_MAX_COUNT = 10
    with pytest.raises(InvalidInput, match="between 1 and 2 more photos.*“shoes” has 8"):
        search_job_find_more(label=shoes, count=3)
    with pytest.raises(InvalidInput, match="whole number"):
        search_job_find_more(label=shoes, count="many")
