"""The results page draws a version's metrics: accuracy and how it was measured, precision and recall,
the confusion matrix, the learning curve with its advice, the photos it got wrong, and the versions."""

from __future__ import annotations

from django.urls import reverse

from classifiers.models import ModelVersion, Photo, TrainingRun


def metrics_for(classifier) -> dict:
    wrong = Photo.objects.filter(label__classifier=classifier, label__name="hat").first()
    return {
        "accuracy": 0.875,
        "evaluation": "5-fold cross-validation over 6 photos; every photo was tested by a model that never saw it.",
        "head": "logistic regression on frozen EfficientNet-Lite0 features",
        "per_label": {"hat": {"precision": 1.0, "recall": 0.75, "support": 4},
                      "shoes": {"precision": 0.8, "recall": 1.0, "support": 4}},
        "confusion": {"labels": ["hat", "shoes"], "matrix": [[3, 1], [0, 4]]},
        "learning_curve": {"points": [{"fraction": 0.25, "n": 2, "accuracy": 0.6},
                                      {"fraction": 0.5, "n": 4, "accuracy": 0.75},
                                      {"fraction": 1.0, "n": 8, "accuracy": 0.875}],
                           "recommendation": "Accuracy is still rising: more photos will help."},
        "misclassified": [{"example_id": str(wrong.id), "label": "hat", "predicted": "shoes", "confidence": 0.62}],
    }


def version_of(classifier, number: int, metrics: dict, *, active: bool) -> ModelVersion:
    version = ModelVersion.objects.create(classifier=classifier, number=number, artifact=f"v{number}",
                                          backbone="efficientnet-lite0", metrics=metrics)
    if active:
        classifier.active_version = version
        classifier.save()
    return version


def test_the_results_page_shows_the_metrics_of_the_active_version(ada, hats_and_shoes):
    metrics = metrics_for(hats_and_shoes)
    version_of(hats_and_shoes, 1, {"accuracy": 0.5}, active=False)
    version_of(hats_and_shoes, 2, metrics, active=True)
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id])).content.decode()
    assert "Results of version 2" in page
    assert "88% accuracy" in page.replace("</span> accuracy", " accuracy").replace('<span data-accuracy>', "")
    assert metrics["evaluation"] in page
    assert "<th scope=\"row\">hat</th><td>100%</td><td>75%</td><td>4</td>" in page
    confusion = page[page.index("data-confusion"):page.index("</table>", page.index("data-confusion"))]
    assert confusion.count("<td") == 4
    assert "3 of 4 “hat” photos answered “hat”" in confusion
    assert "1 of 4 “hat” photos answered “shoes”" in confusion
    assert "<polyline" in page and "8 photos 87.5%" in page
    assert "Accuracy is still rising: more photos will help." in page
    wrong = Photo.objects.get(id=metrics["misclassified"][0]["example_id"])
    assert reverse("photo_image", args=[wrong.id]) in page
    assert "taken for <strong>“shoes”</strong> (62%)" in page
    assert "Find 20 more photos of “hat”" in page
    assert page.count("Make active") == 1  # version 1; version 2 is already active


def test_making_an_older_version_active_is_offered_for_each_inactive_version(ada, hats_and_shoes):
    version_of(hats_and_shoes, 1, {"accuracy": 0.5}, active=False)
    version_of(hats_and_shoes, 2, {"accuracy": 0.9}, active=True)
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id]) + "?version=1").content.decode()
    assert "Results of version 1" in page
    assert reverse("version_activate", args=[hats_and_shoes.id, 1]) in page
    missing = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id]) + "?version=7")
    assert missing.status_code == 404


def test_a_running_training_shows_a_progress_bar_that_polls_its_status(ada, hats_and_shoes):
    run = TrainingRun.objects.create(classifier=hats_and_shoes, status=TrainingRun.Status.RUNNING, progress=0.4,
                                     stage="embedding 3/6")
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id])).content.decode()
    assert reverse("run_status", args=[hats_and_shoes.id, run.id]) in page
    assert "Looking at each photo (3/6) — 40%" in page
    # The line under the title follows the run too (not "waiting" while the bar moves).
    assert "Training: Looking at each photo (3/6) — 40%" in page
    body = ada[1].get(reverse("run_status", args=[hats_and_shoes.id, run.id])).json()
    assert body == {"status": "running", "active": True, "progress": 0.4, "error": "", "paused": False,
                    "paused_details": "", "text": "Looking at each photo (3/6) — 40%",
                    "state": "Training: Looking at each photo (3/6) — 40%"}


