"""The landing page, the health check, and the page for requests Django will not read."""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from classifiers.selectors.workers import workers_availability


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "landing.html")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The site answers and reaches its database (200, "status": "ok"), and whether a worker takes tasks:
    "worker" is ok, busy (every process working), "not taking tasks" (it runs but its pool stopped taking
    tasks) or none. Read from the rows the workers write: this never waits on the queue."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "worker": workers_availability().status})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django refuses a request it will not read in full (too many files or fields at once), or one for a
    host name this site does not answer to. The upload script sends files in batches, so a person meets the
    first only with a plain form or a tool."""
    message = "NanoWeb could not read this request."
    if isinstance(exception, TooManyFilesSent):
        message += (f" Send at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a time, or put them in a "
                    "zip.")
    elif isinstance(exception, TooManyFieldsSent):
        message += f" It has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields."
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "bad_request", "message": message}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
