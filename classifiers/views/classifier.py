"""The classifier page: per class its photos, how to add more, its web searches; the classifier's settings.

Every form on this page posts to its own small view; when one fails, that view renders this page again
with its bound form, so the error shows next to the field the person just filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from classifiers.forms import (
    ClassifierSettingsForm,
    LabelForm,
    PageUrlForm,
    SearchForm,
    UrlListForm,
    add_service_error,
)
from classifiers.models import Classifier, Label, SearchJob
from classifiers.selectors.catalog import (
    MIN_PHOTOS_PER_CLASS,
    classifier_state,
    labels_trainable,
    labels_with_counts,
)
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.photos import UNDO_SECONDS, label_photos_newest, photo_removal_undoable
from classifiers.selectors.review import photos_to_review
from classifiers.selectors.search import search_job_summary, search_jobs_by_label, searching_is_offline
from classifiers.services.catalog import classifier_update
from classifiers.views.reports import import_reports_pop
from nanoweb.errors import ServiceError

PHOTOS_SHOWN = 60
RECENT_JOBS = 2


@dataclass
class LabelPanel:
    label: Label
    photos: list
    hidden: int
    jobs: list[dict]  # search_job_summary of each
    forms: dict[str, forms.Form]
    report: dict | None
    open_form: str = ""  # the add-photos form to show opened (the one that just failed)


def label_forms(label: Label, bound: dict[str, forms.Form] | None = None) -> dict[str, forms.Form]:
    """Unbound forms for one class, ids made unique per class; `bound` replaces the one that failed."""
    auto_id = f"id_{label.id.hex[:8]}_%s"
    made = {
        "search": SearchForm(auto_id=auto_id, initial={"query": label.name}),
        "urls": UrlListForm(auto_id=auto_id),
        "page": PageUrlForm(auto_id=auto_id),
        "rename": LabelForm(auto_id=auto_id, initial={"name": label.name}),
    }
    made.update(bound or {})
    return made


def render_photos_page(request: HttpRequest, classifier: Classifier, *, label: Label | None = None,
                       kind: str = "", form: forms.Form | None = None,
                       settings_form: ClassifierSettingsForm | None = None,
                       new_label_form: LabelForm | None = None, status: int = 200) -> HttpResponse:
    labels = list(labels_with_counts(classifier))
    show_all = request.GET.get("all") == "1"
    reports = import_reports_pop(request, classifier)
    jobs_by_label = search_jobs_by_label(classifier)
    panels = []
    for item in labels:
        photos = label_photos_newest(item, limit=None if show_all else PHOTOS_SHOWN)
        jobs = [job for job in jobs_by_label.get(item.id, []) if not job.dismissed]
        shown_jobs = [j for j in jobs if j.status in SearchJob.ACTIVE_STATUSES]
        shown_jobs += [j for j in jobs if j.status not in SearchJob.ACTIVE_STATUSES][:RECENT_JOBS]
        failed_here = label is not None and item.id == label.id
        panels.append(LabelPanel(
            label=item, photos=photos, hidden=item.photo_count - len(photos),
            jobs=[search_job_summary(job) for job in shown_jobs],
            forms=label_forms(item, {kind: form} if failed_here and form is not None else None),
            report=reports.get(str(item.id)), open_form=kind if failed_here else "",
        ))
    flagged_total = sum(item.flagged_count for item in labels)
    context = {
        "classifier": classifier,
        "panels": panels,
        "state": classifier_state(classifier, labels=labels),
        "flagged_total": flagged_total,
        "flagged": photos_to_review(classifier=classifier) if flagged_total else [],
        "photo_total": sum(item.photo_count for item in labels),
        "any_active_job": any(j["active"] for p in panels for j in p.jobs),
        "settings_form": settings_form or ClassifierSettingsForm(initial={
            "name": classifier.name, "open_licenses_only": classifier.open_licenses_only,
            "keep_prediction_photos": classifier.keep_prediction_photos,
            "prediction_retention_days": classifier.prediction_retention_days}),
        "new_label_form": new_label_form or LabelForm(auto_id="id_new_label_%s"),
        "tab": "photos",
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "removal": photo_removal_undoable(classifier, request.GET.get("undo", "")),
        "undo_minutes": UNDO_SECONDS // 60,
        "min_photos": MIN_PHOTOS_PER_CLASS,
        "web_offline": web_offline(request),
        "trainable": labels_trainable(labels),
    }
    return render(request, "classifiers/detail.html", context, status=status)


def web_offline(request: HttpRequest) -> bool:
    """Whether to stop offering what needs the internet (web search, links, pages): the last searches found
    no network. "Check again" (?check_web=1) offers them once more."""
    return request.GET.get("check_web") != "1" and searching_is_offline(request.user)


@login_required
def classifier_detail(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    return render_photos_page(request, owned_classifier(request.user, classifier_id))


@login_required
@require_POST
def classifier_settings(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = ClassifierSettingsForm(request.POST)
    if form.is_valid():
        try:
            classifier_update(classifier=classifier, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc, fields={"classifier": "name"})
        else:
            messages.success(request, "Settings saved.")
            return redirect("classifier_detail", classifier.id)
    return render_photos_page(request, classifier, settings_form=form, status=400)
