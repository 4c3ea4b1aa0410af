"""Classes and their photos: add, rename and delete a class; add photos by upload, zip, links, a page or a
web search; remove a selection of photos."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from classifiers.forms import LabelForm, PageUrlForm, SearchForm, UrlListForm, add_service_error
from classifiers.models import Label
from classifiers.selectors.owned import owned_classifier, owned_label, owned_photos, owned_search_job
from classifiers.selectors.photos import UNDO_SECONDS, photo_count, photo_removal_undoable
from classifiers.selectors.search import search_job_summary
from classifiers.services import removals
from classifiers.services.catalog import label_create, label_delete, label_rename
from classifiers.services.flags import flags_refresh_after_adding
from classifiers.services.imports import photos_import_page, photos_import_urls
from classifiers.services.photos import ImportResult
from classifiers.services.search_jobs import (
    search_job_cancel,
    search_job_create,
    search_job_dismiss,
    search_job_find_more,
)
from classifiers.services.uploads import photos_add_uploads
from classifiers.views.classifier import label_forms, render_photos_page
from classifiers.views.common import photos_in_words, wants_json
from classifiers.views.reports import import_report_add
from nanoweb.errors import ServiceError


def _back_to(label: Label) -> HttpResponse:
    return redirect(reverse("classifier_detail", args=[label.classifier_id]) + f"#class-{label.id}")


def _failed(request: HttpRequest, label: Label, kind: str, form: forms.Form) -> HttpResponse:
    return render_photos_page(request, label.classifier, label=label, kind=kind, form=form, status=400)


@login_required
@require_POST
def label_add(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = LabelForm(request.POST, auto_id="id_new_label_%s")
    if form.is_valid():
        try:
            label = label_create(classifier=classifier, name=form.cleaned_data["name"])
        except ServiceError as exc:
            add_service_error(form, exc, fields={"class": "name"})
        else:
            messages.success(request, f"Added the class “{label.name}”. Now add photos of it.")
            return _back_to(label)
    return render_photos_page(request, classifier, new_label_form=form, status=400)


@login_required
@require_POST
def label_edit(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    label = owned_label(request.user, classifier_id, label_id)
    form = LabelForm(request.POST, auto_id=label_forms(label)["rename"].auto_id)
    if form.is_valid():
        try:
            label_rename(label=label, name=form.cleaned_data["name"])
        except ServiceError as exc:
            add_service_error(form, exc, fields={"class": "name"})
        else:
            messages.success(request, f"Renamed the class to “{label.name}”.")
            return _back_to(label)
    return _failed(request, label, "rename", form)


@login_required
@require_POST
def label_remove(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    label = owned_label(request.user, classifier_id, label_id)
    name, count = label.name, photo_count(label)
    label_delete(label=label)
    messages.success(request, f"Deleted the class “{name}” and its {count} photo{'s' if count != 1 else ''}.")
    return redirect("classifier_detail", classifier_id)


@login_required
@require_POST
def photos_upload(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    """Files and zips, from the drop zone's script (in batches, JSON) or a plain form (redirect)."""
    label = owned_label(request.user, classifier_id, label_id)
    files = request.FILES.getlist("files")
    if not files:
        message = "Choose one or more photos, or a zip of photos, to upload."
        if wants_json(request):
            return JsonResponse({"error": {"message": message}}, status=400)
        messages.error(request, f"{label.name}: {message}")
        return _back_to(label)
    try:
        result = photos_add_uploads(label=label, files=files)
    except ServiceError as exc:  # too many pixels in all, the site busy, the data folder unwritable
        if wants_json(request):
            return JsonResponse({"error": {"message": exc.message}}, status=exc.http_status)
        messages.error(request, f"{label.name}: {exc.message}")
        return _back_to(label)
    flags_refresh_after_adding(label=label, added=len(result.added))
    import_report_add(request, label=label, added=len(result.added), rejected=result.rejected)
    if wants_json(request):
        return JsonResponse({"added": len(result.added), "rejected": result.rejected})
    return _back_to(label)


