"""The API page of a classifier: make and revoke keys (a new key is shown once), snippets to call it, and
the model and photo-credit downloads."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.services import api_key_create, api_key_revoke, api_keys_active
from classifiers.forms import ApiKeyForm, add_service_error
from classifiers.models import Classifier
from classifiers.selectors.catalog import classifier_state
from classifiers.selectors.owned import owned_classifier
from nanoweb.errors import NotFound, ServiceError

# Shown in the snippets in place of a key the page no longer knows.
KEY_PLACEHOLDER = "YOUR_API_KEY"


def _render(request: HttpRequest, classifier: Classifier, *, form: ApiKeyForm | None = None, secret: str = "",
            status: int = 200) -> HttpResponse:
    context = {
        "classifier": classifier,
        "tab": "api",
        "keys": api_keys_active(user=request.user),
        "form": form or ApiKeyForm(),
        "secret": secret,
        "key": secret or KEY_PLACEHOLDER,
        "predict_url": request.build_absolute_uri(reverse("api-predict", args=[classifier.id])),
        "state": classifier_state(classifier),
        "trained": classifier.active_version_id is not None,
    }
    return render(request, "classifiers/api.html", context, status=status)


@login_required
def api_page(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    return _render(request, owned_classifier(request.user, classifier_id))


@login_required
@require_POST
def api_key_new(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            _key, secret = api_key_create(user=request.user, name=form.cleaned_data["name"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            # Rendered, not redirected: the secret must never sit in a URL, a session or a log.
            response = _render(request, classifier, secret=secret)
            response["Cache-Control"] = "no-store"
            return response
    return _render(request, classifier, form=form, status=400)


@login_required
@require_POST
def api_key_remove(request: HttpRequest, classifier_id: UUID, key_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        api_key_revoke(user=request.user, key_id=key_id)
    except NotFound:
        raise Http404("No such key.") from None
    messages.success(request, "Key revoked. Programs using it can no longer call NanoWeb.")
    return redirect("classifier_api", classifier.id)
