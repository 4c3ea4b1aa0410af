"""What a prediction says in words, through the API, for photos of the classes, photos merely unlike the
training photos and photos of none of the classes; the try-it page says the same words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import api_key_create
from classifiers.models import TrainingRun
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import photos

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "data"
# Photos the model never saw: more of its classes, dresses, rubbish and ImageNet samples.
CANDIDATES = sorted([*(DATA / "e2e").glob("*.jpg"), *(DATA / "engine" / "trashnet").rglob("*.jpg"),
                     *(DATA / "engine" / "imagenet").glob("*.jpg"),
                     *(photo for name in ("shoes", "hat", "pants") for photo in photos("clothing", name)[12:])])
PROBABLY = re.compile(r"^Probably “(hat|shoes|pants)” \((\d+)%\) — but it looks unlike your “\1” photos\.$")


@pytest.fixture
def trained(clothes):
    """Shoes, hats and trousers, 12 real photos each, trained for real (a few dozen photos: with fewer, the
    two thresholds of "none of these" fall on the same photo and there is no "probably" band)."""
    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=clothes).id)
    assert run.status == TrainingRun.Status.SUCCEEDED
    return clothes


def answers_for(classifier) -> list[dict]:
    _, secret = api_key_create(user=classifier.owner, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answers = []
    for start in range(0, len(CANDIDATES), 20):
        files = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="image/jpeg")
                 for p in CANDIDATES[start:start + 20]]
        response = api.post(f"/api/v1/classifiers/{classifier.id}/predict/", {"files": files}, format="multipart")
        assert response.status_code == 200, response.content
        answers += response.json()
    return answers


def test_every_answer_says_in_words_what_the_page_shows(trained):
    answers = answers_for(trained)
    unlike = [a for a in answers if a["looks_unlike"]]
    refused = [a for a in answers if a["unknown"]]
    named = [a for a in answers if not a["unknown"] and not a["looks_unlike"]]
    # All three kinds of answer occur among these photos, and each says so in its own words.
    assert unlike and refused and named
    for answer in unlike:
        match = PROBABLY.match(answer["in_words"])
        assert match, answer["in_words"]
        assert match[1] == answer["label"] and int(match[2]) == round(answer["confidence"] * 100)
    for answer in refused:
        assert answer["in_words"] == ("None of these: it does not look like any of the classes it knows "
                                      f"(closest: “{answer['label']}”, {round(answer['confidence'] * 100)}%).")
        assert not answer["looks_unlike"]
    for answer in named:
        assert answer["in_words"] == f"“{answer['label']}”, {round(answer['confidence'] * 100)}% sure."


def test_the_try_it_page_says_probably_and_unlike_for_the_same_photo(trained):
    # Answers come in the order sent (file names repeat across folders).
    photo, answer = next((p, a) for p, a in zip(CANDIDATES, answers_for(trained), strict=True) if a["looks_unlike"])
    client = Client()
    client.force_login(trained.owner)
    page = client.post(f"/classifiers/{trained.id}/try/",
                       {"image": SimpleUploadedFile(photo.name, photo.read_bytes(), content_type="image/jpeg")})
    text = re.sub(r"\s+", " ", page.content.decode())
    assert f"Probably {answer['label']}" in text
    assert f"— but it looks unlike your “{answer['label']}” photos." in text
    # The verdict itself (the page also has a "None of these" button for correcting the answer).
    assert re.search(r"data-verdict> (.*?) </p>", text).group(1) == f"Probably {answer['label']}"
