"""Reviewing doubtful photos through the API: flagged photos (on real photos with rubbish slipped in)
listed biggest doubts first with their reasons, keep / drop / move for one photo or a selection, decisions
remembered, photos waiting for review trained on only once kept, and refusals in words."""

from __future__ import annotations

import pytest

from classifiers.models import Label, Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.flags import flags_refresh
from tests.classifiers.api.conftest import train_now
from tests.classifiers.conftest import add_photo, photos

pytestmark = pytest.mark.django_db


@pytest.fixture
def clothes(ada):
    """Ada's shoes, hats and trousers, 10 real photos each, and a glass bottle, a box and a tin filed under
    shoes; flagged the way a finished search or training run leaves them."""
    classifier = classifier_create(owner=ada.user, name="Clothes", label_names=["shoes", "hat", "pants"])
    for label in classifier.labels.all():
        for path in photos("clothing", label.name)[:10]:
            add_photo(label, path)
    shoes = classifier.labels.get(name="shoes")
    for kind in ("glass", "cardboard", "metal"):
        add_photo(shoes, photos("trashnet", kind)[0], original_name=f"{kind}.jpg")
    flags_refresh(classifier=classifier)
    return classifier


def review_url(classifier) -> str:
    return f"/api/v1/classifiers/{classifier.id}/review/"


def rubbish(classifier) -> list[Photo]:
    return list(Photo.objects.filter(label__classifier=classifier, original_name__in=[
        "glass.jpg", "cardboard.jpg", "metal.jpg"]).order_by("original_name"))


def test_flagged_photos_come_biggest_doubts_first_with_their_reasons(ada, clothes):
    response = ada.client.get(review_url(clothes))
    assert response.status_code == 200
    items = response.json()["results"]
    doubts = [item["doubt"] for item in items]
    assert doubts == sorted(doubts, reverse=True) and all(d > 0 for d in doubts)
    assert {str(e.id) for e in rubbish(clothes)} <= {item["id"] for item in items}
    assert len(items) <= 3 + 3  # the rubbish, and at most a tenth of the 30 real photos
    bottle = next(item for item in items if item["original_name"] == "glass.jpg")
    assert bottle["label_name"] == "shoes"
    assert bottle["flags"]["outlier"].startswith("looks unlike the other photos of 'shoes'")
    assert bottle["awaiting_review"] is False

    only = ada.client.get(review_url(clothes), {"kind": "outlier"}).json()["results"]
    assert all("outlier" in item["flags"] for item in only)
    wrong = ada.client.get(review_url(clothes), {"kind": "ugly"})
    assert wrong.status_code == 400 and wrong.json()["error"]["details"] == {"field": "kind"}


def test_a_class_lists_only_its_flagged_photos_on_request(ada, clothes):
    shoes = clothes.labels.get(name="shoes")
    url = f"/api/v1/classifiers/{clothes.id}/labels/{shoes.id}/images/"
    flagged = ada.client.get(url, {"flagged": "1"}).json()["results"]
    assert {item["id"] for item in flagged} >= {str(e.id) for e in rubbish(clothes)}
    assert all(item["flags"] and item["label"] == str(shoes.id) for item in flagged)
    assert len(ada.client.get(url).json()["results"]) == 13
    bad = ada.client.get(url, {"flagged": "maybe"})
    assert bad.status_code == 400 and list(bad.json()["error"]["details"]["fields"]) == ["flagged"]


def test_keeping_a_selection_dismisses_its_flags_for_good(ada, clothes):
    bottle, box, tin = rubbish(clothes)
    response = ada.client.post(review_url(clothes), {"action": "keep", "image_ids": [str(box.id), str(tin.id)]},
                               format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["action"], body["applied"], body["skipped"]) == ("keep", 2, [])
    assert [(item["flags"], item["doubt"]) for item in body["images"]] == [({}, 0.0), ({}, 0.0)]

    flags_refresh(classifier=clothes)  # the next search or training run judges them again
    listed = {item["id"] for item in ada.client.get(review_url(clothes)).json()["results"]}
    assert str(bottle.id) in listed and not {str(box.id), str(tin.id)} & listed


def test_dropping_deletes_the_photo_and_moving_files_it_under_another_class(ada, clothes):
    bottle, box, _ = rubbish(clothes)
    dropped = ada.client.post(review_url(clothes), {"action": "drop", "image_ids": [str(bottle.id)]}, format="json")
    assert dropped.status_code == 200 and dropped.json()["applied"] == 1 and dropped.json()["images"] == []
    assert not Photo.objects.filter(id=bottle.id).exists()

    hat = clothes.labels.get(name="hat")
    moved = ada.client.post(review_url(clothes), {"action": "move", "image_ids": [str(box.id)],
                                                  "label_id": str(hat.id)}, format="json")
    assert moved.status_code == 200
    assert moved.json()["images"][0]["label"] == str(hat.id) and moved.json()["images"][0]["flags"] == {}


