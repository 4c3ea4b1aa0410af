"""The API page: a new key is shown once and works; revoking it stops it; snippets name this classifier."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiKey
from classifiers.services.catalog import classifier_create


def test_a_new_key_is_shown_once_and_works_with_the_api(ada, hats_and_shoes):
    client = ada[1]
    response = client.post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "laptop script"}, follow=True)
    page = response.content.decode()
    key = ApiKey.objects.get()
    secret = page[page.index("data-secret>") + len("data-secret>"):].split("<", 1)[0]
    assert secret.startswith(key.prefix)
    assert response["Cache-Control"] == "no-store"
    assert f'-H "Authorization: Bearer {secret}"' in page
    assert f"/api/v1/classifiers/{hats_and_shoes.id}/predict/" in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api-classifier", args=[hats_and_shoes.id])).status_code == 200
    again = client.get(reverse("classifier_api", args=[hats_and_shoes.id])).content.decode()
    assert secret not in again
    assert "laptop script" in again and f"{key.prefix}…" in again


def test_make_a_key_redirects_so_a_reload_makes_no_second_key_and_shows_the_key_once(ada, hats_and_shoes):
    client = ada[1]
    page_url = reverse("classifier_api", args=[hats_and_shoes.id])
    made = client.post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "laptop script"})
    assert made.status_code == 302 and made["Location"] == page_url  # POST/redirect/GET
    assert b"nw_" not in made.content and "nw_" not in made["Location"]
    first, reload = client.get(page_url).content.decode(), client.get(page_url).content.decode()
    assert ApiKey.objects.count() == 1
    key = ApiKey.objects.get()
    assert first.count("data-secret>") == 1 and f"data-secret>{key.prefix}" in first
    assert "data-secret" not in reload and "Your new key" not in reload


def test_a_copied_new_key_cookie_shows_nothing_to_another_account(ada, hats_and_shoes, bob):
    ada[1].post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "laptop script"})
    bob_user, bob_client = bob
    bobs = classifier_create(owner=bob_user, name="Bob's", label_names=["a", "b"])
    bob_client.cookies["nanoweb_new_key"] = ada[1].cookies["nanoweb_new_key"].value
    assert b"data-secret" not in bob_client.get(reverse("classifier_api", args=[bobs.id])).content


def test_an_over_long_key_name_is_refused_next_to_the_field(ada, hats_and_shoes):
    response = ada[1].post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "x" * 101})
    page = response.content.decode()
    assert response.status_code == 400
    errors = page[page.index('id="id_name_error"'):]
    assert errors.index("at most 100 characters") < errors.index("</ul>")
    assert not ApiKey.objects.exists()


def test_revoking_a_key_stops_it(ada, hats_and_shoes, bob):
    client = ada[1]
    client.post(reverse("api_key_new", args=[hats_and_shoes.id]), {"name": "old"})
    key = ApiKey.objects.get()
    response = client.post(reverse("api_key_revoke", args=[hats_and_shoes.id, key.id]), follow=True)
    assert "Key revoked." in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.post(reverse("api_key_revoke", args=[hats_and_shoes.id, key.id])).status_code == 404


def test_downloading_an_untrained_model_says_to_train_first(ada, hats_and_shoes):
    response = ada[1].get(reverse("model_download", args=[hats_and_shoes.id]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("classifier_api", args=[hats_and_shoes.id])
    assert "train" in page.lower()
    assert "The model can be downloaded once it is trained." in page
