"""What happened to the last photos a person added to each class, kept in the session until the classifier
page shows it next to that class's add-photos field. The page's script uploads many files in several
requests; each adds to the same report, and the page shown afterwards has them all."""

from __future__ import annotations

from django.http import HttpRequest

from classifiers.models import Classifier, Label

SESSION_KEY = "nw_import_reports"
# A report lists at most this many refused files by name; the rest are counted.
MAX_LISTED = 100


def import_report_add(request: HttpRequest, *, label: Label, added: int, rejected: list[dict]) -> dict:
    reports = request.session.get(SESSION_KEY, {})
    report = reports.get(str(label.id)) or {"classifier": str(label.classifier_id), "added": 0, "rejected": [],
                                             "more_rejected": 0}
    report["added"] += added
    room = MAX_LISTED - len(report["rejected"])
    listed = [{"name": r.get("name") or r.get("url") or "", "reason": r.get("reason", "")} for r in rejected]
    report["rejected"] += listed[:room]
    report["more_rejected"] += max(0, len(listed) - max(room, 0))
    reports[str(label.id)] = report
    request.session[SESSION_KEY] = reports
    return report


def import_reports_pop(request: HttpRequest, classifier: Classifier) -> dict[str, dict]:
    """This classifier's reports, removed from the session so each is shown once."""
    reports = request.session.get(SESSION_KEY, {})
    mine = {key: value for key, value in reports.items() if value.get("classifier") == str(classifier.id)}
    if mine:
        request.session[SESSION_KEY] = {k: v for k, v in reports.items() if k not in mine}
    return mine
