from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from nanoweb import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("", include("accounts.urls")),
    path("health/", views.health, name="health"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg")),
    path("api/", include("classifiers.api.urls")),
    path("", include("classifiers.urls")),
]

# Requests Django will not read (too many files or fields at once) say what to do instead.
handler400 = "nanoweb.views.bad_request"
