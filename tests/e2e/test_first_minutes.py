"""A newcomer's first ten minutes (issue 19, items 1-4 and 6), as a person meets them in a real Chromium:
searches with no internet, a blocking engine or no results said in words with the raw errors folded away;
pages that lead with plain words; a status line that follows the training; no Train button before the
photos are there; removing photos with a question first and an Undo after; duplicate and odd-photo flags
that stay true; and every page at phone width (390 px) measured box by box."""

from __future__ import annotations

import re
import socket
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from accounts.services import api_key_create
from classifiers.models import Classifier, ModelVersion, Photo, SearchJob, TrainingRun
from classifiers.services.catalog import classifier_create
from classifiers.services.flags import flags_refresh
from classifiers.services.search_jobs import search_job_create, search_job_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHONE, PHOTOS, log_in, screenshot
from tests.fakes.search import FakeCommons, FakeDuckDuckGo
from tests.fakes.web import FakeWeb, Reply
from tests.worlds import metrics_naming

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Words a shop owner or a teacher should not meet before opening a "details" fold.
JARGON = re.compile(r"\b(cross-?validat\w*|stratified|folds?|heads?|outliers?|onnx|workers?|features?|backbones?|"
                    r"misclassified|pretrained|frozen|mlp)\b", re.IGNORECASE)


def upload(label, names: list[str]) -> list[Photo]:
    files = [SimpleUploadedFile(n, (PHOTOS / n).read_bytes()) for n in names]
    return photos_add_uploads(label=label, files=files).added


def hats_and_shoes(owner, *, hats: int = 6, shoes: int = 6) -> Classifier:
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    upload(classifier.labels.get(name="hat"), [f"hat-{n:04d}.jpg" for n in range(21, 21 + hats)])
    upload(classifier.labels.get(name="shoes"), [f"shoes-{n:04d}.jpg" for n in range(20, 20 + shoes)])
    return classifier


def with_results(classifier: Classifier) -> Classifier:
    """A version with full metrics (as the engine records them) naming a photo it got wrong, and flags on
    two photos, so every part of the results and photos pages shows."""
    hat = classifier.labels.get(name="hat")
    wrong = hat.photos.order_by("created_at").first()
    metrics = metrics_naming("hat", "shoes", wrong_photo_id=str(wrong.id))
    metrics["evaluation"] = ("5-fold stratified cross-validation on 12 photos: every photo was predicted by a head "
                             "that never saw it. The final head (mlp(C=10, hidden=64)) is trained on all photos.")
    version = ModelVersion.objects.create(classifier=classifier, number=1, artifact="none", backbone="b",
                                          labels=[{"id": str(x.id), "name": x.name} for x in classifier.labels.all()],
                                          metrics=metrics)
    TrainingRun.objects.create(classifier=classifier, status="succeeded", version=version, metrics=metrics,
                               progress=1.0)
    Classifier.objects.filter(id=classifier.id).update(active_version=version)
    flagged = list(hat.photos.order_by("created_at")[1:3])
    flagged[0].flags = {"outlier": "looks unlike the other photos of 'hat' (far from what they have in common)"}
    flagged[0].flag_scores = {"outlier": 0.7}
    flagged[1].flags = {"misclassified": "taken for 'shoes' (80%) by a model that did not see it"}
    for photo in flagged:
        photo.save()
    return classifier


def visible_words_outside_folds(page) -> str:
    """The text a person sees in the page's main part without opening any <details> (their summaries count)."""
    return page.evaluate("""() => {
        const out = [];
        const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, el = node.parentElement;
            if (!el || el.closest("script, style, .visually-hidden")) continue;
            const fold = el.closest("details");
            if (fold && !el.closest("summary")) continue;
            if (!el.checkVisibility()) continue;
            out.push(node.textContent);
        }
        return out.join(" ").replace(/\\s+/g, " ");
    }""")


def assert_plain(page, where: str) -> None:
    words = visible_words_outside_folds(page)
    found = sorted({m.group(0).lower() for m in JARGON.finditer(words)})
    assert not found, f"{where}: {found} outside a details fold in: {words[:600]}"