@login_required
@require_POST
def photos_from_urls(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    return _import(request, owned_label(request.user, classifier_id, label_id), "urls", UrlListForm,
                   lambda label, form: photos_import_urls(label=label, urls=form.url_list()))


@login_required
@require_POST
def photos_from_page(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    return _import(request, owned_label(request.user, classifier_id, label_id), "page", PageUrlForm,
                   lambda label, form: photos_import_page(label=label,
                                                            page_url=form.cleaned_data["page_url"].strip()))


# Which field of the links and page forms a scraper error's details["field"] is about.
IMPORT_FIELDS = {"urls": "urls", "url": "page_url", "page_url": "page_url"}


def _import(request: HttpRequest, label: Label, kind: str, form_class: type[forms.Form],
            run: Callable[[Label, forms.Form], ImportResult]) -> HttpResponse:
    """Photos by address: the outcome goes to the class's report; a refusal of the whole request goes
    next to the field, with what was typed kept."""
    form = form_class(request.POST, auto_id=label_forms(label)[kind].auto_id)
    if form.is_valid():
        try:
            result = run(label, form)
        except ServiceError as exc:
            add_service_error(form, exc, fields=IMPORT_FIELDS)
        else:
            flags_refresh_after_adding(label=label, added=len(result.added))
            import_report_add(request, label=label, added=len(result.added), rejected=result.rejected)
            return _back_to(label)
    return _failed(request, label, kind, form)


@login_required
@require_POST
def photos_search(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    label = owned_label(request.user, classifier_id, label_id)
    form = SearchForm(request.POST, auto_id=label_forms(label)["search"].auto_id)
    if form.is_valid():
        try:
            search_job_create(label=label, query=form.cleaned_data["query"], count=form.cleaned_data["count"],
                              providers=form.providers())
        except ServiceError as exc:
            add_service_error(form, exc, fields={"providers": "provider"})
        else:
            messages.success(request, f"Searching the web for “{form.cleaned_data['query']}”. Photos appear "
                                      f"under “{label.name}” as they arrive.")
            return _back_to(label)
    return _failed(request, label, "search", form)


@login_required
@require_POST
def photos_find_more(request: HttpRequest, classifier_id: UUID, label_id: UUID) -> HttpResponse:
    """"Find N more photos of X" from the results page: found, cleaned, and held for review (not trained on
    until kept)."""
    label = owned_label(request.user, classifier_id, label_id)
    try:
        search_job_find_more(label=label, count=request.POST.get("count", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Searching the web for more photos of “{label.name}”. They wait on the review "
                                  "tab and are trained on only once you keep them.")
    return _back_to(label)


@login_required
@require_POST
def search_cancel(request: HttpRequest, classifier_id: UUID, job_id: UUID) -> HttpResponse:
    job = owned_search_job(request.user, job_id, classifier_id=classifier_id)
    try:
        search_job_cancel(job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Stopping the search. The photos it already found stay.")
    return _back_to(job.label)


@login_required
@require_POST
def photos_remove(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    """Remove the ticked photos; the page it goes back to offers "Undo" for a few minutes."""
    classifier = owned_classifier(request.user, classifier_id)
    photos = owned_photos(classifier, request.POST.getlist("example"))
    back = _back_from(request, classifier)
    if not photos:
        messages.error(request, "Select the photos to remove first: tick the box on each.")
        return redirect(back)
    removal = removals.photos_remove(classifier=classifier, photos=photos)
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "undo"] + [("undo", str(removal.id))]
    return redirect(urlunsplit(parts._replace(query=urlencode(query))))


@login_required
@require_POST
def photos_undo(request: HttpRequest, classifier_id: UUID, removal_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    back = _back_from(request, classifier)
    parts = urlsplit(back)
    back = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "undo"])))
    removal = photo_removal_undoable(classifier, removal_id)
    if removal is None:
        messages.error(request, "It is too late to undo that removal: removed photos are kept for "
                                f"{UNDO_SECONDS // 60} minutes.")
        return redirect(back)
    try:
        back_count = removals.photo_removal_undo(removal=removal)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    lost = removal.count - back_count
    text = f"Put back {photos_in_words(back_count)}."
    if lost:
        text += (f" {photos_in_words(lost).capitalize()} could not come back: {'its' if lost == 1 else 'their'} "
                 "class was deleted, or the same picture was added again.")
    messages.success(request, text)
    return redirect(back)


def _back_from(request: HttpRequest, classifier) -> str:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("classifier_detail", args=[classifier.id])
    return back


@login_required
@require_POST
def search_dismiss(request: HttpRequest, classifier_id: UUID, job_id: UUID) -> HttpResponse:
    job = owned_search_job(request.user, job_id, classifier_id=classifier_id)
    try:
        search_job_dismiss(job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back_to(job.label)


@login_required
def search_status(request: HttpRequest, classifier_id: UUID, job_id: UUID) -> JsonResponse:
    """Polled by a search's progress bar: small, and never cached."""
    job = owned_search_job(request.user, job_id, classifier_id=classifier_id)
    summary = search_job_summary(job)
    del summary["job"]
    response = JsonResponse(summary)
    response["Cache-Control"] = "no-store"
    return response
