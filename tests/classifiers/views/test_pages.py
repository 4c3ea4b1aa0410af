"""The dashboard and the new-classifier form, as a person sees them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from classifiers.models import Classifier, ModelVersion, SearchJob, TrainingRun
from classifiers.services.catalog import classifier_create


def text_of(response) -> str:
    return response.content.decode()


def test_an_empty_dashboard_says_how_to_begin(ada):
    page = text_of(ada[1].get(reverse("dashboard")))
    assert "Make your first classifier" in page
    assert "blue and black dress" in page
    assert reverse("classifier_new") in page


def test_the_dashboard_lists_classifiers_newest_first_with_their_state_in_words(ada, hats_and_shoes):
    user, client = ada
    classifier_create(owner=user, name="Only one class", label_names=["cat"])
    trained = classifier_create(owner=user, name="Trained one", label_names=["a", "b"])
    version = ModelVersion.objects.create(classifier=trained, number=1, artifact="v1", backbone="b",
                                          metrics={"accuracy": 0.94})
    trained.active_version = version
    trained.save()
    busy = classifier_create(owner=user, name="Busy one", label_names=["a", "b"])
    TrainingRun.objects.create(classifier=busy, status=TrainingRun.Status.RUNNING, progress=0.4,
                               started_at=timezone.now())
    page = text_of(client.get(reverse("dashboard")))
    order = [page.index(name) for name in ("Busy one", "Trained one", "Only one class", "Hats or shoes")]
    assert order == sorted(order)
    assert "Training — 40%" in page  # a run with no stage yet
    assert "Ready — 94% accuracy" in page
    assert "Needs at least 2 classes" in page
    assert "Ready to train" in page  # 3 photos a class meet the one rule (at least 2)


def test_creating_a_classifier_makes_its_classes_and_opens_it(ada):
    response = ada[1].post(reverse("classifier_new"), {
        "name": "Dress colours", "labels": "blue and black dress\n\nwhite and gold dress\n", "per_class": "20",
    })
    classifier = Classifier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classifier_detail", args=[classifier.id])
    assert [label.name for label in classifier.labels.all()] == ["blue and black dress", "white and gold dress"]
    assert not SearchJob.objects.exists()


def test_find_photos_on_the_web_starts_one_search_per_class(ada, worker_takes_tasks):
    response = ada[1].post(reverse("classifier_new"), {
        "name": "Dress colours", "labels": "blue and black dress\nwhite and gold dress", "find_photos": "on",
        "per_class": "30",
    }, follow=True)
    jobs = SearchJob.objects.order_by("query")
    assert [(job.query, job.requested) for job in jobs] == [("blue and black dress", 30), ("white and gold dress", 30)]
    page = text_of(response)
    assert "Looking for 30 photos of each class on the web" in page
    assert "Waiting to start the search for “blue and black dress”" in page


def test_a_class_named_twice_is_refused_next_to_the_classes_field(ada):
    response = ada[1].post(reverse("classifier_new"), {"name": "Dresses", "labels": "dress\nDress", "per_class": "20"})
    assert response.status_code == 400
    page = text_of(response)
    errors = page[page.index('id="id_labels_error"'):]
    assert errors.index("is named twice") < errors.index("</ul>")
    assert not Classifier.objects.exists()
    assert "dress\nDress</textarea>" in page  # what was typed is kept


def test_a_missing_name_and_too_many_photos_are_each_shown_next_to_their_field(ada):
    response = ada[1].post(reverse("classifier_new"), {"name": "", "labels": "a\nb", "find_photos": "on",
                                                       "per_class": "100000"})
    page = text_of(response)
    assert response.status_code == 400
    name_errors = page[page.index('id="id_name_error"'):]
    assert name_errors.index("This field is required.") < name_errors.index("</ul>")
    count_errors = page[page.index('id="id_per_class_error"'):]
    assert count_errors.index("Ask for at most 500 photos a class") < count_errors.index("</ul>")


def test_deleting_a_classifier_asks_first_then_deletes_it(ada, hats_and_shoes):
    client = ada[1]
    url = reverse("classifier_delete", args=[hats_and_shoes.id])
    assert "cannot be undone" in text_of(client.get(url))
    response = client.post(url, follow=True)
    assert not Classifier.objects.exists()
    assert "Deleted “Hats or shoes”" in text_of(response)
