"""What every page view needs besides the lookups of selectors.owned: whether to answer JSON."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from classifiers.models import Classifier
from classifiers.selectors import owned


def owned_classifier(request: HttpRequest, classifier_id: UUID) -> Classifier:
    """selectors.owned.owned_classifier for views/tryit.py, whose body is being rewritten elsewhere and may
    change only its imports here; remove once it calls owned_classifier(request.user, ...) itself."""
    return owned.owned_classifier(request.user, classifier_id)


def wants_json(request: HttpRequest) -> bool:
    """The pages' own scripts ask for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")
