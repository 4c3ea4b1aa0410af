"""An existing database keeps working across the layout change: SearchJob moved from the scraper app into
classifiers, ApiKey into accounts, Example became Photo and ExampleFeature PhotoFeature. The rows stay where
they are, the tables keep their names, nothing is copied."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

# Where every app stood before the move: what a database made by an older NanoWeb has applied.
BEFORE_THE_MOVE = [
    ("classifiers", "0003_example_review_fields"),
    ("scraper", "0003_searchjob_hold_for_review"),
    ("nanoweb", "0001_initial"),
    ("accounts", None),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_rows(apps) -> dict:
    """A classifier with a class, a finished search, a photo it found with its cached features, a training run
    and a version, written through the models as they were before the move."""
    user = apps.get_model("auth", "User").objects.create(username="old-timer")
    classifier = apps.get_model("classifiers", "Classifier").objects.create(owner=user, name="Clothes")
    label = apps.get_model("classifiers", "Label").objects.create(classifier=classifier, name="hat")
    job = apps.get_model("scraper", "SearchJob").objects.create(
        label=label, query="felt hat", requested=5, providers=["commons"], status="succeeded",
        counts={"found": 3, "downloaded": 1, "duplicates": 0, "rejected": {}})
    photo = apps.get_model("classifiers", "Example").objects.create(
        label=label, image="examples/x/y.jpg", sha256="ab" * 32, width=64, height=64, provider="commons",
        search_job=job)
    apps.get_model("classifiers", "ExampleFeature").objects.create(
        example=photo, backbone="efficientnet-lite0", views=2, dim=4, vectors=bytes(32))
    version = apps.get_model("classifiers", "ModelVersion").objects.create(
        classifier=classifier, number=1, artifact=f"{classifier.id}/run", backbone="efficientnet-lite0",
        labels=[{"id": str(label.id), "name": "hat"}], metrics={"accuracy": 0.9})
    classifier.active_version = version
    classifier.save()
    apps.get_model("classifiers", "TrainingRun").objects.create(
        classifier=classifier, status="succeeded", version=version, progress=1.0)
    return {"classifier": classifier.id, "label": label.id, "job": job.id, "photo": photo.id, "version": version.id}


def test_searches_photos_and_versions_of_an_older_database_are_all_there_after_the_move():
    latest = _latest()
    try:
        executor = _migrate(BEFORE_THE_MOVE)
        ids = _old_rows(executor.loader.project_state([n for n in BEFORE_THE_MOVE if n[1]]).apps)
        _migrate(latest)

        from classifiers.models import Classifier, Photo, PhotoFeature, SearchJob, TrainingRun

        job = SearchJob.objects.get(id=ids["job"])
        assert SearchJob._meta.db_table == "scraper_searchjob"
        assert (job.query, job.status, job.counts["found"]) == ("felt hat", "succeeded", 3)
        photo = Photo.objects.select_related("search_job").get(id=ids["photo"])
        assert photo.search_job == job and list(job.photos.all()) == [photo]
        tables = (Photo._meta.db_table, PhotoFeature._meta.db_table)
        assert tables == ("classifiers_example", "classifiers_examplefeature")
        feature = PhotoFeature.objects.get(photo=photo)
        assert (feature.views, feature.dim, bytes(feature.vectors)) == (2, 4, bytes(32))
        assert list(photo.label.photos.all()) == [photo]
        classifier = Classifier.objects.get(id=ids["classifier"])
        assert classifier.active_version_id == ids["version"]
        assert TrainingRun.objects.get(classifier=classifier).version_id == ids["version"]
        # The table's own rule still holds: one active search per class.
        SearchJob.objects.create(label_id=ids["label"], query="hat", requested=5, providers=["commons"])
        with pytest.raises(IntegrityError), transaction.atomic():
            SearchJob.objects.create(label_id=ids["label"], query="cap", requested=5, providers=["commons"])
    finally:
        _migrate(latest)
