from django.urls import path

from classifiers.views import (
    answers,
    classifier,
    corrections,
    engine_update,
    files,
    keys,
    pages,
    photos,
    review,
    share_links,
    shared,
    training,
    tryit,
    tryit_batch,
)
from classifiers.views import webhooks as webhook_views

C = "classifiers/<uuid:classifier_id>/"
LABEL = C + "classes/<uuid:label_id>/"

urlpatterns = [
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("classifiers/new/", pages.classifier_new, name="classifier_new"),
    path(C, classifier.classifier_detail, name="classifier_detail"),
    path(C + "settings/", classifier.classifier_settings, name="classifier_settings"),
    path(C + "delete/", pages.classifier_remove, name="classifier_delete"),
    path(C + "classes/", photos.label_add, name="label_add"),
    path(LABEL + "rename/", photos.label_edit, name="label_rename"),
    path(LABEL + "delete/", photos.label_remove, name="label_delete"),
    path(LABEL + "upload/", photos.photos_upload, name="photos_upload"),
    path(LABEL + "links/", photos.photos_from_urls, name="photos_urls"),
    path(LABEL + "page/", photos.photos_from_page, name="photos_page"),
    path(LABEL + "search/", photos.photos_search, name="photos_search"),
    path(LABEL + "find-more/", photos.photos_find_more, name="photos_find_more"),
    path(C + "searches/<uuid:job_id>/cancel/", photos.search_cancel, name="search_cancel"),
    path(C + "searches/<uuid:job_id>/status/", photos.search_status, name="search_status"),
    path(C + "searches/<uuid:job_id>/dismiss/", photos.search_dismiss, name="search_dismiss"),
    path(C + "photos/remove/", photos.photos_remove, name="photos_remove"),
    path(C + "photos/removed/<uuid:removal_id>/undo/", photos.photos_undo, name="photos_undo"),
    path(C + "review/", review.review, name="classifier_review"),
    path(C + "train/", training.train, name="train"),
    path(C + "results/", training.results, name="classifier_results"),
    path(C + "runs/<uuid:run_id>/status/", training.run_status, name="run_status"),
    path(C + "runs/<uuid:run_id>/cancel/", training.run_cancel, name="run_cancel"),
    path(C + "versions/<int:number>/activate/", training.version_make_active, name="version_activate"),
    path(C + "engine-update/", engine_update.engine_update_retrain, name="engine_update_start"),
    path(C + "engine-update/adopt/", engine_update.engine_update_choose, name="engine_update_adopt"),
    path(C + "try/", tryit.try_it, name="classifier_try"),
    path(C + "try/batch/", tryit_batch.try_batch, name="classifier_try_batch"),
    # The prediction log: how it has been answering, and each answer with its photo.
    path(C + "answers/", answers.answers, name="classifier_answers"),
    path(C + "answers/<uuid:prediction_id>/photo/", answers.prediction_photo, name="prediction_photo"),
    path(C + "api/", keys.api_page, name="classifier_api"),
    path(C + "api/keys/", keys.api_key_new, name="api_key_new"),
    path(C + "api/keys/<uuid:key_id>/revoke/", keys.api_key_remove, name="api_key_revoke"),
    path(C + "download/", files.model_download, name="model_download"),
    path(C + "credits.<str:fmt>", files.attribution_download, name="attribution_download"),
    path("images/<uuid:photo_id>/", files.photo_image, name="photo_image"),
    # Corrections of logged answers, and the answers worth a label most (issue 18, parts 3 and 4).
    path(C + "answers/<uuid:prediction_id>/feedback/", corrections.prediction_feedback, name="prediction_feedback"),
    path(C + "label-next/", corrections.label_next, name="label_next"),
    # Issue 18: share links (the public page has no classifier id in its address) and webhooks.
    path("s/<str:share_token>/", shared.share_page, name="share_page"),
    path(C + "share/", share_links.share_link_new, name="share_link_new"),
    path(C + "share/<uuid:link_id>/revoke/", share_links.share_link_remove, name="share_link_revoke"),
    path(C + "webhooks/", webhook_views.webhook_new, name="webhook_new"),
    path(C + "webhooks/<uuid:webhook_id>/test/", webhook_views.webhook_test, name="webhook_test"),
    path(C + "webhooks/<uuid:webhook_id>/delete/", webhook_views.webhook_remove, name="webhook_delete"),
]
