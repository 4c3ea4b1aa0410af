"""Photo credits and the openly-licensed-only switch through the API: the attribution file as CSV and
JSON, and a run trained with the switch on says how many photos it left out and why."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from classifiers.services.catalog import classifier_create
from tests.classifiers.api.conftest import train_now
from tests.classifiers.conftest import add_photo, photos

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def credited(ada):
    """Hats and shoes from a web search: 4 a class under CC BY-SA, 1 NonCommercial and 1 with no licence."""
    classifier = classifier_create(owner=ada.user, name="Hat or shoes", label_names=["hat", "shoes"])
    for label in classifier.labels.all():
        files = photos("clothing", label.name)
        licences = ["CC BY-SA 4.0"] * 4 + ["CC BY-NC 2.0", ""]
        for i, (path, licence) in enumerate(zip(files, licences, strict=False)):
            add_photo(label, path, provider="commons", license=licence, author=f"Photographer {i}",
                        title=f"{label.name} {i}", source_url=f"https://upload.example.org/{label.name}/{i}.jpg",
                        page_url=f"https://commons.example.org/File:{label.name}_{i}.jpg", fetched_at=WHEN,
                        license_url="https://creativecommons.org/licenses/by-sa/4.0/" if licence else "")
    return classifier


def test_the_credits_download_as_csv_with_one_row_a_photo(ada, credited):
    response = ada.client.get(f"/api/v1/classifiers/{credited.id}/attribution.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hat-or-shoes-photo-credits.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 12
    first = rows[0]
    assert (first["class"], first["provider"], first["author"], first["license"]) == (
        "hat", "commons", "Photographer 0", "CC BY-SA 4.0")
    assert first["page_url"] == "https://commons.example.org/File:hat_0.jpg"
    assert first["fetched_at"] == WHEN.isoformat()


def test_the_credits_download_as_json_for_programs(ada, credited):
    response = ada.client.get(f"/api/v1/classifiers/{credited.id}/attribution.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["classifier"] == "Hat or shoes" and len(body["photos"]) == 12
    assert {photo["license"] for photo in body["photos"]} == {"CC BY-SA 4.0", "CC BY-NC 2.0", ""}


def test_another_persons_credits_are_not_found(bob, credited):
    response = bob.client.get(f"/api/v1/classifiers/{credited.id}/attribution.csv")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_openly_licensed_only_trains_on_open_photos_and_the_run_says_what_it_left_out(ada, credited):
    patched = ada.client.patch(f"/api/v1/classifiers/{credited.id}/", {"open_licenses_only": True}, format="json")
    assert patched.status_code == 200 and patched.json()["open_licenses_only"] is True
    run = ada.client.get(f"/api/v1/classifiers/{credited.id}/runs/{train_now(ada, credited.id)}/").json()
    assert run["status"] == "succeeded", run["error"]
    assert run["metrics"]["examples"] + len(run["metrics"]["left_out"]) == 8  # left out: near-certainly wrong
    excluded = run["metrics"]["excluded"]
    assert excluded["count"] == 4
    assert excluded["reasons"] == {"licence 'CC BY-NC 2.0' is not open": 2, "no licence recorded": 2}
    assert "CC BY-SA" in excluded["rule"]

    ada.client.patch(f"/api/v1/classifiers/{credited.id}/", {"open_licenses_only": False}, format="json")
    run = ada.client.get(f"/api/v1/classifiers/{credited.id}/runs/{train_now(ada, credited.id)}/").json()
    assert run["metrics"]["examples"] + len(run["metrics"]["left_out"]) == 12
    assert run["metrics"]["excluded"]["count"] == 0
