"""Heavy requests against a live gunicorn (one process, 4 threads, as `make run` starts each): 8 imports from a
server that trickles a byte a second, and 8 concurrent uploads of big pictures. Before, 8 trickling requests
made `/health/` take 45 s and 8 big uploads blocked the site for up to 116 s. Now a web process works on two
such requests at a time (one more waits, the rest hear "busy, try again" in words), each fetch ends at its
time limit, and `/health/` keeps answering within a second throughout.

The figures (health latency, the web process's CPU seconds and memory) are printed: run with -s to see them.
"""

from __future__ import annotations

import io
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from accounts.models import ApiKey, hash_api_key, new_api_key
from classifiers.services.catalog import classifier_create
from tests.fakes.trickle import TrickleServer
from tests.worker import database_url_of_test_db, process_env, web_server

pytestmark = [pytest.mark.worker, pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOTAL = 4  # NANOWEB_FETCH_TOTAL_TIMEOUT for the server under test


class HealthProbe:
    """Asks /health/ every 0.2 s from its own thread and keeps each answer's latency."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                response = requests.get(f"{self.base}/health/", timeout=30)
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code} {response.text[:100]}")
            except requests.RequestException as exc:
                self.failures.append(repr(exc))
            self.latencies.append(time.monotonic() - started)
            self._stop.wait(0.2)


def web_process(base: str) -> int:
    """The pid of the gunicorn worker (the forked child) serving `base`."""
    needle = base.removeprefix("http://").encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    parents = {pid: int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
               for pid in pids}
    workers = [pid for pid, parent in parents.items() if parent in parents]
    assert len(workers) == 1, parents
    return workers[0]


def cpu_seconds(pid: int) -> float:
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, key: str) -> float:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    raise AssertionError(key)


@pytest.fixture
def site(tmp_path, django_user_model):
    """A live gunicorn on the test database, and 8 people, each with an API key and a class to add photos to
    (8 people, because one person's requests take their turns one at a time anyway)."""
    env = process_env(
        DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(tmp_path),
        NANOWEB_API_RATE="100000/min", NANOWEB_ALLOW_PRIVATE_URLS="1",
        NANOWEB_FETCH_TOTAL_TIMEOUT=str(TOTAL), NANOWEB_FETCH_READ_TIMEOUT="30", NANOWEB_HEAVY_WAIT="20",
    )
    people = []
    for i in range(8):
        user = django_user_model.objects.create_user(f"shop{i}", f"shop{i}@example.org", "a-long-password-1")
        key = new_api_key()
        ApiKey.objects.create(user=user, prefix=key[:8], hashed_key=hash_api_key(key))
        label = classifier_create(owner=user, name="Shelf", label_names=["mugs", "plates"]).labels.get(name="mugs")
        people.append((key, f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/images/"))
    with web_server(env, workers=1) as base:
        yield base, [(key, base + path) for key, path in people]


def report(what: str, probe: HealthProbe, pid: int, cpu_before: float, rss_before: float) -> None:
    print(f"\n{what}: /health/ answered {len(probe.latencies)} times, slowest {max(probe.latencies):.3f} s, "
          f"median {sorted(probe.latencies)[len(probe.latencies) // 2]:.3f} s; web process CPU "
          f"{cpu_seconds(pid) - cpu_before:.1f} s; RSS {rss_before:.0f} MB before, {memory_mb(pid, 'VmRSS'):.0f} MB "
          f"after, peak {memory_mb(pid, 'VmHWM'):.0f} MB")


def test_eight_imports_from_a_trickling_server_leave_health_answering_within_a_second(site):
    base, people = site
    pid = web_process(base)
    cpu_before, rss_before = cpu_seconds(pid), memory_mb(pid, "VmRSS")
    with TrickleServer(interval=1.0, length=50_000) as trickle:

        def import_one(i: int) -> tuple[int, dict, float]:
            key, images_url = people[i]
            started = time.monotonic()
            response = requests.post(images_url, json={"urls": [trickle.url(f"/photo{i}.jpg")]},
                                     headers={"Authorization": f"Bearer {key}"}, timeout=120)
            return response.status_code, response.json(), time.monotonic() - started

        with HealthProbe(base) as probe, ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(import_one, range(8)))
    report("8 trickling imports", probe, pid, cpu_before, rss_before)
    assert not probe.failures
    assert max(probe.latencies) < 1.0, f"/health/ took {max(probe.latencies):.2f} s"
    cut = [a for a in answers if a[0] != 503]
    busy = [a for a in answers if a[0] == 503]
    # Two at once and one waiting: at least those three were fetched and cut at the limit, in words.
    assert len(cut) >= 3, answers
    for _status, body, seconds in cut:
        reasons = [item["reason"] for item in body["error"]["details"]["rejected"]]
        assert reasons == [f"127.0.0.1 sent the file too slowly (not finished after {TOTAL} s)."], body
        assert seconds < 3 * TOTAL + 5  # its own limit, after at most one other request's turn
    for _status, body, seconds in busy:
        assert body["error"]["message"].startswith("NanoWeb is busy with other uploads and downloads right now")
        assert seconds < 2 * TOTAL + 25


def big_picture(seed: int, side: int = 4000) -> bytes:
    """16 megapixels that compress to a few hundred KB: blocks of colour."""
    blocks = np.random.default_rng(seed).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(blocks, "RGB").resize((side, side), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def test_eight_concurrent_big_uploads_leave_health_answering_within_a_second(site):
    base, people = site
    pictures = [big_picture(seed) for seed in range(8 * 4)]
    pid = web_process(base)
    cpu_before, rss_before = cpu_seconds(pid), memory_mb(pid, "VmRSS")

    def upload(i: int) -> tuple[int, dict, float]:
        key, images_url = people[i]
        files = [("files", (f"big-{i}-{j}.png", pictures[i * 4 + j], "image/png")) for j in range(4)]
        started = time.monotonic()
        response = requests.post(images_url, files=files, headers={"Authorization": f"Bearer {key}"}, timeout=120)
        return response.status_code, response.json(), time.monotonic() - started

    with HealthProbe(base) as probe, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(upload, range(8)))
    report("8 uploads of 4 x 16 MP PNGs", probe, pid, cpu_before, rss_before)
    assert not probe.failures
    assert max(probe.latencies) < 1.0, f"/health/ took {max(probe.latencies):.2f} s"
    added = [a for a in answers if a[0] == 201]
    busy = [a for a in answers if a[0] == 503]
    assert len(added) >= 3 and len(added) + len(busy) == 8, [(a[0], str(a[1])[:200]) for a in answers]
    assert all(len(body["added"]) == 4 for _, body, _ in added)
    for _, body, _ in busy:
        assert body["error"]["message"] == (
            "NanoWeb is busy with other uploads and downloads right now, so nothing was done and nothing was "
            "saved. Please try again in a minute.")
    # Two 16 MP decodes at a time, never eight, and no PyTorch (the backbone is exported in a child process).
    assert memory_mb(pid, "VmHWM") < 768