def test_a_running_training_is_cancelled_from_the_page_and_can_be_trained_again(ada, bob, hats_and_shoes,
                                                                               worker_takes_tasks,
                                                                               django_capture_on_commit_callbacks):
    run = TrainingRun.objects.create(classifier=hats_and_shoes, status=TrainingRun.Status.RUNNING, attempts=1)
    page_url = reverse("classifier_results", args=[hats_and_shoes.id])
    cancel_url = reverse("run_cancel", args=[hats_and_shoes.id, run.id])
    page = ada[1].get(page_url).content.decode()
    assert cancel_url in page and "Cancel training" in page
    assert bob[1].post(cancel_url).status_code == 404  # not his
    response = ada[1].post(cancel_url, follow=True)
    page = response.content.decode()
    assert "Training cancelled. The version that was active before still is." in page
    assert "The last training was cancelled" in page
    assert TrainingRun.objects.get(id=run.id).status == TrainingRun.Status.CANCELLED
    assert ada[1].get(reverse("run_status", args=[hats_and_shoes.id, run.id])).json()["text"] == "Training cancelled."
    with django_capture_on_commit_callbacks(execute=False):
        ada[1].post(reverse("train", args=[hats_and_shoes.id]))
    assert TrainingRun.objects.filter(classifier=hats_and_shoes, status=TrainingRun.Status.QUEUED).count() == 1
    again = ada[1].post(cancel_url, follow=True).content.decode()  # the old run, ended already
    assert "This training has already ended (cancelled); there is nothing to cancel." in again


def test_a_queued_training_says_that_training_is_paused_while_no_worker_takes_tasks(ada, hats_and_shoes):
    run = TrainingRun.objects.create(classifier=hats_and_shoes)
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id])).content.decode()
    assert "Training is paused: no worker is running. It starts by itself as soon as one runs." in page
    assert "Why is training paused?" in page and "<details class=\"job-paused\" data-paused>" in page
    assert "`make run` restarts its worker by itself" in page
    status = ada[1].get(reverse("run_status", args=[hats_and_shoes.id, run.id])).json()
    assert status["paused"] and status["text"].startswith("Training is paused")

    from tests.classifiers.conftest import worker_row

    worker_row()
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id])).content.decode()
    assert "Waiting to start training…" in page
    assert "<details class=\"job-paused\" data-paused hidden>" in page


def test_a_failed_training_says_why(ada, hats_and_shoes):
    TrainingRun.objects.create(classifier=hats_and_shoes, status=TrainingRun.Status.FAILED,
                               error="“hat” has 3 photos; add at least 2 more.")
    page = ada[1].get(reverse("classifier_results", args=[hats_and_shoes.id])).content.decode()
    assert "The last training failed" in page
    assert "“hat” has 3 photos; add at least 2 more." in page


def test_the_photo_credits_list_every_photo_with_its_source(ada, hats_and_shoes):
    photo = Photo.objects.filter(label__name="shoes").first()
    photo.provider, photo.author, photo.license = "commons", "=HYPERLINK(evil)", "CC BY-SA 4.0"
    photo.save()
    response = ada[1].get(reverse("attribution_download", args=[hats_and_shoes.id, "csv"]))
    lines = response.content.decode().splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="hats-or-shoes-photo-credits.csv"'
    assert lines[0].startswith("class,provider,source_url,page_url,title,author,license")
    assert len(lines) == 7
    assert any(line.startswith("shoes,commons,") and "'=HYPERLINK(evil)" in line for line in lines)
    credits = ada[1].get(reverse("attribution_download", args=[hats_and_shoes.id, "json"])).json()
    assert len(credits["photos"]) == 6
    assert ada[1].get(reverse("attribution_download", args=[hats_and_shoes.id, "xml"])).status_code == 404
