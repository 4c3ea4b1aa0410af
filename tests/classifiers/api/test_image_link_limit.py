"""Image links through the API are limited by the one setting the pages and the README state
(NANOWEB_IMPORT_MAX_URLS, 200 by default), not by a smaller number of the API's own."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def images_url(label) -> str:
    return f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/images/"


def test_150_links_are_all_read_and_each_answered(ada, label):
    assert settings.IMPORT_MAX_URLS == 200
    urls = [f"ftp://example.org/{i}.jpg" for i in range(150)]
    response = ada.client.post(images_url(label), {"urls": urls}, format="json")
    assert response.status_code == 400, response.content
    rejected = response.json()["error"]["details"]["rejected"]
    assert [item["url"] for item in rejected] == urls  # each link judged, none refused for the count


def test_more_links_than_the_setting_allows_are_refused_in_words(ada, label):
    urls = [f"https://example.org/{i}.jpg" for i in range(201)]
    response = ada.client.post(images_url(label), {"urls": urls}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "urls: Send at most 200 image addresses at a time."
    assert not label.photos.exists()


def test_the_schema_documents_the_same_limit(nobody):
    schema = nobody.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["schemas"]["ImageImportRequest"]["properties"]["urls"]["maxItems"] == 200
