"""Train, watch the run, read the results, choose the version that answers."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from classifiers.charts import confusion_rows, learning_curve_plot
from classifiers.models import ModelVersion, TrainingRun
from classifiers.selectors.catalog import classifier_state, labels_trainable, labels_with_counts
from classifiers.selectors.engine_update import engine_update_for
from classifiers.selectors.owned import owned_classifier, owned_run, owned_version
from classifiers.selectors.photos import UNDO_SECONDS, photo_removal_undoable
from classifiers.selectors.training import (
    classifier_latest_run,
    classifier_versions,
    left_out_photos,
    misclassified_photos,
    photos_wanted,
    training_run_summary,
)
from classifiers.services.training import training_run_cancel, training_run_create, version_activate
from classifiers.views.classifier import web_offline
from nanoweb.errors import ServiceError

MORE_PHOTOS = 20


@login_required
@require_POST
def train(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        training_run_create(classifier=classifier)
    except ServiceError as exc:
        messages.error(request, exc.message)
        # Back to the page the button was on, where the message tells what to do.
        return redirect("classifier_detail" if request.POST.get("from") == "photos" else "classifier_results",
                        classifier.id)
    return redirect(reverse("classifier_results", args=[classifier.id]) + "#training")


@login_required
@require_POST
def run_cancel(request: HttpRequest, classifier_id: UUID, run_id: UUID) -> HttpResponse:
    run = owned_run(request.user, classifier_id, run_id)
    try:
        training_run_cancel(run=run)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Training cancelled. The version that was active before still is.")
    return redirect(reverse("classifier_results", args=[classifier_id]) + "#training")


@login_required
@require_GET
def results(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    versions = list(classifier_versions(classifier))
    version = _chosen_version(request, classifier, versions)
    metrics = (version.metrics if version else None) or {}
    labels = list(labels_with_counts(classifier))
    latest_run = classifier_latest_run(classifier)
    suggestions = [
        {"label": s.label, "reason": s.reason, "label_id": label.id, "target": label.photo_count + MORE_PHOTOS}
        for s, label in photos_wanted(metrics, labels)
    ]
    matrix_labels, matrix_rows = confusion_rows(metrics.get("confusion"))
    context = {
        "classifier": classifier,
        "tab": "results",
        "state": classifier_state(classifier, labels=labels, latest_run=latest_run),
        "run": latest_run,
        "run_summary": training_run_summary(latest_run) if latest_run else None,
        "run_active": latest_run is not None and latest_run.status in TrainingRun.ACTIVE_STATUSES,
        "version": version,
        "versions": versions,
        "metrics": metrics,
        "per_label": sorted((metrics.get("per_label") or {}).items()),
        "matrix_labels": matrix_labels,
        "matrix_rows": matrix_rows,
        "curve": learning_curve_plot(metrics.get("learning_curve")),
        "recommendation": (metrics.get("learning_curve") or {}).get("recommendation", ""),
        "misclassified": misclassified_photos(classifier, metrics),
        "excluded": metrics.get("excluded"),
        "left_out": left_out_photos(classifier, metrics),
        "suggestions": suggestions,
        "more_photos": MORE_PHOTOS,
        "web_offline": web_offline(request),
        "trainable": labels_trainable(labels),
        "removal": photo_removal_undoable(classifier, request.GET.get("undo", "")),
        "undo_minutes": UNDO_SECONDS // 60,
        "engine_update": engine_update_for(classifier),
    }
    return render(request, "classifiers/results.html", context)


def _chosen_version(request: HttpRequest, classifier, versions: list[ModelVersion]) -> ModelVersion | None:
    wanted = request.GET.get("version")
    if wanted:
        for version in versions:
            if str(version.number) == wanted:
                return version
        raise Http404("No such version.")
    return classifier.active_version or (versions[0] if versions else None)


@login_required
@require_GET
def run_status(request: HttpRequest, classifier_id: UUID, run_id: UUID) -> JsonResponse:
    """Polled by the progress bar: small, and never cached."""
    run = owned_run(request.user, classifier_id, run_id)
    response = JsonResponse(training_run_summary(run))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def version_make_active(request: HttpRequest, classifier_id: UUID, number: int) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    owned_version(request.user, classifier.id, number)
    try:
        version_activate(classifier=classifier, number=number)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {number} now answers “Try it” and the API.")
    return redirect(reverse("classifier_results", args=[classifier.id]) + f"?version={number}")
