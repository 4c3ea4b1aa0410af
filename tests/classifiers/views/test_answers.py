"""The Answers page: in plain words how many answers a classifier gave and how often "none of these", four
small pictures, a table per version, and its answers newest first with the photos they were about, a page
at a time; only for its owner. And the settings that keep (or stop keeping) photos and choose the days."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from classifiers.models import Classifier, Prediction
from tests.classifiers.prediction_log import answer, log, real_photo, versions_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(ada) -> Classifier:
    user, _ = ada
    classifier = Classifier.objects.create(owner=user, name="Shop")
    versions_make(classifier, 1, 2)
    return classifier


def page_of(client, shop, query: str = "") -> str:
    response = client.get(f"/classifiers/{shop.id}/answers/{query}")
    assert response.status_code == 200
    return response.content.decode()


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_says_how_many_answers_and_how_often_none_of_these_then_draws_them(ada, shop):
    _, client = ada
    log(answer(shop, label="hat", version=1, ago=timedelta(days=2)),
        answer(shop, label="shoes", version=2, latency_ms=40),
        answer(shop, label="hat", version=2, unknown=True, confidence=0.55, latency_ms=400))
    html = page_of(client, shop)
    text = words(html)

    assert "In the last 30 days it gave 3 answers ; 33% of them were “none of these”." in text
    for plot in ("plot-per-day", "plot-unknown", "plot-sure", "plot-latency"):
        assert f'data-plot="{plot}"' in html
    # The pictures say what they show to a screen reader: today's 2 answers, the three of "how sure".
    assert re.search(r"Answers a day: .*\b2\b", html)
    assert "50%–60% sure 1" in html and "90%–100% sure 2" in html
    # Per version, newest first.
    table = text[text.index("Answers per version"):text.index("About these figures")]
    assert re.search(r"Version 2 2 50% \d+ ms \d+ ms Version 1 1 0%", table), table
    # The ML words are folded away.
    first_line = text[text.index("Its answers"):text.index("Days")]
    assert "confidence" not in first_line and "percentile" not in first_line
    assert "p50, p90, p99" in html[html.index("<details"):]


def test_answers_are_listed_newest_first_with_their_photos_and_where_they_came_from(ada, shop):
    _, client = ada
    log(answer(shop, label="hat", name="old.jpg", ago=timedelta(hours=2), source="page"),
        answer(shop, label="shoes", name="new.jpg", picture=real_photo(), source="api"),
        answer(shop, label="hat", name="odd.jpg", unknown=True, ago=timedelta(hours=1), source="share"))
    html = page_of(client, shop)
    listed = re.findall(r'data-answer-row="([^"]+)"', html)
    by_name = {p.name: str(p.id) for p in Prediction.objects.all()}
    assert listed == [by_name["new.jpg"], by_name["odd.jpg"], by_name["old.jpg"]]
    text = words(html)
    assert "None of these (closest: “hat”)" in text
    assert "Try it page" in text and "share link" in text and "no photo kept" in text

    photo = client.get(f"/classifiers/{shop.id}/answers/{by_name['new.jpg']}/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(f"/classifiers/{shop.id}/answers/{by_name['old.jpg']}/photo/").status_code == 404


def test_older_answers_come_a_page_at_a_time_even_when_a_request_shares_one_time(ada, shop):
    _, client = ada
    moment = Prediction._meta.get_field("created_at").default()
    entries = log(*[answer(shop, name=f"{i:02d}.jpg", created_at=moment - timedelta(minutes=i // 3))
                    for i in range(45)])
    seen, query = [], ""
    while True:
        html = page_of(client, shop, query)
        seen += re.findall(r'data-answer-row="([^"]+)"', html)
        older = re.search(r'href="([^"]+)" data-older', html)
        if not older:
            break
        query = older.group(1).replace("&amp;", "&")
    assert sorted(seen) == sorted(str(e.id) for e in entries) and len(seen) == 45
    assert "No older answers" not in html and "← Latest answers" in html


def test_one_version_can_be_looked_at_alone(ada, shop):
    _, client = ada
    log(answer(shop, version=1, name="one.jpg"), answer(shop, version=2, name="two.jpg"),
        answer(shop, version=2, name="three.jpg"))
    text = words(page_of(client, shop, "?version=1"))
    assert "it gave 1 answer with version 1" in text
    assert "one.jpg" in text and "two.jpg" not in text
    # A version or a period that does not exist shows all of them, not an error.
    assert "it gave 3 answers" in words(page_of(client, shop, "?version=9&days=12"))


def test_with_no_answers_it_says_where_answers_come_from(ada, shop):
    _, client = ada
    text = words(page_of(client, shop))
    assert "It has not answered anything in the last 30 days." in text
    assert "Answers from Try it and from the API show up here." in text


def test_another_persons_answers_and_photos_are_not_found(ada, bob, shop):
    _, stranger = bob
    [entry] = log(answer(shop, picture=real_photo()))
    assert stranger.get(f"/classifiers/{shop.id}/answers/").status_code == 404
    assert stranger.get(f"/classifiers/{shop.id}/answers/{entry.id}/photo/").status_code == 404


def test_the_settings_keep_photos_or_not_and_choose_the_days(ada, shop, settings):
    settings.PREDICTION_RETENTION_DAYS = 30
    _, client = ada
    photos_page = client.get(f"/classifiers/{shop.id}/").content.decode()
    assert "Keep a small copy of each photo it is asked about" in photos_page
    assert "Leave empty for the usual 30 days." in photos_page

    response = client.post(f"/classifiers/{shop.id}/settings/", {"name": "Shop", "prediction_retention_days": "7"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.keep_prediction_photos, shop.prediction_retention_days) == (False, 7)
    assert "Each answer is kept for 7 days, without its photo" in words(page_of(client, shop))

    client.post(f"/classifiers/{shop.id}/settings/", {"name": "Shop", "keep_prediction_photos": "on",
                                                       "prediction_retention_days": ""})
    shop.refresh_from_db()
    assert (shop.keep_prediction_photos, shop.prediction_retention_days) == (True, None)

    refused = client.post(f"/classifiers/{shop.id}/settings/", {"name": "Shop", "prediction_retention_days": "0"})
    assert refused.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()
    shop.refresh_from_db()
    assert shop.prediction_retention_days is None  # nothing changed
