"""Credit for every photo of a classifier: where it came from, who made it, under which licence."""

from __future__ import annotations

import csv
import io
import json

from classifiers.models import Classifier, Photo

FIELDS = ["class", "provider", "source_url", "page_url", "title", "author", "license", "license_url", "fetched_at",
          "original_name", "id"]


def attribution_rows(*, classifier: Classifier) -> list[dict]:
    photos = (Photo.objects.filter(label__classifier=classifier).select_related("label")
                .order_by("label__created_at", "label__name", "created_at"))
    return [{
        "class": e.label.name, "provider": e.provider, "source_url": e.source_url, "page_url": e.page_url,
        "title": e.title, "author": e.author, "license": e.license, "license_url": e.license_url,
        "fetched_at": e.fetched_at.isoformat() if e.fetched_at else "", "original_name": e.original_name,
        "id": str(e.id),
    } for e in photos]


def attribution_csv(*, classifier: Classifier) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in attribution_rows(classifier=classifier):
        # A cell starting with = + - @ (or a tab or carriage return before one) would run as a formula in a
        # spreadsheet; a leading quote stops that.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v)
                         for k, v in row.items()})
    return out.getvalue()


def attribution_json(*, classifier: Classifier) -> str:
    return json.dumps({"classifier": classifier.name, "photos": attribution_rows(classifier=classifier)}, indent=2)
