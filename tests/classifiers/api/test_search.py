"""Web searches through the API: start one (202), follow it, refuse a second at once, cancel it."""

from __future__ import annotations

import pytest

from classifiers.models import SearchJob

pytestmark = pytest.mark.django_db


def search_url(label) -> str:
    return f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/search/"


def test_it_starts_a_search_and_answers_202_with_the_job(ada, label, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = ada.client.post(search_url(label), {"count": 7, "providers": ["commons"]}, format="json")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["query"], job["requested"], job["providers"]) == ("queued", "red dress", 7, ["commons"])
    assert job["label"] == str(label.id)
    assert len(queued) == 1  # the task is queued after commit

    followed = ada.client.get(f"/api/v1/search-jobs/{job['id']}/")
    assert followed.status_code == 200
    assert followed.json()["counts"] == {"found": 0, "downloaded": 0, "duplicates": 0, "rejected": {}}
    assert [j["id"] for j in ada.client.get(search_url(label)).json()["results"]] == [job["id"]]


def test_a_second_search_for_the_same_class_while_one_runs_is_a_409(ada, label, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        ada.client.post(search_url(label), {"query": "crimson dress"}, format="json")
        response = ada.client.post(search_url(label), {"query": "crimson dress"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "already under way" in response.json()["error"]["message"]
    assert SearchJob.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"providers": ["altavista"]}, "providers"),
        ({"query": "x" * 301}, "query"),
        ({"count": "many"}, "count"),
    ],
)
def test_bad_search_options_are_a_400_naming_the_field(ada, label, body, field):
    response = ada.client.post(search_url(label), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]["fields"]) == [field]
    assert not SearchJob.objects.exists()


def test_an_empty_search_phrase_is_refused_in_words(ada, label):
    response = ada.client.post(search_url(label), {"query": "   "}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_cancelling_a_queued_search_ends_it_at_once(ada, label, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job_id = ada.client.post(search_url(label), {}, format="json").json()["id"]
    response = ada.client.post(f"/api/v1/search-jobs/{job_id}/cancel/")
    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    assert response.json()["error"].startswith("Cancelled")
