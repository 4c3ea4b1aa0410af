"""Forms of the classifier pages. They check shape only; the services decide what is allowed and say why
(a ServiceError's message), which `add_service_error` puts next to the field it concerns."""

from __future__ import annotations

from django import forms
from django.conf import settings

from nanoweb.errors import ServiceError

DEFAULT_PHOTOS_PER_CLASS = 20

PROVIDER_NAMES = {
    "duckduckgo": "DuckDuckGo images",
    "bing": "Bing images",
    "commons": "Wikimedia Commons (openly licensed)",
    "openverse": "Openverse (openly licensed)",
}


def provider_choices() -> list[tuple[str, str]]:
    return [("", "All sources")] + [(p, PROVIDER_NAMES.get(p, p)) for p in settings.SEARCH_PROVIDERS]


def add_service_error(form: forms.Form, exc: ServiceError, *, fields: dict[str, str] | None = None) -> None:
    """Show a service's message next to the field it names in `details["field"]` (mapped through `fields`),
    or above the form when it names none of this form's fields."""
    field = (exc.details or {}).get("field")
    field = (fields or {}).get(field, field)
    form.add_error(field if field in form.fields else None, exc.message)


def _at_most_search_max(count: int) -> int:
    if count > settings.SEARCH_MAX_COUNT:
        raise forms.ValidationError(f"Ask for at most {settings.SEARCH_MAX_COUNT} photos a class at a time.")
    return count


class ClassifierCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="For example “Dress colours”.")
    labels = forms.CharField(
        label="Classes, one per line",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "blue and black dress\nwhite and gold dress"}),
        help_text="The things you want to tell apart. You need at least two to train; you can add more later.",
    )
    find_photos = forms.BooleanField(
        label="Find photos on the web for me", required=False, initial=True,
        help_text="Each class name is used as the search words; you can review and remove photos afterwards.",
    )
    per_class = forms.IntegerField(
        label="How many photos per class", min_value=1, initial=DEFAULT_PHOTOS_PER_CLASS, required=False,
        help_text="20 to 50 is plenty to start with.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["per_class"].widget.attrs["max"] = settings.SEARCH_MAX_COUNT

    def clean_per_class(self) -> int:
        count = self.cleaned_data["per_class"]
        return DEFAULT_PHOTOS_PER_CLASS if count is None else _at_most_search_max(count)

    def label_names(self) -> list[str]:
        return [line for line in self.cleaned_data["labels"].splitlines() if line.strip()]

    def clean_labels(self) -> str:
        text = self.cleaned_data["labels"]
        if not [line for line in text.splitlines() if line.strip()]:
            raise forms.ValidationError("Write at least one class name, one per line.")
        return text


class ClassifierSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    open_licenses_only = forms.BooleanField(
        label="Train only on openly licensed photos", required=False,
        help_text="Public domain, CC0, CC BY and CC BY-SA. Your own uploads and photos without a known licence "
                  "are left out of training (they stay here); the results say how many.",
    )
    keep_prediction_photos = forms.BooleanField(
        label="Keep a small copy of each photo it is asked about", required=False,
        help_text="Shown beside each answer under Answers, so you can see what it was asked. Turning this off "
                  "also deletes the copies kept so far.",
    )
    prediction_retention_days = forms.IntegerField(
        label="Keep answers for how many days", required=False, min_value=1, max_value=3650,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prediction_retention_days"].help_text = (
            "Older answers and their photos are deleted. Leave empty for the usual "
            f"{settings.PREDICTION_RETENTION_DAYS} days.")


class LabelForm(forms.Form):
    name = forms.CharField(label="Class name", max_length=100)


class SearchForm(forms.Form):
    query = forms.CharField(label="Search words", max_length=300)
    count = forms.IntegerField(label="How many", min_value=1, initial=DEFAULT_PHOTOS_PER_CLASS)
    provider = forms.ChoiceField(label="Where", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()
        self.fields["count"].widget.attrs["max"] = settings.SEARCH_MAX_COUNT

    def clean_count(self) -> int:
        return _at_most_search_max(self.cleaned_data["count"])

    def providers(self) -> list[str] | None:
        chosen = self.cleaned_data.get("provider")
        return [chosen] if chosen else None


class UrlListForm(forms.Form):
    urls = forms.CharField(
        label="Image links, one per line",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://example.org/photo.jpg"}),
    )

    def url_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()]


class PageUrlForm(forms.Form):
    page_url = forms.CharField(
        label="A web page with photos", max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/gallery.html"}),
        help_text="NanoWeb takes the pictures on that page.",
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=100, required=False,
                           help_text="A note to tell your keys apart, e.g. “laptop script”.")


class TryUrlForm(forms.Form):
    url = forms.CharField(label="…or paste an image link", max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://example.org/photo.jpg"}))


# --- Share links and webhooks (the API page) ------------------------------------------------------------------


class ShareLinkForm(forms.Form):
    name = forms.CharField(label="Who it is for (only you see this)", max_length=100, required=False,
                           help_text="For example “shop window tablet”, to tell your links apart.")


class WebhookForm(forms.Form):
    EVENT_CHOICES = [
        ("training.finished", "A training ends (done, failed or stopped)"),
        ("search.finished", "A web search for photos ends"),
        ("unknown_share.high", "Many answers in the last hour are “none of these”"),
    ]

    url = forms.CharField(label="Address to call", max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://example.org/nanoweb-hook"}))
    events = forms.MultipleChoiceField(label="Call it when", choices=EVENT_CHOICES,
                                       widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
                                       initial=["training.finished", "search.finished"])
    unknown_percent = forms.IntegerField(
        label="“Many” means more than this percentage", min_value=1, max_value=99, initial=30, required=False,
        help_text="Of the answers given in the last hour; one call each time it goes above, not one per answer.")
