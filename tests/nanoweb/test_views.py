"""The landing page, the health check, and the page for requests Django will not read."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_landing_page_explains_the_product_and_links_to_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Build an image classifier" in response.content
    assert reverse("signup").encode() in response.content


def test_the_health_check_answers(client):
    assert client.get(reverse("health")).json() == {"status": "ok"}


def test_a_host_name_the_site_does_not_answer_to_is_a_400_in_words(client):
    page = client.get(reverse("landing"), HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert b"NanoWeb could not read this request." in page.content
    api = client.get("/api/v1/classifiers/", HTTP_HOST="attacker.example")
    assert api.status_code == 400
    assert api.json() == {"error": {"code": "bad_request", "message": "NanoWeb could not read this request."}}