def boxes_apart(a: dict, b: dict, gap: float) -> bool:
    """Two boxes that do not overlap and keep at least `gap` px between them, side by side or stacked."""
    return (a["x"] + a["width"] + gap <= b["x"] or b["x"] + b["width"] + gap <= a["x"]
            or a["y"] + a["height"] + gap <= b["y"] or b["y"] + b["height"] + gap <= a["y"])


def inside_the_screen(page, locator) -> None:
    box = locator.bounding_box()
    assert box, f"{locator} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5, box


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


# --- 6 and 2: the landing page ------------------------------------------------------------------------

def test_at_phone_width_the_landing_buttons_keep_apart_and_the_page_leads_with_plain_words(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    sign_up = page.get_by_role("link", name=re.compile("^Sign up — it's free"))
    log_in_link = page.locator(".hero").get_by_role("link", name="Log in")
    assert boxes_apart(sign_up.bounding_box(), log_in_link.bounding_box(), gap=8), (
        sign_up.bounding_box(), log_in_link.bounding_box())
    inside_the_screen(page, sign_up)
    inside_the_screen(page, log_in_link)
    no_sideways_scroll(page)
    assert_plain(page, "landing")
    # The engine's words are still there for who wants them, folded away.
    page.get_by_text("How?").click()
    expect(page.get_by_text("A frozen pretrained network turns each photo into features")).to_be_visible()
    screenshot(page, "first-minutes-landing")


# --- 2: every page leads with plain words ----------------------------------------------------------------

def test_every_page_leads_with_plain_words_and_badges_say_what_to_do(page, ada):
    classifier = with_results(hats_and_shoes(ada))
    api_key_create(user=ada, name="my script")
    log_in(page)
    base = f"/classifiers/{classifier.id}/"
    for where, url in (("dashboard", "/dashboard/"), ("classifier", base), ("review", base + "review/"),
                       ("results", base + "results/"), ("try it", base + "try/"), ("API tab", base + "api/")):
        page.goto(url)
        assert_plain(page, where)
    page.goto(base + "review/")
    expect(page.locator(".reasons .badge").filter(has_text="Looks unlike this class")).to_have_count(1)
    expect(page.locator(".reasons .badge").filter(has_text="Looks like another class")).to_have_count(1)
    page.goto(base + "results/")
    expect(page.get_by_text("each photo was hidden from the model, then tested")).to_be_visible()
    expect(page.get_by_text(re.compile("5-fold stratified cross-validation"))).to_be_hidden()
    page.get_by_text("Details of the measurement").click()
    expect(page.get_by_text(re.compile(r"mlp\(C=10, hidden=64\)"))).to_be_visible()


# --- 6: the results, photos and API pages at phone width --------------------------------------------------

def test_at_phone_width_tables_buttons_chart_and_captions_fit_and_read(page, ada):
    classifier = with_results(hats_and_shoes(ada))
    api_key_create(user=ada, name="a key with a rather long name for a phone")
    page.set_viewport_size(PHONE)
    log_in(page)
    base = f"/classifiers/{classifier.id}/"

    page.goto(base + "results/")
    wrap = page.locator(".table-wrap").filter(has=page.locator(".metrics-table"))
    assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 0, "the per-class table scrolls sideways"
    inside_the_screen(page, page.get_by_role("columnheader", name="Photos tested"))
    # The learning curve: every label at 11 px or more as drawn, and an axis label on each axis.
    sizes = page.locator(".curve svg text").evaluate_all(
        "texts => texts.map(t => { const m = t.getScreenCTM();"
        " return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })")
    assert sizes and min(sizes) >= 11, sizes
    expect(page.locator(".curve .axis-label.y")).to_have_text("accuracy")
    expect(page.locator(".curve .axis-label.x")).to_have_text("training photos")
    y_label, ticks = page.locator(".curve .axis-label.y").bounding_box(), page.locator(".curve .tick.y").first
    assert boxes_apart(y_label, ticks.bounding_box(), gap=1)
    for caption in page.locator(".captioned .thumb-caption").all():
        assert caption.bounding_box()["width"] >= 150, caption.bounding_box()
    no_sideways_scroll(page)
    screenshot(page, "first-minutes-results")

    page.goto(base + "api/")
    revoke = page.get_by_role("button", name="Revoke")
    expect(revoke).to_be_visible()
    inside_the_screen(page, revoke)
    no_sideways_scroll(page)
    screenshot(page, "first-minutes-api")

    page.goto(base)
    captions = page.locator("#flagged .thumb-caption")
    expect(captions).to_have_count(2)
    for caption in captions.all():
        box = caption.bounding_box()
        assert box["width"] >= 150 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(page, "first-minutes-photos")


# --- 3: the status follows the run; no Train before the photos -------------------------------------------

def test_the_line_under_the_title_follows_the_training_as_it_runs(page, ada):
    classifier = hats_and_shoes(ada)
    run = TrainingRun.objects.create(classifier=classifier, status=TrainingRun.Status.QUEUED)
    log_in(page)
    for tab in ("results/", ""):  # on the results page beside the bar, and on the photos page on its own
        TrainingRun.objects.filter(id=run.id).update(status="queued", stage="", progress=0)
        page.goto(f"/classifiers/{classifier.id}/{tab}")
        state = page.locator("[data-state]")
        expect(state).to_have_text("Waiting to start training")
        TrainingRun.objects.filter(id=run.id).update(status="running", stage="embedding 3/12", progress=0.2)
        expect(state).to_have_text("Training: Looking at each photo (3/12) — 20%")
        TrainingRun.objects.filter(id=run.id).update(stage="measuring", progress=0.6)
        expect(state).to_have_text("Training: Measuring accuracy — 60%")


def test_with_no_photos_there_is_no_train_button_and_the_number_needed_is_said_once(page, ada):
    classifier = classifier_create(owner=ada, name="Empty", label_names=["hat", "shoes"])
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/")
    expect(page.locator("[data-state]")).to_have_text(
        "Needs photos: each class needs at least 2 (2 of 2 have fewer)")
    expect(page.get_by_role("button", name=re.compile("^Train"))).to_have_count(0)
    words = visible_words_outside_folds(page)
    assert len(re.findall(r"at least \d+", words)) == 1, words
    page.get_by_role("link", name="2. Train & results").click()
    expect(page.get_by_role("button", name=re.compile("^Train"))).to_have_count(0)
    # One photo short: still no Train; the refusal of the training service names the same number.
    upload(classifier.labels.get(name="hat"), ["hat-0021.jpg", "hat-0022.jpg"])
    upload(classifier.labels.get(name="shoes"), ["shoes-0020.jpg"])
    page.goto(f"/classifiers/{classifier.id}/")
    expect(page.locator("[data-state]")).to_have_text("Needs photos: each class needs at least 2 (1 of 2 has fewer)")
    from classifiers.services.training import training_run_create
    from nanoweb.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at least 2 photos"), transaction.atomic():
        training_run_create(classifier=classifier)


# --- 1: searches that cannot work, said in words ---------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def searched(label, **kwargs) -> SearchJob:
    with transaction.atomic():
        job = search_job_create(label=label, **kwargs)
    # The task was not sent (no_broker): the job runs here, in this process, against the stand-ins.
    search_job_execute(job_id=job.id)
    job.refresh_from_db()
    return job


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **kwargs: None)


