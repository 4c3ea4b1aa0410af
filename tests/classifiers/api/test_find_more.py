"""Going back for more through the API: a trained run suggests where more photos would help, "find more"
searches (against a stand-in of Wikimedia Commons serving real photos) and holds what it finds for review,
and every search shows its yield, from asked to usable, per job and per class."""

from __future__ import annotations

import pytest

from classifiers.services.catalog import classifier_create
from classifiers.services.search_jobs import search_job_execute
from tests.classifiers.api.conftest import train_now
from tests.classifiers.conftest import add_photo, photos
from tests.fakes.search import FakeCommons, Listing
from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.django_db


@pytest.fixture
def clothes(ada):
    classifier = classifier_create(owner=ada.user, name="Clothes", label_names=["shoes", "hat"])
    for label in classifier.labels.all():
        for path in photos("clothing", label.name)[:8]:
            add_photo(label, path)
    return classifier


@pytest.fixture
def commons(settings):
    """Four more shoes, a glass bottle and a cardboard box, as a search for shoes might bring back."""
    found = [Listing(f"shoe-{i}.jpg", path.read_bytes(), title=f"Shoe {i}")
             for i, path in enumerate(photos("clothing", "shoes")[8:12])]
    found += [Listing("bottle.jpg", photos("trashnet", "glass")[0].read_bytes(), title="Bottle"),
              Listing("box.jpg", photos("trashnet", "cardboard")[0].read_bytes(), title="Box")]
    with FakeWeb() as web:
        settings.ALLOW_PRIVATE_URLS = True  # the stand-in lives on 127.0.0.1
        settings.COMMONS_API_URL = FakeCommons(web, found).api_url
        yield


def find_more(person, classifier, label, count, django_capture_on_commit_callbacks) -> dict:
    url = f"/api/v1/classifiers/{classifier.id}/labels/{label.id}/find-more/"
    with django_capture_on_commit_callbacks(execute=False):  # the worker's part is run right here instead
        response = person.client.post(url, {"count": count, "providers": ["commons"]}, format="json")
    assert response.status_code == 202, response.content
    search_job_execute(job_id=response.json()["id"])
    return response.json()


def test_find_more_holds_its_photos_for_review_and_its_yield_says_what_is_usable(
        ada, clothes, commons, django_capture_on_commit_callbacks):
    shoes = clothes.labels.get(name="shoes")
    job = find_more(ada, clothes, shoes, 6, django_capture_on_commit_callbacks)
    assert (job["status"], job["requested"], job["hold_for_review"]) == ("queued", 14, True)

    done = ada.client.get(f"/api/v1/search-jobs/{job['id']}/").json()
    assert done["status"] == "succeeded", done["error"]
    assert done["yield"] == {
        "asked": 6, "found": 6, "downloaded": 6, "duplicates": 0, "rejected": {}, "usable": 0, "flagged": 2,
        "waiting": 4, "moved": 0, "dropped": 0,
        "summary": "asked 6 → found 6 → saved 6 → 0 usable (2 flagged, 4 waiting for review)",
    }
    review = ada.client.get(f"/api/v1/classifiers/{clothes.id}/review/").json()["results"]
    new = {item["title"]: item for item in review if item["title"]}
    assert set(new) == {"Bottle", "Box", "Shoe 0", "Shoe 1", "Shoe 2", "Shoe 3"}
    assert list(new)[:2] in (["Bottle", "Box"], ["Box", "Bottle"])  # flagged first
    assert all(item["awaiting_review"] for item in new.values())

    decide = f"/api/v1/classifiers/{clothes.id}/review/"
    ada.client.post(decide, {"action": "keep", "image_ids": [new[f"Shoe {i}"]["id"] for i in range(4)]}, format="json")
    ada.client.post(decide, {"action": "drop", "image_ids": [new["Bottle"]["id"], new["Box"]["id"]]}, format="json")
    after = ada.client.get(f"/api/v1/search-jobs/{job['id']}/").json()["yield"]
    assert after["summary"] == "asked 6 → found 6 → saved 6 → 4 usable (2 dropped)"

    per_class = ada.client.get(f"/api/v1/classifiers/{clothes.id}/search-yield/").json()
    assert [(row["name"], row["searches"], row["asked"], row["usable"]) for row in per_class] == [
        ("shoes", 1, 6, 4), ("hat", 0, 0, 0)]


def test_find_more_past_the_class_limit_is_a_400_saying_how_many_fit(ada, clothes, settings):
    settings.SEARCH_MAX_COUNT = 10
    shoes = clothes.labels.get(name="shoes")
    response = ada.client.post(f"/api/v1/classifiers/{clothes.id}/labels/{shoes.id}/find-more/", {"count": 5},
                               format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Ask for between 1 and 2 more photos")


def test_a_trained_run_suggests_where_more_photos_help_with_a_find_more_address(ada):
    rubbish = classifier_create(owner=ada.user, name="Rubbish", label_names=["glass", "cardboard", "metal"])
    for label in rubbish.labels.all():
        for path in photos("trashnet", label.name):
            add_photo(label, path)
    run = ada.client.get(f"/api/v1/classifiers/{rubbish.id}/runs/{train_now(ada, rubbish.id)}/").json()
    assert run["status"] == "succeeded", run["error"]
    matrix = run["metrics"]["confusion"]["matrix"]
    assert sum(map(sum, matrix)) > sum(matrix[i][i] for i in range(3))  # 8 photos a class: some confusion
    labels = {label.name: label.id for label in rubbish.labels.all()}
    assert run["suggestions"]
    for suggestion in run["suggestions"]:
        assert suggestion["label"] == str(labels[suggestion["name"]])
        assert suggestion["reason"]
        assert suggestion["find_more"] == (
            f"http://testserver/api/v1/classifiers/{rubbish.id}/labels/{suggestion['label']}/find-more/")
    listed = ada.client.get(f"/api/v1/classifiers/{rubbish.id}/runs/").json()["results"][0]
    assert listed["suggestions"] == run["suggestions"]
