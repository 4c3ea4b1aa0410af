"""The API page of a classifier: make and revoke keys (a new key is shown once), snippets to call it, and
the model and photo-credit downloads.

"Make a key" answers with a redirect (POST/redirect/GET), so reloading the page never makes a second key;
the new secret crosses it as views/once.py says, and never sits in the database (NanoWeb keeps only a hash
of every key). The page also holds the classifier's share links and webhooks (views/api_sections.py); their
forms post to views/share_links.py and views/webhooks.py, which render this page again when one fails.
"""

from __future__ import annotations

from uuid import UUID

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
from classifiers.views.api_sections import NEW_WEBHOOK_COOKIE, new_webhook_secret, sharing_and_webhooks
from classifiers.views.once import secret_carried, secret_carry, secret_drop
from nanoweb.errors import NotFound, ServiceError

# Shown in the snippets in place of a key the page no longer knows.
KEY_PLACEHOLDER = "YOUR_API_KEY"
# The cookie carrying a new secret to the one page view after "Make a key".
NEW_KEY_COOKIE = "nanoweb_new_key"
NEW_KEY_SALT = "classifiers.views.keys.new-key"


def render_api_page(request: HttpRequest, classifier: Classifier, *, form: ApiKeyForm | None = None,
                    secret: str = "", status: int = 200, **sections) -> HttpResponse:
    """The page; `sections` are api_sections' bound forms or new webhook secret, when a form of theirs
    failed or just made one."""
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
        **sharing_and_webhooks(request, classifier, **sections),
    }
    return render(request, "classifiers/api.html", context, status=status)


def _new_key_secret(request: HttpRequest) -> str:
    """The secret "Make a key" just made, if this request carries it and it is still one of this person's keys."""
    secret = secret_carried(request, cookie=NEW_KEY_COOKIE, salt=NEW_KEY_SALT)
    if secret and not api_keys_active(user=request.user).filter(hashed_key=hash_api_key(secret)).exists():
        return ""  # revoked meanwhile
    return secret


@login_required
def api_page(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    response = render_api_page(request, classifier, secret=_new_key_secret(request),
                               webhook_secret=new_webhook_secret(request, classifier))
    secret_drop(request, response, cookie=NEW_KEY_COOKIE)
    secret_drop(request, response, cookie=NEW_WEBHOOK_COOKIE)
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
            secret_carry(response, cookie=NEW_KEY_COOKIE, salt=NEW_KEY_SALT, user_id=request.user.pk, secret=secret,
                         path=page)
            return response
    return render_api_page(request, classifier, form=form, status=400)


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
