"""The dashboard, the new-classifier form, and deleting a classifier."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from classifiers.forms import ClassifierCreateForm, add_service_error
from classifiers.selectors.catalog import classifier_labels, dashboard_rows
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.search import searching_is_offline
from classifiers.services.catalog import classifier_create, classifier_delete
from classifiers.services.search_jobs import search_job_create
from nanoweb.errors import ServiceError

# Which form field a catalog service's details["field"] is about.
CREATE_FIELDS = {"classifier": "name", "class": "labels", "labels": "labels"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "classifiers/dashboard.html", {"rows": dashboard_rows(request.user)})


@login_required
def classifier_new(request: HttpRequest) -> HttpResponse:
    form = ClassifierCreateForm(request.POST or None)
    if searching_is_offline(request.user):
        # The last searches found no network: do not offer one by default, and say why.
        form.fields["find_photos"].initial = False
        form.fields["find_photos"].help_text = ("NanoWeb could not reach the internet the last time it searched, "
                                                "so this is off; tick it if the network is back.")
    if request.method == "POST" and form.is_valid():
        try:
            classifier = classifier_create(owner=request.user, name=form.cleaned_data["name"],
                                           label_names=form.label_names())
        except ServiceError as exc:
            add_service_error(form, exc, fields=CREATE_FIELDS)
        else:
            if form.cleaned_data["find_photos"]:
                _start_searches(request, classifier, count=form.cleaned_data["per_class"])
            return redirect("classifier_detail", classifier.id)
    return render(request, "classifiers/new.html", {"form": form}, status=400 if form.errors else 200)


def _start_searches(request: HttpRequest, classifier, *, count: int) -> None:
    """One web search a class, named after it. The classifier is kept whatever happens here, and the
    person is told how to retry a search that could not start."""
    started = 0
    for label in classifier_labels(classifier.id):
        try:
            search_job_create(label=label, query=label.name, count=count)
            started += 1
        except ServiceError as exc:
            messages.error(request, f"The web search for “{label.name}” could not start: {exc.message} "
                                    "Try again with “Find on the web” below.")
    if started:
        messages.success(request, f"Looking for {count} photos of each class on the web. They appear below as "
                                  "they arrive; remove any that do not fit.")


@login_required
def classifier_remove(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    """GET asks to confirm; POST deletes the classifier with its photos and trained versions."""
    classifier = owned_classifier(request.user, classifier_id)
    if request.method == "POST":
        name = classifier.name
        classifier_delete(classifier=classifier)
        messages.success(request, f"Deleted “{name}” with its photos and trained versions.")
        return redirect("dashboard")
    return render(request, "classifiers/delete.html", {"classifier": classifier})
