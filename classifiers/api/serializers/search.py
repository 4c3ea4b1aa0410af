"""Web searches: what a client sends to start one, a job as it runs, and what searches yielded."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import SearchJob
from classifiers.selectors.search import search_job_yield


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField(
        required=False, max_length=300, help_text="What to search for; the class name if left out."
    )
    count = serializers.IntegerField(
        required=False,
        default=20,
        min_value=1,
        max_value=settings.SEARCH_MAX_COUNT,
        help_text="How many photos to add at most.",
    )
    providers = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(settings.SEARCH_PROVIDER_NAMES)),
        required=False,
        min_length=1,
        help_text="Search engines to use; the server's configured ones if left out.",
    )


class FindMoreSerializer(SearchSerializer):
    count = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=settings.SEARCH_MAX_COUNT,
        help_text="How many photos to add to what the class has now.",
    )


class RejectedCountsField(serializers.DictField):
    child = serializers.IntegerField()


class SearchYieldSerializer(serializers.Serializer):
    asked = serializers.IntegerField(help_text="New photos the search was to add.")
    found = serializers.IntegerField(help_text="Pictures the search engines listed (new to this class).")
    downloaded = serializers.IntegerField(help_text="Saved into the class.")
    duplicates = serializers.IntegerField(help_text="Refused as the same picture as one already in the class.")
    rejected = RejectedCountsField(help_text="Refused, by reason: {reason: n}.")
    usable = serializers.IntegerField(help_text="Saved photos still in the class, neither flagged nor waiting.")
    flagged = serializers.IntegerField(help_text="Saved photos with a flag to look at.")
    waiting = serializers.IntegerField(help_text="Saved photos waiting for review (a 'find more' search).")
    moved = serializers.IntegerField(help_text="Saved photos since moved to another class.")
    dropped = serializers.IntegerField(help_text="Saved photos since deleted.")
    summary = serializers.CharField(help_text="In words: 'asked 50 → found 80 → saved 40 (...) → 37 usable'.")


class LabelYieldSerializer(SearchYieldSerializer):
    label = serializers.UUIDField(help_text="The class.")
    name = serializers.CharField(help_text="The class's name.")
    searches = serializers.IntegerField(help_text="Web searches of this class so far.")


# For jobs read through selectors.search, their yield counted in the same query (no docstring: it would
# become the schema component's description).
class SearchJobSerializer(serializers.ModelSerializer):
    label = serializers.UUIDField(source="label_id", read_only=True)
    counts = serializers.DictField(
        read_only=True,
        help_text="found, downloaded, duplicates, rejected ({reason: n}) and provider_errors, as they grow.",
    )
    hold_for_review = serializers.BooleanField(
        read_only=True, help_text="Its photos wait for review and are not trained on until kept."
    )
    yield_ = serializers.SerializerMethodField(
        method_name="get_yield",
        help_text="From asked to usable: found, saved, duplicates, refused by reason, usable, flagged, waiting.",
    )

    class Meta:
        model = SearchJob
        fields = [
            "id",
            "label",
            "query",
            "requested",
            "providers",
            "status",
            "counts",
            "yield_",
            "hold_for_review",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_fields(self) -> dict:
        fields = super().get_fields()
        # `yield` is a Python keyword, so the field is declared as yield_ and answered as yield.
        return {("yield" if name == "yield_" else name): field for name, field in fields.items()}

    @extend_schema_field(SearchYieldSerializer)
    def get_yield(self, job: SearchJob) -> dict:
        return search_job_yield(job)  # from the counts annotated on the job: no query