def test_a_search_with_no_internet_says_so_folds_the_raw_errors_away_and_stops_offering_the_web(
        page, ada, settings, no_broker):
    settings.ALLOW_PRIVATE_URLS = True
    nowhere = f"http://127.0.0.1:{closed_port()}"
    settings.DUCKDUCKGO_URL, settings.COMMONS_API_URL = nowhere, f"{nowhere}/w/api.php"
    classifier = with_results(hats_and_shoes(ada))
    hat = classifier.labels.get(name="hat")
    job = searched(hat, count=12, providers=["duckduckgo", "commons"])
    assert job.status == "failed"
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/")
    panel = page.locator(f"#class-{hat.id}")
    expect(panel.locator(".job-text")).to_have_text(
        "Could not search for “hat”: this computer is not connected to the internet.")
    expect(panel.locator(".job-note")).to_have_text(re.compile(
        "^NanoWeb cannot reach the internet from this computer, so it cannot search the web for photos. "
        "Drop your own photos here"))
    expect(panel.get_by_text("Try another search phrase")).to_have_count(0)
    raw = panel.locator(".raw-errors li").filter(has_text="DuckDuckGo")
    expect(raw).to_be_hidden()
    panel.get_by_text("Details").click()
    expect(raw).to_be_visible()
    text = raw.inner_text()
    assert "Connection refused" in text and text.rstrip().endswith((")", ".", "…")), text
    inside_the_screen(page, raw)
    # Searching cannot work now: neither the web search nor links are offered; dropping photos is.
    expect(panel.get_by_text("Find photos on the web")).to_have_count(0)
    expect(panel.get_by_text("Add image links")).to_have_count(0)
    expect(panel.locator("[data-offline]")).to_be_visible()
    expect(panel.get_by_text("Drop photos or a zip here")).to_be_visible()
    screenshot(page, "first-minutes-offline")
    page.goto(f"/classifiers/{classifier.id}/results/")
    expect(page.get_by_role("button", name=re.compile("^Find 20 more photos"))).to_have_count(0)
    expect(page.locator("[data-offline]")).to_be_visible()
    page.get_by_role("link", name="The network is back: offer web searches again").click()
    expect(page.get_by_role("button", name=re.compile("^Find 20 more photos")).first).to_be_visible()
    # An old failure can be put away.
    page.goto(f"/classifiers/{classifier.id}/")
    panel.get_by_role("button", name="Dismiss the search for “hat”").click()
    expect(panel.locator(".job")).to_have_count(0)
    assert SearchJob.objects.get(id=job.id).dismissed


