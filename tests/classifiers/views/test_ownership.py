"""Every page and action of a classifier answers 404 to anyone but its owner, and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import api_key_create
from classifiers.models import Classifier, Label, ModelVersion, Photo, SearchJob


def urls_of(classifier: Classifier) -> list[tuple[str, str]]:
    label = classifier.labels.first()
    photo = Photo.objects.filter(label=label).first()
    job = SearchJob.objects.create(label=label, query="hat", requested=5, providers=["commons"])
    ModelVersion.objects.create(classifier=classifier, number=1, artifact="x", backbone="b", labels=[])
    key, _ = api_key_create(user=classifier.owner, name="ada's key")
    c, lab = classifier.id, label.id
    return [
        ("get", reverse("classifier_detail", args=[c])),
        ("post", reverse("classifier_settings", args=[c])),
        ("get", reverse("classifier_delete", args=[c])),
        ("post", reverse("classifier_delete", args=[c])),
        ("post", reverse("label_add", args=[c])),
        ("post", reverse("label_rename", args=[c, lab])),
        ("post", reverse("label_delete", args=[c, lab])),
        ("post", reverse("photos_upload", args=[c, lab])),
        ("post", reverse("photos_urls", args=[c, lab])),
        ("post", reverse("photos_page", args=[c, lab])),
        ("post", reverse("photos_search", args=[c, lab])),
        ("post", reverse("search_cancel", args=[c, job.id])),
        ("get", reverse("search_status", args=[c, job.id])),
        ("post", reverse("photos_remove", args=[c])),
        ("get", reverse("classifier_review", args=[c])),
        ("post", reverse("classifier_review", args=[c])),
        ("post", reverse("train", args=[c])),
        ("get", reverse("classifier_results", args=[c])),
        ("post", reverse("version_activate", args=[c, 1])),
        ("get", reverse("classifier_try", args=[c])),
        ("post", reverse("classifier_try", args=[c])),
        ("get", reverse("classifier_api", args=[c])),
        ("post", reverse("api_key_new", args=[c])),
        ("post", reverse("api_key_revoke", args=[c, key.id])),
        ("get", reverse("model_download", args=[c])),
        ("get", reverse("attribution_download", args=[c, "csv"])),
        ("get", reverse("photo_image", args=[photo.id])),
    ]


def test_every_classifier_page_is_not_found_for_another_person(hats_and_shoes, bob):
    _, client = bob
    counts = (Classifier.objects.count(), Label.objects.count(), Photo.objects.count())
    for method, url in urls_of(hats_and_shoes):
        response = getattr(client, method)(url, {"name": "mine now", "example": []})
        assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code}"
        assert b"Not found" in response.content
    assert (Classifier.objects.count(), Label.objects.count(), Photo.objects.count()) == counts
    assert Classifier.objects.get().name == "Hats or shoes"


def test_a_run_status_of_another_persons_classifier_is_not_found(hats_and_shoes, bob):
    run = hats_and_shoes.runs.create()
    response = bob[1].get(reverse("run_status", args=[hats_and_shoes.id, run.id]))
    assert response.status_code == 404


def test_removing_photos_ignores_ids_of_another_persons_photos(hats_and_shoes, bob):
    bob_user, bob_client = bob
    from classifiers.services.catalog import classifier_create

    own = classifier_create(owner=bob_user, name="Bob's", label_names=["a", "b"])
    adas_photo = Photo.objects.filter(label__classifier=hats_and_shoes).first()
    response = bob_client.post(reverse("photos_remove", args=[own.id]), {"example": [str(adas_photo.id)]}, follow=True)
    assert Photo.objects.filter(id=adas_photo.id).exists()
    assert "Select the photos to remove first" in response.content.decode()


@pytest.mark.parametrize("name", ["dashboard", "classifier_new"])
def test_pages_ask_a_visitor_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
