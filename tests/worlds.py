"""A classifier with one of everything a page can show: photos (one flagged), a running web search, a
finished training run, an active and an older version with full metrics, an API key, a removal to undo, an
answer in its prediction log.
Security tests fill every path parameter of the site from it and read every page it makes appear."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import api_key_create
from classifiers.models import Classifier, ModelVersion, PhotoRemoval, SearchJob, ShareLink, TrainingRun, Webhook
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads
from tests.classifiers.prediction_log import answer, log
from tests.fakes.images import photo


def metrics_naming(first: str, second: str, *, wrong_photo_id: str) -> dict:
    """Metrics in the shape the training engine records, naming the two classes everywhere it can."""
    return {
        "accuracy": 0.75,
        "evaluation": "4-fold cross-validation over 4 photos.",
        "per_label": {first: {"precision": 1.0, "recall": 0.5, "support": 2},
                      second: {"precision": 0.67, "recall": 1.0, "support": 2}},
        "confusion": {"labels": [first, second], "matrix": [[1, 1], [0, 2]]},
        "learning_curve": {"points": [{"fraction": 0.5, "n": 2, "accuracy": 0.5},
                                      {"fraction": 1.0, "n": 4, "accuracy": 0.75}],
                           "recommendation": "Accuracy is still rising: more photos will help."},
        "misclassified": [{"example_id": wrong_photo_id, "label": first, "predicted": second, "confidence": 0.6}],
    }


def full_classifier(owner, *, name: str, label_names: tuple[str, str], photo_name: str = "photo.jpg") -> dict:
    """Build it for `owner`; returns a real object for every kind of path parameter the site has."""
    classifier = classifier_create(owner=owner, name=name, label_names=list(label_names))
    first = classifier.labels.get(name=label_names[0])
    second = classifier.labels.get(name=label_names[1])
    photos = photos_add_uploads(label=first, files=[
        SimpleUploadedFile(photo_name, photo(0)), SimpleUploadedFile(f"2-{photo_name}", photo(1))]).added
    photos += photos_add_uploads(label=second, files=[
        SimpleUploadedFile(photo_name, photo(2)), SimpleUploadedFile(f"2-{photo_name}", photo(3))]).added
    flagged = photos[0]
    flagged.flags = {"outlier": f"far from the other photos of “{first.name}”"}
    flagged.save(update_fields=["flags"])
    metrics = metrics_naming(first.name, second.name, wrong_photo_id=str(flagged.id))
    labels = [{"id": str(label.id), "name": label.name} for label in (first, second)]
    older = ModelVersion.objects.create(classifier=classifier, number=1, artifact="none", backbone="b",
                                        labels=labels, metrics={**metrics, "accuracy": 0.5})
    active = ModelVersion.objects.create(classifier=classifier, number=2, artifact="none", backbone="b",
                                         labels=labels, metrics=metrics)
    run = TrainingRun.objects.create(classifier=classifier, status="succeeded", version=active, metrics=metrics,
                                     progress=1.0)
    Classifier.objects.filter(id=classifier.id).update(active_version=active)
    job = SearchJob.objects.create(label=first, query=first.name, requested=10, status="running")
    key, _ = api_key_create(user=owner, name=f"{name} key")
    # A removal "Undo" could put back (of no photo: the world keeps all its photos).
    removal = PhotoRemoval.objects.create(classifier=classifier, count=0, rows='{"rows": "[]", "added": {}}',
                                          files=[])
    # Issue 18: a webhook, and a share link that was revoked: a live one shows its classifier's class names to
    # anyone, by design (tests/classifiers/views/test_share.py says what else it shows: nothing).
    webhook = Webhook.objects.create(classifier=classifier, url="https://example.org/hook", secret="s",
                                     events=["training.finished"])
    link = ShareLink.objects.create(classifier=classifier, token=f"revoked-{classifier.id}", revoked_at=job.created_at)
    # An answer in its prediction log, naming the first class, with its kept photo.
    [logged] = log(answer(classifier, label=first.name, version=active.number, name=f"{name}.jpg", picture=photo(4)))
    return {"classifier_id": classifier.id, "prediction_id": logged.id, "label_id": first.id, "image_id": flagged.id,
            "webhook_id": webhook.id, "link_id": link.id, "share_token": link.token,
            "photo_id": flagged.id, "removal_id": removal.id, "job_id": job.id, "run_id": run.id, "key_id": key.id,
            "number": older.number, "fmt": "csv",
            # A real password-reset link of the owner's, as the mail carries it.
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)), "token": default_token_generator.make_token(owner)}
