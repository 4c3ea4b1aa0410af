"""The prediction log through the API: a classifier's answers newest first by a cursor, one answer and its
kept image, the figures of its Answers page as JSON, the settings that keep photos and choose the days;
all in the OpenAPI schema."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from classifiers.models import Classifier
from tests.classifiers.api.conftest import jpeg_bytes
from tests.classifiers.prediction_log import answer, log, versions_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(ada) -> Classifier:
    classifier = Classifier.objects.create(owner=ada.user, name="Shop")
    versions_make(classifier, 1, 2)
    return classifier


def base(shop) -> str:
    return f"/api/v1/classifiers/{shop.id}/predictions/"


def test_answers_come_newest_first_a_page_at_a_time_until_next_is_null(ada, shop):
    moment = timezone.now()
    entries = log(*[answer(shop, name=f"{i:02d}.jpg", created_at=moment - timedelta(seconds=i // 2))
                    for i in range(7)])
    seen, url = [], base(shop) + "?page_size=3"
    while url:
        body = ada.client.get(url).json()
        assert len(body["results"]) <= 3
        seen += body["results"]
        url = body["next"]
    assert sorted(a["id"] for a in seen) == sorted(str(e.id) for e in entries)
    times = [a["created_at"] for a in seen]
    assert times == sorted(times, reverse=True)


def test_an_answer_says_what_it_answered_and_links_its_kept_image(ada, shop):
    [kept] = log(answer(shop, label="shoes", version=2, confidence=0.8, latency_ms=33, name="street.jpg",
                        picture=jpeg_bytes(size=(640, 480))))
    [odd] = log(answer(shop, label="hat", unknown=True, confidence=0.5))
    rows = {row["id"]: row for row in ada.client.get(base(shop)).json()["results"]}

    row = rows[str(kept.id)]
    assert (row["label"], row["closest_label"], row["version"], row["source"], row["name"]) == (
        "shoes", "shoes", 2, "api", "street.jpg")
    assert row["confidence"] == pytest.approx(0.8) and row["latency_ms"] == pytest.approx(33)
    assert row["label_id"] == str(shop.labels.get(name="shoes").id)
    image = ada.client.get(row["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(image.streaming_content))) as small:
        assert max(small.size) == 256

    assert (rows[str(odd.id)]["label"], rows[str(odd.id)]["closest_label"], rows[str(odd.id)]["image_url"]) == (
        None, "hat", None)
    assert ada.client.get(base(shop) + f"{kept.id}/").json() == row
    assert ada.client.get(base(shop) + f"{odd.id}/image/").json()["error"]["code"] == "not_found"


def test_the_figures_count_answers_none_of_these_confidence_and_latency_per_day_and_version(ada, shop):
    log(answer(shop, version=1, confidence=0.95, latency_ms=10, ago=timedelta(days=1)),
        answer(shop, version=2, confidence=0.95, latency_ms=10),
        answer(shop, version=2, confidence=0.35, latency_ms=1000, unknown=True),
        answer(shop, version=2, confidence=0.35, latency_ms=10, ago=timedelta(days=40)))  # outside 30 days
    body = ada.client.get(base(shop) + "stats/").json()

    assert body["retention_days"] == 30 and body["version"] is None
    assert len(body["per_day"]) == 30 and body["per_day"][-1]["day"] == body["until"]
    total = body["total"]
    assert (total["answers"], total["unknown"], total["unknown_share"]) == (3, 1, pytest.approx(1 / 3))
    assert [b["answers"] for b in total["confidence"]] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert total["confidence"][3] == {"low": 0.3, "high": 0.4, "answers": 1}
    # Two of three answers took 10 ms: the median falls in 10's bucket (10-12 ms), the 99th in 1000's.
    assert 10 <= total["latency_ms"]["p50"] < 12 and 1000 <= total["latency_ms"]["p99"] < 1500
    assert [d["answers"] for d in body["per_day"][-2:]] == [1, 2]
    assert [(v["version"], v["answers"], v["unknown"]) for v in body["per_version"]] == [(2, 2, 1), (1, 1, 0)]

    one = ada.client.get(base(shop) + "stats/?version=1&days=7").json()
    assert (one["version"], one["total"]["answers"], len(one["per_day"])) == (1, 1, 7)


def test_bad_paging_or_figures_parameters_are_refused_in_words(ada, shop):
    for query in ("stats/?days=0", "stats/?days=many", "?page_size=501", "?version=x"):
        response = ada.client.get(base(shop) + query)
        assert response.status_code == 400, query
        error = response.json()["error"]
        assert error["code"] == "invalid" and "must be a whole number from" in error["message"]
    # A cursor that is not one starts from the newest answer, as the pages do.
    assert ada.client.get(base(shop) + "?before=yesterday").status_code == 200


def test_photo_keeping_and_the_days_are_classifier_settings(ada, shop):
    url = f"/api/v1/classifiers/{shop.id}/"
    assert ada.client.get(url).json()["keep_prediction_photos"] is True
    changed = ada.client.patch(url, {"keep_prediction_photos": False, "prediction_retention_days": 7}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["keep_prediction_photos"], changed.json()["prediction_retention_days"]) == (False, 7)
    assert ada.client.get(base(shop) + "stats/").json()["retention_days"] == 7
    back = ada.client.patch(url, {"prediction_retention_days": None}, format="json").json()
    assert back["prediction_retention_days"] is None and back["keep_prediction_photos"] is False
    assert ada.client.patch(url, {"prediction_retention_days": 0}, format="json").status_code == 400


def test_the_log_is_in_the_openapi_schema(ada):
    paths = ada.client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    prefix = "/api/v1/classifiers/{classifier_id}/predictions/"
    for path in ("", "stats/", "{prediction_id}/", "{prediction_id}/image/"):
        assert "get" in paths[prefix + path], path
    predict = paths["/api/v1/classifiers/{classifier_id}/predict/"]["post"]
    assert "prediction log" in predict["description"]
