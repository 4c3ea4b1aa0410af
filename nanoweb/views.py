"""Public pages (landing, sign-up), the health check, and the page for requests Django will not read."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from nanoweb.forms import SignUpForm
from nanoweb.login_throttle import login_failure_record, login_failures_clear, login_is_blocked
from nanoweb.services import user_create


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "landing.html")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in, refusing further tries after LOGIN_FAILURE_LIMIT failures for a while."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        if login_is_blocked(request, username):
            form = self.get_form()
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
            form.add_error(
                None,
                f"Too many failed log-ins for this account from your address. Wait {minutes} minutes and try "
                "again.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_record(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_failures_clear(self.request, self.request.POST.get("username", ""))
        return super().form_valid(form)


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
