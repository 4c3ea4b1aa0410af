"""What every page view needs: this user's objects (404 for anyone else's), and whether to answer JSON."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from classifiers.models import Classifier, Example, Label


def owned_classifier(request: HttpRequest, classifier_id: UUID) -> Classifier:
    return get_object_or_404(Classifier.objects.select_related("active_version"), id=classifier_id,
                             owner=request.user)


def owned_label(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> Label:
    return get_object_or_404(Label.objects.select_related("classifier"), id=label_id, classifier_id=classifier_id,
                             classifier__owner=request.user)


def owned_examples(classifier: Classifier, ids: list[str]) -> list[Example]:
    """The photos among `ids` that belong to `classifier`; ids that are not UUIDs or not its own are ignored."""
    valid = []
    for raw in ids:
        try:
            valid.append(UUID(str(raw)))
        except ValueError:
            continue
    return list(Example.objects.filter(id__in=valid, label__classifier=classifier).select_related("label"))


def wants_json(request: HttpRequest) -> bool:
    """The pages' own scripts ask for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")
