"""Nobody sees a stack trace: unknown pages and server errors get plain pages in words."""

from __future__ import annotations

from django.test import RequestFactory
from django.views.defaults import server_error


def test_an_unknown_page_is_a_friendly_404(ada):
    response = ada[1].get("/classifiers/not-a-uuid/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here, or it belongs to another account." in page
    assert "Traceback" not in page


def test_a_server_error_page_says_what_happened_in_words():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "nothing you saved was lost" in page