def test_a_move_without_a_class_or_to_another_persons_class_is_a_400_and_changes_nothing(ada, bob, clothes):
    box = rubbish(clothes)[1]
    missing = ada.client.post(review_url(clothes), {"action": "move", "image_ids": [str(box.id)]}, format="json")
    assert missing.status_code == 400 and list(missing.json()["error"]["details"]["fields"]) == ["label_id"]
    bobs = classifier_create(owner=bob.user, name="Bob's", label_names=["x", "y"]).labels.first()
    theirs = ada.client.post(review_url(clothes), {"action": "move", "image_ids": [str(box.id)],
                                                   "label_id": str(bobs.id)}, format="json")
    assert theirs.status_code == 400
    assert theirs.json()["error"] == {"code": "invalid", "message": f"This classifier has no class with id {bobs.id}.",
                                      "details": {"field": "label_id"}}
    box.refresh_from_db()
    assert box.label.name == "shoes" and "outlier" in box.flags


def test_photos_not_in_the_classifier_are_skipped_with_the_reason_and_the_rest_are_done(ada, bob, clothes):
    bobs = classifier_create(owner=bob.user, name="Bob's", label_names=["x", "y"]).labels.first()
    from tests.classifiers.api.conftest import photo_create

    not_adas = photo_create(bobs)
    tin = rubbish(clothes)[2]
    response = ada.client.post(review_url(clothes), {"action": "drop", "image_ids": [str(not_adas.id), str(tin.id)]},
                               format="json")
    assert response.status_code == 200
    assert response.json()["applied"] == 1
    assert response.json()["skipped"] == [
        {"image_id": str(not_adas.id), "reason": "This classifier has no photo with this id."}]
    assert Photo.objects.filter(id=not_adas.id).exists()

    none = ada.client.post(review_url(clothes), {"action": "keep", "image_ids": [str(not_adas.id)]}, format="json")
    assert none.status_code == 404 and none.json()["error"]["code"] == "not_found"


def test_moving_a_picture_into_a_class_that_has_it_is_skipped_saying_so(ada, clothes):
    hat = clothes.labels.get(name="hat")
    copy = add_photo(clothes.labels.get(name="shoes"), photos("clothing", "hat")[0])
    response = ada.client.post(review_url(clothes), {"action": "move", "image_ids": [str(copy.id)],
                                                     "label_id": str(hat.id)}, format="json")
    assert response.status_code == 200 and response.json()["applied"] == 0
    assert response.json()["skipped"] == [
        {"image_id": str(copy.id), "reason": "“hat” already has this picture; drop this copy instead."}]


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "burn", "image_ids": ["00000000-0000-4000-8000-000000000001"]}, "action"),
    ({"action": "keep", "image_ids": []}, "image_ids"),
    ({"action": "keep", "image_ids": ["not-a-uuid"]}, "image_ids"),
    ({"action": "keep"}, "image_ids"),
])
def test_a_bad_decision_is_a_400_naming_the_field(ada, clothes, body, field):
    response = ada.client.post(review_url(clothes), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]["fields"]) == [field]


def test_photos_waiting_for_review_are_listed_and_trained_on_once_kept(ada, clothes):
    hat = clothes.labels.get(name="hat")
    waiting = [add_photo(hat, path, awaiting_review=True) for path in photos("clothing", "hat")[10:12]]
    listed = ada.client.get(review_url(clothes)).json()["results"]
    tail = [item for item in listed if item["awaiting_review"]]
    assert {item["id"] for item in tail} == {str(e.id) for e in waiting}
    assert listed[-2:] == tail and all(item["doubt"] == 0.0 for item in tail)  # unflagged: after the flagged

    run = ada.client.get(f"/api/v1/classifiers/{clothes.id}/runs/{train_now(ada, clothes.id)}/").json()
    assert run["status"] == "succeeded", run["error"]
    # Trained on, or left out as near-certainly wrong: every photo not waiting for review.
    assert run["metrics"]["examples"] + len(run["metrics"]["left_out"]) == 33
    assert run["metrics"]["excluded"]["awaiting_review"] == 2

    kept = ada.client.post(review_url(clothes), {"action": "keep", "image_ids": [str(e.id) for e in waiting]},
                           format="json")
    assert [item["awaiting_review"] for item in kept.json()["images"]] == [False, False]
    run = ada.client.get(f"/api/v1/classifiers/{clothes.id}/runs/{train_now(ada, clothes.id)}/").json()
    assert run["metrics"]["examples"] + len(run["metrics"]["left_out"]) == 35
    assert "awaiting_review" not in run["metrics"]["excluded"]
    assert Label.objects.get(id=hat.id).photos.filter(awaiting_review=True).count() == 0
