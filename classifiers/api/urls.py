"""/api/: the OpenAPI schema, its interactive docs, and version 1 of the REST API."""

from pathlib import Path

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from classifiers.api import schema  # noqa: F401  (registers the Bearer scheme with drf-spectacular)
from classifiers.api.errors import api_not_found
from classifiers.api.views import (
    catalog,
    corrections,
    credits,
    engine_update,
    images,
    keys,
    predict,
    predictions,
    review,
    search,
    share,
    training,
    webhooks,
)

# The quick start on /api/docs/: an outside client can do the whole flow from it alone.
DESCRIPTION = (Path(__file__).parent / "description.md").read_text()

CLASSIFIER = "v1/classifiers/<uuid:classifier_id>/"
LABEL = CLASSIFIER + "labels/<uuid:label_id>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(custom_settings={"DESCRIPTION": DESCRIPTION}), name="api-schema"),
    # Swagger UI with a way back to the site on top (templates/api/docs.html).
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", template_name="api/docs.html"),
         name="api-docs"),
    path("v1/auth/keys/", keys.KeyListCreate.as_view(), name="api-keys"),
    path("v1/auth/keys/<uuid:key_id>/", keys.KeyRevoke.as_view(), name="api-key"),
    path("v1/classifiers/", catalog.ClassifierListCreate.as_view(), name="api-classifiers"),
    path(CLASSIFIER, catalog.ClassifierDetail.as_view(), name="api-classifier"),
    path(CLASSIFIER + "labels/", catalog.LabelListCreate.as_view(), name="api-labels"),
    path(LABEL, catalog.LabelDetail.as_view(), name="api-label"),
    path(LABEL + "images/", images.LabelImages.as_view(), name="api-images"),
    path(LABEL + "images/<uuid:image_id>/", images.LabelImage.as_view(), name="api-image"),
    path("v1/images/<uuid:image_id>/file/", images.ImageFile.as_view(), name="api-image-file"),
    path(LABEL + "search/", search.LabelSearch.as_view(), name="api-search"),
    path(LABEL + "find-more/", search.FindMore.as_view(), name="api-find-more"),
    path(CLASSIFIER + "search-yield/", search.SearchYield.as_view(), name="api-search-yield"),
    path(CLASSIFIER + "review/", review.Review.as_view(), name="api-review"),
    path(CLASSIFIER + "attribution.csv", credits.Attribution.as_view(fmt="csv"), name="api-attribution-csv"),
    path(CLASSIFIER + "attribution.json", credits.Attribution.as_view(fmt="json"), name="api-attribution-json"),
    path("v1/search-jobs/<uuid:job_id>/", search.SearchJobDetail.as_view(), name="api-search-job"),
    path("v1/search-jobs/<uuid:job_id>/cancel/", search.SearchJobCancel.as_view(), name="api-search-job-cancel"),
    path(CLASSIFIER + "train/", training.Train.as_view(), name="api-train"),
    path(CLASSIFIER + "runs/", training.RunList.as_view(), name="api-runs"),
    path(CLASSIFIER + "runs/<uuid:run_id>/", training.RunDetail.as_view(), name="api-run"),
    path(CLASSIFIER + "runs/<uuid:run_id>/cancel/", training.RunCancel.as_view(), name="api-run-cancel"),
    path(CLASSIFIER + "versions/", training.VersionList.as_view(), name="api-versions"),
    path(
        CLASSIFIER + "versions/<int:number>/activate/", training.VersionActivate.as_view(), name="api-version-activate"
    ),
    path(CLASSIFIER + "engine-update/", engine_update.EngineUpdate.as_view(), name="api-engine-update"),
    path(CLASSIFIER + "engine-update/adopt/", engine_update.EngineUpdateAdopt.as_view(),
         name="api-engine-update-adopt"),
    path(CLASSIFIER + "export/", training.Export.as_view(), name="api-export"),
    path(CLASSIFIER + "predict/", predict.Predict.as_view(), name="api-predict"),
    # The prediction log.
    path(CLASSIFIER + "predictions/", predictions.PredictionList.as_view(), name="api-predictions"),
    path(CLASSIFIER + "predictions/stats/", predictions.PredictionStats.as_view(), name="api-prediction-stats"),
    path(CLASSIFIER + "predictions/<uuid:prediction_id>/", predictions.PredictionDetail.as_view(),
         name="api-prediction"),
    path(CLASSIFIER + "predictions/<uuid:prediction_id>/image/", predictions.PredictionImage.as_view(),
         name="api-prediction-image"),
    # Corrections of logged answers, and the answers worth a label most (issue 18, parts 3 and 4).
    path(CLASSIFIER + "predictions/<uuid:prediction_id>/feedback/", corrections.Feedback.as_view(),
         name="api-prediction-feedback"),
    path(CLASSIFIER + "label-next/", corrections.LabelNext.as_view(), name="api-label-next"),
    # Issue 18: share links and webhooks.
    path(CLASSIFIER + "share-links/", share.ShareLinkListCreate.as_view(), name="api-share-links"),
    path(CLASSIFIER + "share-links/<uuid:link_id>/", share.ShareLinkRevoke.as_view(), name="api-share-link"),
    path(CLASSIFIER + "webhooks/", webhooks.WebhookListCreate.as_view(), name="api-webhooks"),
    path(CLASSIFIER + "webhooks/<uuid:webhook_id>/", webhooks.WebhookDetail.as_view(), name="api-webhook"),
    path(CLASSIFIER + "webhooks/<uuid:webhook_id>/deliveries/", webhooks.WebhookDeliveries.as_view(),
         name="api-webhook-deliveries"),
    path(CLASSIFIER + "webhooks/<uuid:webhook_id>/test/", webhooks.WebhookTest.as_view(), name="api-webhook-test"),
    # Last: every other /api/ path, including ids that are not UUIDs, is a JSON 404.
    re_path(r"^[\s\S]*$", api_not_found),  # [\s\S]: also paths with an encoded newline
]