@pytest.mark.parametrize("case", ["blocked", "rate-limited", "no results"])
def test_a_blocked_engine_or_a_phrase_with_no_results_gets_its_own_words_and_advice(page, ada, settings, no_broker,
                                                                                    case):
    settings.ALLOW_PRIVATE_URLS = True
    classifier = hats_and_shoes(ada)
    hat = classifier.labels.get(name="hat")
    with FakeWeb() as web:
        if case == "no results":
            settings.COMMONS_API_URL = FakeCommons(web, []).api_url
            searched(hat, query="qwxz hat", count=12, providers=["commons"])
        else:
            ddg = FakeDuckDuckGo(web, [])
            ddg.failure = Reply(403 if case == "blocked" else 429, b"<html>no</html>", "text/html")
            settings.DUCKDUCKGO_URL = ddg.base_url
            searched(hat, count=12, providers=["duckduckgo"])
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/")
    panel = page.locator(f"#class-{hat.id}")
    if case == "no results":
        expect(panel.locator(".job-text")).to_have_text("No photos found for “qwxz hat”.")
        expect(panel.locator(".job-note")).to_contain_text("Try other words")
    else:
        expect(panel.locator(".job-text")).to_have_text(
            "Could not search for “hat”: the search engine would not answer just now.")
        expect(panel.locator(".job-note")).to_contain_text(
            "try again in a few minutes, or choose another search engine")
        expect(panel.locator(".job-note")).not_to_contain_text("internet")
    # The web still works: searching is offered as before.
    expect(panel.get_by_text("Find photos on the web")).to_be_visible()
    assert_plain(page, f"classifier page after a search ({case})")


# --- 4: review and photos ---------------------------------------------------------------------------------

def test_dropping_one_copy_of_a_duplicate_pair_clears_the_flag_on_the_other(page, ada):
    classifier = hats_and_shoes(ada)
    copy = upload(classifier.labels.get(name="shoes"), ["hat-0021.jpg"])[0]  # the same picture as a hat
    flags_refresh(classifier=classifier)
    twins = Photo.objects.filter(flags__has_key="in_other_class")
    assert twins.count() == 2
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/review/")
    expect(page.get_by_text("the same picture is also in 'hat'")).to_have_count(1)
    expect(page.get_by_text("the same picture is also in 'shoes'")).to_have_count(1)
    page.locator(f"button[value='drop:{copy.id}']").click()
    expect(page.locator(".message.success")).to_have_text("Dropped 1 photo.")
    expect(page.get_by_text("the same picture is also in")).to_have_count(0)
    survivor = Photo.objects.get(original_name="hat-0021.jpg")
    assert "in_other_class" not in survivor.flags


