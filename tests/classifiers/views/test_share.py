"""A share link as its owner makes it on the API page and as a visitor without an account uses it: the answer
and the class names, nothing else of the owner's; limited per address; CSRF-checked; a 404 once revoked or
once the classifier is deleted."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from classifiers.models import ShareLink
from classifiers.services.catalog import classifier_delete
from classifiers.views.shared import NOT_READY
from tests.classifiers.views.conftest import photo_upload
from tests.classifiers.views.test_tryit import trained


@pytest.fixture
def shared(ada, hats_and_shoes):
    """Ada's trained classifier with a share link made on its API page; (classifier, link's address)."""
    classifier = trained(hats_and_shoes)
    client = ada[1]
    made = client.post(reverse("share_link_new", args=[classifier.id]), {"name": "shop window"})
    assert made.status_code == 302 and made["Location"].endswith("#share")
    page = client.get(reverse("classifier_api", args=[classifier.id])).content.decode()
    assert "Link made. Anyone you give it to can try this classifier" in page
    address = re.search(r'data-share-address>(http[^<]+)<', page).group(1)
    assert "shop window" in page
    return classifier, address.removeprefix("http://testserver")


def test_a_visitor_without_an_account_gets_answers_and_class_names_and_nothing_else(shared, ada):
    classifier, address = shared
    visitor = Client()
    page = visitor.get(address)
    text = page.content.decode()
    assert page.status_code == 200 and "It tells apart: hat, shoes." in text
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    for private in ("ada", "ada@example.org", str(classifier.id), "/images/", "version", "shop window"):
        assert private not in text, f"the share page shows {private!r}"

    answer = visitor.post(address, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    shown = answer.json()["answer"]
    assert shown == {"label": "hat", "unknown": False, "percent": shown["percent"], "bars": shown["bars"],
                     "verdict": shown["verdict"], "explanation": shown["explanation"]}
    assert shown["verdict"] in ("hat", "Probably hat")  # the words, nothing of the version or its scores
    assert [bar["label"] for bar in answer.json()["answer"]["bars"]][0] == "hat"
    # Without scripts, the form post answers with the page itself.
    html = visitor.post(address, {"image": photo_upload("shoes-0032.jpg")}).content.decode()
    assert re.search(r"data-verdict>\s*shoes\s*<", html)


def test_a_visitor_must_send_a_photo_not_an_address_and_hears_so_in_words(shared):
    _, address = shared
    refused = Client().post(address, {"url": "http://127.0.0.1:9/photo.jpg"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Choose a photo, or drop one here."
    text = SimpleUploadedFile("notes.txt", b"not a photo")
    refused = Client().post(address, {"image": text}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 415 and "picture" in refused.json()["error"]["message"]


def test_too_many_answers_from_one_address_are_refused_in_words_with_429(shared, settings):
    settings.SHARE_RATE = "2/min"
    _, address = shared
    visitor = Client()
    for _ in range(2):
        ok = visitor.post(address, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
        assert ok.status_code == 200
    refused = visitor.post(address, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    assert re.fullmatch(r"Many photos were sent from your address in a short time\. Wait \d+ seconds?, then try "
                        r"again\.", refused.json()["error"]["message"])
    page = visitor.post(address, {"image": photo_upload("hat-0033.jpg")})
    assert page.status_code == 429 and "Many photos were sent from your address" in page.content.decode()
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="10.0.0.7")
    elsewhere = other.post(address, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert elsewhere.status_code == 200


def test_a_post_without_the_csrf_token_is_refused_even_for_a_visitor(shared):
    _, address = shared
    visitor = Client(enforce_csrf_checks=True)
    refused = visitor.post(address, {"image": photo_upload("hat-0033.jpg")})
    assert refused.status_code == 403
    page = visitor.get(address).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answered = visitor.post(address, {"image": photo_upload("hat-0033.jpg"), "csrfmiddlewaretoken": token},
                            HTTP_ACCEPT="application/json")
    assert answered.status_code == 200 and answered.json()["answer"]["label"] == "hat"


def test_stopping_sharing_makes_the_address_a_404_at_once(shared, ada):
    classifier, address = shared
    visitor = Client()
    assert visitor.get(address).status_code == 200
    link = ShareLink.objects.get(classifier=classifier)
    stopped = ada[1].post(reverse("share_link_revoke", args=[classifier.id, link.id]))
    assert stopped.status_code == 302
    assert "Sharing stopped" in ada[1].get(stopped["Location"]).content.decode()
    assert visitor.get(address).status_code == 404
    gone = visitor.post(address, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert gone.status_code == 404
    assert "data-share-address" not in ada[1].get(reverse("classifier_api", args=[classifier.id])).content.decode()


def test_a_deleted_classifiers_link_is_a_404(shared, ada):
    classifier, address = shared
    classifier_delete(classifier=classifier)
    assert Client().get(address).status_code == 404
    assert not ShareLink.objects.exists()


def test_another_person_cannot_stop_or_make_ada_s_links(shared, bob):
    classifier, address = shared
    link = ShareLink.objects.get(classifier=classifier)
    assert bob[1].post(reverse("share_link_revoke", args=[classifier.id, link.id])).status_code == 404
    assert bob[1].post(reverse("share_link_new", args=[classifier.id])).status_code == 404
    assert Client().get(address).status_code == 200 and ShareLink.objects.count() == 1


def test_an_untrained_classifier_s_link_says_it_is_not_ready(ada, hats_and_shoes):
    made = ada[1].post(reverse("share_link_new", args=[hats_and_shoes.id]))
    assert made.status_code == 302
    link = ShareLink.objects.get(classifier=hats_and_shoes)
    page = Client().get(reverse("share_page", args=[link.token]))
    assert "not ready to answer yet" in page.content.decode()
    answer = Client().post(reverse("share_page", args=[link.token]), {"image": photo_upload("hat-0033.jpg")},
                           HTTP_ACCEPT="application/json")
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == NOT_READY
