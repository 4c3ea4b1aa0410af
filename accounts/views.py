"""Sign-up, Django's log-in with failed tries throttled, log-out with a word, and "Forgot password?"."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import SignUpForm
from accounts.login_throttle import login_failure_record, login_failures_clear, login_is_blocked
from accounts.services import user_create
from accounts.signup_throttle import signup_is_blocked, signup_record


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and signup_is_blocked(request):
        form.is_valid()  # so what was typed is shown again
        hours = max(1, round(settings.SIGNUP_WINDOW_SECONDS / 3600))
        form.add_error(None, f"Too many accounts were made from your address recently. Try again in "
                             f"{hours} hour{'s' if hours != 1 else ''}, or log in to an account you already have.")
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        signup_record(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


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


class LogoutWithMessageView(auth_views.LogoutView):
    """Django's log-out, then a word on the page the person lands on, so they know it worked."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's password reset: a one-time link by mail to the address the account was made with. Whether the
    address has an account is not told (the same page follows either way)."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    extra_email_context = {"site_name": settings.SITE_NAME}


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs):
        # Without a mail server set up (NANOWEB_EMAIL_HOST), Django's console backend prints the mail in the
        # window where NanoWeb runs: say so, or a person on their own machine waits for a mail that never comes.
        printed = settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
        return super().get_context_data(mail_is_printed=printed, **kwargs)
