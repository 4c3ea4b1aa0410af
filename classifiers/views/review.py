"""Review flagged photos: biggest doubts first, keep, drop or move each one or a selection, then retrain."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from classifiers.selectors.catalog import classifier_labels, classifier_state
from classifiers.selectors.owned import classifier_label, owned_classifier, owned_photos
from classifiers.selectors.photos import UNDO_SECONDS, photo_removal_undoable
from classifiers.selectors.review import photos_to_review
from classifiers.services.review import photos_review
from classifiers.views.common import photos_in_words
from nanoweb.errors import ServiceError

DONE = {"keep": "Kept {photos}; {they} will not be flagged again for the same reasons.",
        "drop": "Dropped {photos}.",
        "move": "Moved {photos} to “{label}”."}


@login_required
def review(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    if request.method == "POST":
        _decide(request, classifier)
        return redirect("classifier_review", classifier.id)
    context = {"classifier": classifier, "tab": "review", "flagged": photos_to_review(classifier=classifier),
               "state": classifier_state(classifier),
               "labels": list(classifier_labels(classifier.id)),
               "removal": photo_removal_undoable(classifier, request.GET.get("undo", "")),
               "undo_minutes": UNDO_SECONDS // 60}
    return render(request, "classifiers/review.html", context)


def _decide(request: HttpRequest, classifier) -> None:
    # One button per photo sends "action" as "keep:<id>"; the selection's buttons send a bare action; the
    # one-click "Move to <class>" sends the class too, as "move:<id>:<label id>".
    action, _, one = request.POST.get("action", "").partition(":")
    one, _, suggested = one.partition(":")
    photos = owned_photos(classifier, [one] if one else request.POST.getlist("example"))
    if not photos:
        messages.error(request, "Tick the photos to decide on first.")
        return
    label = None
    if action == "move":
        wanted = suggested or request.POST.get(f"label-{one}" if one else "label", "")
        label = classifier_label(classifier, wanted)
    try:
        done, skipped = photos_review(photos=photos, action=action, label=label)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return
    if done:
        messages.success(request, DONE[action].format(photos=photos_in_words(done), they="it" if done == 1 else "they",
                                                      label=label.name if label else ""))
    for reason in skipped:
        messages.error(request, reason)
