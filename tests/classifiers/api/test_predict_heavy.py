"""Big pictures sent for an answer take the web process's heavy turns, like uploads: while two other people's
big uploads have the turns, a prediction of big PNGs hears "busy, try again in a minute" (503 with
Retry-After) instead of taking another thread, and an everyday photo is answered at once."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from scraper.workload import heavy_turn

pytestmark = pytest.mark.django_db


def big_png(side: int = 3000) -> SimpleUploadedFile:
    blocks = np.random.default_rng(side).integers(0, 256, (30, 30, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(blocks, "RGB").resize((side, side), Image.Resampling.NEAREST).save(out, "PNG")
    return SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def turns_taken(settings):
    """Two other people hold the process's two heavy turns, and nobody may wait for one."""
    settings.HEAVY_AT_ONCE, settings.HEAVY_WAITING = 2, 0
    holding, release = threading.Barrier(3), threading.Event()

    def hold(who: str) -> None:
        with heavy_turn(who):
            holding.wait()
            release.wait(30)

    threads = [threading.Thread(target=hold, args=(who,)) for who in ("someone", "someone else")]
    for thread in threads:
        thread.start()
    holding.wait()
    yield
    release.set()
    for thread in threads:
        thread.join()


def test_big_pictures_wait_for_a_heavy_turn_and_hear_busy_in_words(trained, turns_taken):
    url = f"/api/v1/classifiers/{trained.classifier_id}/predict/"
    response = trained.owner.client.post(url, {"files": [big_png(), big_png(3001)]}, format="multipart")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json()["error"]["message"] == (
        "NanoWeb is busy with other uploads and downloads right now, so nothing was done and nothing was saved. "
        "Please try again in a minute.")

    photo = trained.held_out["hat"]
    everyday = SimpleUploadedFile(photo.name, photo.read_bytes(), content_type="image/jpeg")
    answer = trained.owner.client.post(url, {"file": everyday}, format="multipart")
    assert answer.status_code == 200 and answer.json()["label"] == "hat"


def test_big_pictures_are_answered_when_a_turn_is_free(trained):
    url = f"/api/v1/classifiers/{trained.classifier_id}/predict/"
    response = trained.owner.client.post(url, {"file": big_png()}, format="multipart")
    assert response.status_code == 200 and set(response.json()["probabilities"]) == {"hat", "shoes"}
