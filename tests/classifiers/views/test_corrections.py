"""Correcting answers on the pages without script: each answer on the Answers tab says "Is this wrong? It is: …",
one button per class (not the one it answered) and "None of these"; a click adds the photo to that class
waiting for review and comes back saying so; bad input is refused in words and changes nothing; only the
owner can correct. And the "label these next" page before there is anything to label."""

from __future__ import annotations

import re

import pytest

from classifiers.models import Classifier, Correction, Photo, Prediction
from tests.classifiers.prediction_log import answer, log, real_photo, versions_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(ada) -> Classifier:
    classifier = Classifier.objects.create(owner=ada[0], name="Shop")
    versions_make(classifier, 1)
    return classifier


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_each_answer_on_the_answers_tab_offers_the_other_classes_and_none_of_these(ada, shop):
    _, client = ada
    [entry] = log(answer(shop, label="hat", picture=real_photo("hat-0021.jpg")))
    html = client.get(f"/classifiers/{shop.id}/answers/").content.decode()
    form = html[html.index("data-feedback"):html.index("</form>", html.index("data-feedback"))]
    assert f"/classifiers/{shop.id}/answers/{entry.id}/feedback/" in form
    assert "Is this wrong? It is:" in form
    assert re.search(r'data-class="hat" hidden>hat</button>', form)  # it answered hat
    assert re.search(r'data-class="shoes">shoes</button>', form)
    assert ">None of these</button>" in form


def test_a_click_adds_the_photo_to_its_class_waiting_for_review_and_says_so(ada, shop):
    _, client = ada
    [entry] = log(answer(shop, label="hat", picture=real_photo("hat-0021.jpg"), name="counter.jpg"))
    shoes = shop.labels.get(name="shoes")
    back = f"/classifiers/{shop.id}/answers/"

    response = client.post(f"/classifiers/{shop.id}/answers/{entry.id}/feedback/",
                           {"label": str(shoes.id), "next": back}, follow=True)

    assert response.redirect_chain[-1][0] == back
    text = words(response.content.decode())
    assert "Noted: it is “shoes”. The photo was added to “shoes”, waiting for your review" in text
    assert "You said it is “shoes”." in text
    photo = Photo.objects.get(provider="correction")
    assert (photo.label, photo.awaiting_review, photo.original_name) == (shoes, True, "counter.jpg")
    review = words(client.get(f"/classifiers/{shop.id}/review/").content.decode())
    assert "you corrected an answer and said this photo is “shoes”: not trained on until you keep it" in review


def test_none_of_these_adds_no_photo(ada, shop):
    _, client = ada
    [entry] = log(answer(shop, label="hat", picture=real_photo()))
    response = client.post(f"/classifiers/{shop.id}/answers/{entry.id}/feedback/", {"none_of_these": "1"},
                           headers={"Accept": "application/json"})
    assert response.json() == {"message": "Noted: it is none of these classes. Nothing was added to your photos.",
                               "review_url": None}
    assert Correction.objects.get().label is None and not Photo.objects.exists()


def test_a_class_of_another_classifier_or_none_chosen_is_refused_in_words(ada, shop):
    user, client = ada
    [entry] = log(answer(shop, label="hat", picture=real_photo()))
    other = Classifier.objects.create(owner=user, name="Other")
    versions_make(other, 1)
    url = f"/classifiers/{shop.id}/answers/{entry.id}/feedback/"
    for body in ({"label": str(other.labels.first().id)}, {"label": "not-an-id"}, {}):
        response = client.post(url, body, headers={"Accept": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "Choose the class this photo really is."
    assert not Correction.objects.exists() and not Photo.objects.exists()


def test_without_a_kept_photo_it_says_there_is_nothing_to_add(ada, shop):
    _, client = ada
    [entry] = log(answer(shop, label="hat", picture=None))
    shoes = shop.labels.get(name="shoes")
    response = client.post(f"/classifiers/{shop.id}/answers/{entry.id}/feedback/", {"label": str(shoes.id)},
                           follow=True)
    assert "There is no photo to add to “shoes”: keeping photos of answers is off" in words(
        response.content.decode())
    assert Correction.objects.get().label == shoes and not Photo.objects.exists()


def test_only_the_owner_can_correct_an_answer(ada, bob, shop):
    [entry] = log(answer(shop, label="hat", picture=real_photo()))
    _, stranger = bob
    response = stranger.post(f"/classifiers/{shop.id}/answers/{entry.id}/feedback/", {"none_of_these": "1"})
    assert response.status_code == 404
    assert stranger.get(f"/classifiers/{shop.id}/label-next/").status_code == 404
    assert not Correction.objects.exists() and Prediction.objects.count() == 1


def test_label_next_says_in_words_when_there_is_nothing_to_label(ada, shop):
    _, client = ada
    log(answer(shop, label="hat", picture=None))  # no photo kept: nothing to show or label
    text = words(client.get(f"/classifiers/{shop.id}/label-next/").content.decode())
    assert "Label these next" in text
    assert "Nothing to label right now." in text
    untrained = Classifier.objects.create(owner=ada[0], name="New")
    assert "train the classifier first" in words(client.get(f"/classifiers/{untrained.id}/label-next/")
                                                 .content.decode())
