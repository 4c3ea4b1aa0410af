from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from classifiers.models import Classifier


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    classifiers = Classifier.objects.filter(owner=request.user).order_by("-created_at")
    return render(request, "classifiers/dashboard.html", {"classifiers": classifiers})


@login_required
def classifier_detail(request: HttpRequest, classifier_id) -> HttpResponse:
    classifier = get_object_or_404(Classifier, id=classifier_id, owner=request.user)
    return render(request, "classifiers/detail.html", {"classifier": classifier})