def test_remove_selected_asks_first_then_offers_an_undo_that_puts_the_photos_back(page, ada):
    classifier = hats_and_shoes(ada)
    hat = classifier.labels.get(name="hat")
    chosen = list(hat.photos.order_by("created_at")[:3])
    files = [photo.image.path for photo in chosen]
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/")
    for photo in chosen:
        page.locator(f"#sel-{photo.id}").check()
    questions = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Remove selected").click()
    expect(page.locator("[data-selection-count]")).to_have_text("3 photos selected")
    assert questions == ["Remove these 3 photos? You can undo it for a few minutes afterwards."]
    assert hat.photos.count() == 6
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Remove selected").click()
    undo = page.locator("[data-undo]")
    expect(undo).to_contain_text("Removed 3 photos.")
    expect(page.locator(f"#class-{hat.id} .count")).to_have_text("3 photos")
    inside_the_screen(page, undo.get_by_role("button", name="Undo"))
    assert hat.photos.count() == 3 and all(__import__("os").path.exists(f) for f in files)
    undo.get_by_role("button", name="Undo").click()
    expect(page.locator(".message.success")).to_have_text("Put back 3 photos.")
    expect(page.locator(f"#class-{hat.id} .count")).to_have_text("6 photos")
    expect(page.locator("[data-undo]")).to_have_count(0)
    assert set(hat.photos.values_list("id", flat=True)) >= {photo.id for photo in chosen}


def test_the_photo_dialog_on_the_results_page_removes_the_photo_with_an_undo(page, ada):
    classifier = with_results(hats_and_shoes(ada))
    wrong = classifier.labels.get(name="hat").photos.order_by("created_at").first()
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/results/")
    page.locator(".captioned .thumb-open").first.click()
    dialog = page.locator("#photo-dialog")
    expect(dialog).to_be_visible()
    remove = dialog.get_by_role("button", name="Remove this photo")
    inside_the_screen(page, remove)
    remove.click()
    expect(page.locator("[data-undo]")).to_contain_text("Removed 1 photo.")
    assert "/results/" in page.url
    expect(page.get_by_role("heading", name="Photos it got wrong")).to_have_count(0)
    assert not Photo.objects.filter(id=wrong.id).exists()
    page.locator("[data-undo]").get_by_role("button", name="Undo").click()
    expect(page.locator(".message.success")).to_have_text("Put back 1 photo.")
    expect(page.get_by_role("heading", name="Photos it got wrong")).to_be_visible()


def test_an_odd_photo_among_fifteen_shoes_is_flagged_as_soon_as_it_is_uploaded(page, ada, tmp_path):
    engine = PHOTOS.parent / "engine"
    classifier = classifier_create(owner=ada, name="Hats or shoes", label_names=["hat", "shoes"])
    upload(classifier.labels.get(name="hat"), [f"hat-{n:04d}.jpg" for n in range(21, 31)])
    shoes = classifier.labels.get(name="shoes")
    # Fifteen shoes and, among them, a photo from an unrelated set (a rubbish-sorting one).
    files = sorted((engine / "clothing" / "shoes").glob("*.jpg"))[:15]
    odd = tmp_path / "tin-can.jpg"
    odd.write_bytes(sorted((engine / "trashnet" / "metal").glob("*.jpg"))[0].read_bytes())
    files.insert(7, odd)
    log_in(page)
    page.goto(f"/classifiers/{classifier.id}/")
    started = time.monotonic()
    page.locator(f"#files-{shoes.id}").set_input_files(files)
    expect(page.locator(f"#class-{shoes.id} .count")).to_have_text("16 photos", timeout=60_000)
    print(f"uploading 16 photos and judging them took {time.monotonic() - started:.1f} s")
    assert not TrainingRun.objects.exists()  # before any training
    flagged = page.locator("#flagged")
    expect(flagged).to_be_visible()
    expect(flagged.locator(".thumb-caption").filter(has_text="shoes: looks unlike")).to_have_count(1)
    assert list(Photo.objects.filter(label=shoes).exclude(flags={}).values_list("original_name", flat=True)) == [
        "tin-can.jpg"]
