from django.urls import path

from classifiers import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("classifiers/<uuid:classifier_id>/", views.classifier_detail, name="classifier_detail"),
]
