"""Try it on many photos in a real browser — a zip dropped (chosen) and a folder chosen — with the bar moving,
the summary in words naming the file that could not be read, and the CSV downloaded and read row by row; and
an older version tried on the page and downloaded from the API tab, while the one in use stays in use."""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import zipfile

import pytest
from playwright.sync_api import expect

from classifiers.services.catalog import label_rename
from tests.e2e.conftest import PHOTOS, screenshot
from tests.e2e.trained import hats_or_shoes, log_in, shop_owner, train_now

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_page(page, live_server):
    owner = shop_owner()
    log_in(page.context, live_server.url, owner)
    return owner, page


@pytest.fixture
def trained(owner_page, monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # training runs here
    return hats_or_shoes(owner_page[0])


def watch_progress(page) -> None:
    """Keep every text the progress line shows, to check afterwards that it moved."""
    page.evaluate("""() => {
        window.progressSeen = [];
        const line = document.querySelector("[data-batch-status]");
        new MutationObserver(() => window.progressSeen.push(line.textContent))
            .observe(line, {childList: true, characterData: true, subtree: true});
    }""")


def downloaded_rows(page, link_name: str) -> tuple[str, list[dict]]:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    with open(download.value.path(), newline="", encoding="utf-8") as handle:
        return download.value.suggested_filename, list(csv.DictReader(handle))


def test_a_zip_of_photos_is_answered_with_a_progress_bar_and_downloaded_as_csv(owner_page, trained, tmp_path):
    _, page = owner_page
    shop = tmp_path / "shop.zip"
    with zipfile.ZipFile(shop, "w") as archive:
        archive.write(PHOTOS / "hat-0033.jpg", "new stock/hat-0033.jpg")
        archive.write(PHOTOS / "shoes-0032.jpg", "new stock/shoes-0032.jpg")
        archive.writestr("new stock/price list.txt", "hat 20, shoes 40")
    page.goto(f"/classifiers/{trained.id}/try/")
    card = page.get_by_role("region", name="Try many photos at once")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Download the answers (CSV)")).to_be_hidden()  # nothing answered yet
    watch_progress(page)

    # With a loose photo whose name a spreadsheet would run as a formula.
    formula = tmp_path / "=dress.jpg"
    shutil.copy(PHOTOS / "dress-0020.jpg", formula)
    card.locator("#batch-files").set_input_files([shop, formula])
    summary = card.get_by_role("status")
    expect(summary).to_contain_text("Answered 3 photos; 1 file could not be read:", timeout=60_000)
    expect(summary.locator("li")).to_have_text(re.compile(r"^shop\.zip/new stock/price list\.txt — Skipped: \.txt"))
    seen = page.evaluate("window.progressSeen")
    assert "Answered 4 of 4 so far…" in seen, seen  # the bar followed the zip's three files and the photo
    screenshot(page, "try-many-photos")

    filename, rows = downloaded_rows(page, "Download the answers (CSV)")
    assert filename == "hats-or-shoes-answers-version-1.csv"
    assert list(rows[0]) == ["name", "label", "confidence", "none_of_these"]
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"shop.zip/new stock/hat-0033.jpg", "shop.zip/new stock/shoes-0032.jpg",
                            "'=dress.jpg"}
    assert (by_name["shop.zip/new stock/hat-0033.jpg"]["label"], by_name["shop.zip/new stock/shoes-0032.jpg"]["label"]
            ) == ("hat", "shoes")
    for row in rows:
        assert 0 <= float(row["confidence"]) <= 1
        assert row["none_of_these"] in ("yes", "no")
    assert by_name["shop.zip/new stock/hat-0033.jpg"]["none_of_these"] == "no"


def test_a_folder_of_photos_is_answered_by_its_files_paths(owner_page, trained, tmp_path):
    _, page = owner_page
    folder = tmp_path / "till photos"
    (folder / "monday").mkdir(parents=True)
    shutil.copy(PHOTOS / "hat-0033.jpg", folder / "monday" / "a.jpg")
    shutil.copy(PHOTOS / "shoes-0032.jpg", folder / "b.jpg")
    page.goto(f"/classifiers/{trained.id}/try/")
    card = page.get_by_role("region", name="Try many photos at once")
    card.locator("#batch-folder").set_input_files(folder)
    expect(card.get_by_role("status")).to_have_text("Answered 2 photos.", timeout=60_000)
    _, rows = downloaded_rows(page, "Download the answers (CSV)")
    assert {row["name"]: row["label"] for row in rows} == {"till photos/monday/a.jpg": "hat",
                                                           "till photos/b.jpg": "shoes"}


def test_an_older_version_is_tried_on_the_page_and_downloaded_while_the_one_in_use_stays(owner_page, trained):
    owner, page = owner_page
    label_rename(label=trained.labels.get(name="shoes"), name="boots")
    trained = train_now(trained)  # version 2, in use, says "boots"; version 1 still says "shoes"
    page.goto(f"/classifiers/{trained.id}/try/")
    expect(page.get_by_label("Answers from")).to_have_value("2")
    page.get_by_label("Answers from").select_option(value="1")
    expect(page.get_by_label("Answers from").locator("option:checked")).to_contain_text("Version 1, trained")
    page.get_by_role("button", name="Try this version").click()
    expect(page.locator("[data-version-note]")).to_contain_text(
        "You are trying version 1. Your programs and the API still get answers from version 2, the one in use")
    page.locator("#try-image").set_input_files(PHOTOS / "shoes-0032.jpg")
    expect(page.locator("[data-verdict]")).to_have_text("shoes", timeout=30_000)

    page.get_by_role("link", name="Back to version 2").click()
    page.locator("#try-image").set_input_files(PHOTOS / "shoes-0032.jpg")
    expect(page.locator("[data-verdict]")).to_have_text("boots", timeout=30_000)
    trained.refresh_from_db()
    assert trained.active_version.number == 2

    page.goto(f"/classifiers/{trained.id}/api/")
    page.get_by_text("Download an earlier version").click()
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download version 1").click()
    assert download.value.suggested_filename == "hats-or-shoes-v1.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        labels = json.loads(archive.read("labels.json"))
    assert labels["version"] == 1
    assert "shoes" in json.dumps(labels) and "boots" not in json.dumps(labels)


def test_photos_dropped_on_the_batch_zone_are_answered(owner_page, trained):
    _, page = owner_page
    page.goto(f"/classifiers/{trained.id}/try/")
    zone = page.locator("form[data-try-batch].js")
    expect(zone).to_be_attached()
    photos = {name: base64.b64encode((PHOTOS / name).read_bytes()).decode()
              for name in ("hat-0033.jpg", "shoes-0032.jpg")}
    # What a browser hands a page when files are dragged onto it from the desktop.
    dropped = page.evaluate_handle("""photos => {
        const transfer = new DataTransfer();
        for (const [name, data] of Object.entries(photos)) {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
        }
        return transfer;
    }""", photos)
    zone.dispatch_event("dragenter", {"dataTransfer": dropped})
    expect(zone).to_have_class(re.compile(r"\bover\b"))  # the zone shows it will take them
    zone.dispatch_event("drop", {"dataTransfer": dropped})
    card = page.get_by_role("region", name="Try many photos at once")
    expect(card.get_by_role("status")).to_have_text("Answered 2 photos.", timeout=60_000)
    _, rows = downloaded_rows(page, "Download the answers (CSV)")
    assert {row["name"]: row["label"] for row in rows} == {"hat-0033.jpg": "hat", "shoes-0032.jpg": "shoes"}
