"""The API page of a classifier: make and revoke keys (a new key is shown once), snippets to call it, and
the model and photo-credit downloads.

"Make a key" answers with a redirect (POST/redirect/GET), so reloading the page never makes a second key.
The new secret crosses the redirect in a short-lived signed cookie, HttpOnly and only sent to this page, and
is dropped by the one page view that shows it: it never sits in a URL, a log, the session or the database
(NanoWeb keeps only a hash of every key).
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import hash_api_key
from accounts.services import api_key_create, api_key_revoke, api_keys_active
from classifiers.forms import ApiKeyForm, add_service_error
from classifiers.models import Classifier
from classifiers.selectors.catalog import classifier_state
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.training import classifier_versions
from nanoweb.errors import NotFound, ServiceError

# Shown in the snippets in place of a key the page no longer knows.
KEY_PLACEHOLDER = "YOUR_API_KEY"
# The cookie carrying a new secret to the one page view after "Make a key".
NEW_KEY_COOKIE = "nanoweb_new_key"
NEW_KEY_SALT = "classifiers.views.keys.new-key"
NEW_KEY_SECONDS = 120


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
        # Every version's model can be downloaded, not only the active one's.
        "other_versions": classifier_versions(classifier).exclude(id=classifier.active_version_id),
    }
    return render(request, "classifiers/api.html", context, status=status)


def _new_key_secret(request: HttpRequest) -> str:
    """The secret "Make a key" just made, if this request carries it and it is still one of this person's keys."""
    # "" when there is none, or it was tampered with or is too old.
    carried = request.get_signed_cookie(NEW_KEY_COOKIE, default="", salt=NEW_KEY_SALT, max_age=NEW_KEY_SECONDS)
    user_id, _, secret = carried.partition(":")
    if not secret or user_id != str(request.user.pk):
        return ""
    if not api_keys_active(user=request.user).filter(hashed_key=hash_api_key(secret)).exists():
        return ""  # revoked meanwhile
    return secret


@login_required
def api_page(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    secret = _new_key_secret(request)
    response = _render(request, classifier, secret=secret)
    if NEW_KEY_COOKIE in request.COOKIES:
        response.delete_cookie(NEW_KEY_COOKIE, path=request.path, samesite="Strict")
    if secret:
        response["Cache-Control"] = "no-store"  # Back or a reload must not bring the secret back from a cache
    return response


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
            page = reverse("classifier_api", args=[classifier.id])
            response = redirect(page)
            response.set_signed_cookie(
                NEW_KEY_COOKIE, f"{request.user.pk}:{secret}", salt=NEW_KEY_SALT, max_age=NEW_KEY_SECONDS,
                path=page, secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Strict",
            )
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
