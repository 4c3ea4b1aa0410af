"""On the pages, a name with an invisible control character (a bell, an escape, a direction override) is
refused next to its field in words, the form keeps what was typed, and nothing is saved."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from classifiers.models import Classifier, Label, SearchJob

pytestmark = pytest.mark.django_db


def field_error(response, field_id: str) -> str:
    """The errors shown next to the field, as a person reads them."""
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    errors = page[page.index(f'id="{field_id}_error"'):]
    return errors[: errors.index("</ul>")]


def says_invisible(errors: str, what: str) -> bool:
    return f"The {what} has an invisible control character in it (character " in errors


def test_the_new_classifier_form_refuses_control_characters_in_its_name_and_its_classes(ada):
    user, client = ada
    response = client.post(reverse("classifier_new"), {"name": "Hats\x07", "labels": "hat\ncap", "per_class": 20})
    assert says_invisible(field_error(response, "id_name"), "classifier name")
    response = client.post(reverse("classifier_new"), {"name": "Hats", "labels": "hat\n\x1b[2Jcap", "per_class": 20})
    assert says_invisible(field_error(response, "id_labels"), "class name")
    assert "[2Jcap" in html.unescape(response.content.decode())  # what was typed is still in the form
    assert not Classifier.objects.exists()


def test_adding_or_renaming_a_class_refuses_control_characters(ada, hats_and_shoes):
    client = ada[1]
    response = client.post(reverse("label_add", args=[hats_and_shoes.id]), {"name": "beret\x07"})
    assert says_invisible(field_error(response, "id_new_label_name"), "class name")
    hat = hats_and_shoes.labels.get(name="hat")
    response = client.post(reverse("label_rename", args=[hats_and_shoes.id, hat.id]), {"name": "h\u202eat"})
    assert response.status_code == 400
    assert "The class name has an invisible control character in it" in html.unescape(response.content.decode())
    assert sorted(Label.objects.values_list("name", flat=True)) == ["hat", "shoes"]


def test_a_key_name_and_a_search_phrase_with_control_characters_are_refused(ada, hats_and_shoes):
    client = ada[1]
    response = client.post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "lap\x07top"})
    assert says_invisible(field_error(response, "id_name"), "key name")
    assert not ApiKey.objects.exists()
    hat = hats_and_shoes.labels.get(name="hat")
    response = client.post(reverse("photos_search", args=[hats_and_shoes.id, hat.id]),
                           {"query": "felt\x1b hat", "count": 10})
    assert response.status_code == 400
    assert "The search phrase has an invisible control character in it" in html.unescape(response.content.decode())
    assert not SearchJob.objects.exists()
