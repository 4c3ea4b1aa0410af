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


def test_the_health_check_answers_and_says_whether_a_worker_takes_tasks(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from classifiers.models import Worker
    from tests.classifiers.conftest import worker_row

    assert client.get(reverse("health")).json() == {"status": "ok", "worker": "none"}
    row = worker_row()
    assert client.get(reverse("health")).json() == {"status": "ok", "worker": "ok"}
    Worker.objects.filter(id=row.id).update(active=2, idle_since=None, ping_sent_at=timezone.now())
    assert client.get(reverse("health")).json() == {"status": "ok", "worker": "busy"}
    waited = timezone.now() - timedelta(seconds=settings.WORKER_STUCK_SECONDS + 1)
    Worker.objects.filter(id=row.id).update(active=0, idle_since=waited, ping_sent_at=waited)
    response = client.get(reverse("health"))
    assert response.status_code == 200  # the site itself is fine: a load balancer keeps sending people to it
    assert response.json() == {"status": "ok", "worker": "not taking tasks"}
    Worker.objects.filter(id=row.id).update(seen_at=timezone.now() - timedelta(hours=1))
    assert client.get(reverse("health")).json() == {"status": "ok", "worker": "none"}


def test_a_host_name_the_site_does_not_answer_to_is_a_400_in_words(client):
    page = client.get(reverse("landing"), HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert b"NanoWeb could not read this request." in page.content
    api = client.get("/api/v1/classifiers/", HTTP_HOST="attacker.example")
    assert api.status_code == 400
    assert api.json() == {"error": {"code": "bad_request", "message": "NanoWeb could not read this request."}}
