"""A photo filed under the wrong class, through a real training run on real photos: flagged with the class
it looks like, left out of training (and said so in the version's figures), trained on once a person keeps
it, and moved in one step to the class it looks like."""

from __future__ import annotations

from classifiers.models import Photo, TrainingRun
from classifiers.services.review import photo_keep, photo_move
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import add_photo, photos


def train_now(classifier) -> TrainingRun:
    run = TrainingRun.objects.create(classifier=classifier)
    return training_run_execute(run_id=run.id)


def test_a_hat_filed_under_shoes_is_flagged_as_looking_like_a_hat_and_left_out(clothes):
    hat, shoes = clothes.labels.get(name="hat"), clothes.labels.get(name="shoes")
    stray = add_photo(shoes, photos("clothing", "hat")[12])

    run = train_now(clothes)

    stray.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert stray.looks_like_id == hat.id
    assert stray.flags["misclassified"].startswith("looks like 'hat' rather than 'shoes'")
    assert run.metrics["left_out"] == [{"example_id": str(stray.id), "looks_like": "hat"}]
    assert run.metrics["examples"] == 36  # the 12 photos of each class, not the stray hat
    # Only the stray is taken for another class: the right photos are not doubted that way.
    doubted = Photo.objects.filter(label__classifier=clothes, flags__has_key="misclassified")
    wrongly_doubted = doubted.exclude(id=stray.id)
    assert wrongly_doubted.count() <= 2


def test_a_photo_a_person_kept_is_trained_on_whatever_it_looks_like(clothes):
    stray = add_photo(clothes.labels.get(name="shoes"), photos("clothing", "hat")[12])
    train_now(clothes)
    stray.refresh_from_db()
    photo_keep(photo=stray)

    run = train_now(clothes)

    stray.refresh_from_db()
    assert run.metrics["left_out"] == [] and run.metrics["examples"] == 37
    assert "misclassified" not in stray.flags and stray.looks_like_id is None


def test_moving_it_to_the_class_it_looks_like_clears_the_doubt(clothes):
    hat = clothes.labels.get(name="hat")
    stray = add_photo(clothes.labels.get(name="shoes"), photos("clothing", "hat")[12])
    train_now(clothes)
    stray.refresh_from_db()

    photo_move(photo=stray, label=stray.looks_like)
    run = train_now(clothes)

    stray.refresh_from_db()
    assert stray.label_id == hat.id and "misclassified" not in stray.flags and stray.looks_like_id is None
    left_out = [item["example_id"] for item in run.metrics["left_out"]]
    assert str(stray.id) not in left_out  # a hat among hats now: trained on
    assert run.metrics["examples"] == 37 - len(left_out)
