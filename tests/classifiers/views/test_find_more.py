""""Find N more photos of X" from the results page: a search held for review, and its photos waiting on
the review tab until a person keeps them."""

from __future__ import annotations

from django.urls import reverse

from classifiers.models import Photo, SearchJob


def test_find_more_starts_a_search_whose_photos_wait_for_review(ada, hats_and_shoes):
    label = hats_and_shoes.labels.get(name="hat")
    have = label.photos.count()
    response = ada[1].post(reverse("photos_find_more", args=[hats_and_shoes.id, label.id]), {"count": "20"})
    assert response.status_code == 302
    job = SearchJob.objects.get(label=label)
    assert job.hold_for_review and job.requested == have + 20
    page = ada[1].get(response["Location"]).content.decode()
    assert "They wait on the review tab and are trained on only once you keep them" in page


def test_find_more_refuses_a_count_past_the_class_limit_in_words(ada, hats_and_shoes, settings):
    settings.SEARCH_MAX_COUNT = 30
    label = hats_and_shoes.labels.get(name="hat")
    response = ada[1].post(reverse("photos_find_more", args=[hats_and_shoes.id, label.id]), {"count": "500"},
                           follow=True)
    assert "Ask for between 1 and" in response.content.decode()
    assert not SearchJob.objects.exists()


def test_a_photo_waiting_for_review_is_on_the_review_page_until_kept(ada, hats_and_shoes):
    waiting = Photo.objects.filter(label__name="hat").first()
    waiting.awaiting_review = True
    waiting.save()
    page = ada[1].get(reverse("classifier_review", args=[hats_and_shoes.id])).content.decode()
    assert "waiting for review" in page
    assert str(waiting.id) in page


def test_another_person_cannot_find_more_for_my_class(ada, bob, hats_and_shoes):
    label = hats_and_shoes.labels.get(name="hat")
    response = bob[1].post(reverse("photos_find_more", args=[hats_and_shoes.id, label.id]), {"count": "5"})
    assert response.status_code == 404
    assert not SearchJob.objects.exists()
