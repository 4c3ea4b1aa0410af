"""The owner's share links, on the API page: make one (its address is shown in the list), stop sharing one."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from classifiers.forms import ShareLinkForm, add_service_error
from classifiers.selectors.owned import owned_classifier
from classifiers.services.share_links import share_link_create, share_link_revoke
from classifiers.views.keys import render_api_page
from nanoweb.errors import NotFound, ServiceError


@login_required
@require_POST
def share_link_new(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = ShareLinkForm(request.POST, auto_id="id_share_%s")
    if form.is_valid():
        try:
            share_link_create(classifier=classifier, name=form.cleaned_data["name"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Link made. Anyone you give it to can try this classifier, without an account.")
            return redirect(reverse("classifier_api", args=[classifier.id]) + "#share")
    return render_api_page(request, classifier, share_form=form, status=400)


@login_required
@require_POST
def share_link_remove(request: HttpRequest, classifier_id: UUID, link_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        share_link_revoke(classifier=classifier, link_id=link_id)
    except NotFound:
        raise Http404("No such link.") from None
    messages.success(request, "Sharing stopped: that link now leads nowhere.")
    return redirect(reverse("classifier_api", args=[classifier.id]) + "#share")
