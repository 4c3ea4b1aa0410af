"""Load benchmark: predictions through gunicorn while a Celery worker is up (issues 7 and 17).

It builds a real classifier the way a person would (photos in, training through a real worker), then, for
each path asked for, starts gunicorn on 127.0.0.1 as `make run` does (gthread workers: several requests at
once in each process) and keeps N clients posting photos to POST /api/v1/classifiers/{id}/predict/ for
DURATION seconds at each concurrency, the paths taking turns. Reports requests/s, p50/p99 latency and
errors per concurrency, the resident memory of the web and worker processes, and the paths' requests/s
against each other in the same run. The paths (PATHS): old is how NanoWeb answered before issue 17, each
request on its own (NANOWEB_PREDICT_BATCHING=0) with a classifier trained on that day's engine
(engine_choice.TODAY); new shares backbone calls between the requests of a process, with a classifier trained
on the engine new classifiers get (engine_choice.DEFAULT_ENGINE, or NANOWEB_BACKBONE / NANOWEB_PRECISION);
both keep no prediction log. logged is new with the prediction log on, keeping every answer and a small
copy of its photo (issue 18): --logging measures it against new at 8 clients, and counts the answers the log kept.
Loopback only, bounded in time and count.

    .venv/bin/python benchmarks/predict_load.py --json            # embedded SQLite + filesystem broker
    .venv/bin/python benchmarks/predict_load.py --with-training   # the worker trains another classifier meanwhile
    DATABASE_URL=postgres://postgres@127.0.0.1/nanoweb_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python benchmarks/predict_load.py --json        # PostgreSQL + Redis
    DATABASE_URL=... CELERY_BROKER_URL=... .venv/bin/python benchmarks/predict_load.py --logging --json

The last line with --json is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RUNALL_THREADS = 4  # what `make run` starts (nanoweb/management/commands/runall.py)
# The environment each path's web server runs with.
PATHS = {
    "old": {"NANOWEB_PREDICT_BATCHING": "0", "NANOWEB_PREDICTION_LOG": "0"},
    "new": {"NANOWEB_PREDICT_BATCHING": "1", "NANOWEB_PREDICTION_LOG": "0"},
    "logged": {"NANOWEB_PREDICT_BATCHING": "1", "NANOWEB_PREDICTION_LOG": "1"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return round(total / 1024, 1)


def photos_by_class(data_dir: Path, classes: int) -> dict[str, list[Path]]:
    folders = sorted(p for p in data_dir.iterdir() if p.is_dir())[:classes]
    return {folder.name: sorted(folder.glob("*.jp*g")) for folder in folders}


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def load(url: str, headers: dict, bodies: list[bytes], *, concurrency: int, duration: float) -> dict:
    """CONCURRENCY clients, each posting one photo after another for DURATION seconds: their latencies,
    errors and the wall time."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(index: int) -> None:
        session = requests.Session()
        n = index
        while time.monotonic() < stop_at:
            body = bodies[n % len(bodies)]
            n += concurrency
            started = time.perf_counter()
            try:
                response = session.post(url, headers=headers, timeout=30,
                                        files={"file": ("photo.jpg", body, "image/jpeg")})
                ok = response.status_code == 200
                problem = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                ok, problem = False, type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors, "wall": time.monotonic() - started}


def summary(concurrency: int, slices: list[dict]) -> dict:
    latencies = sorted(latency for part in slices for latency in part["latencies"])
    errors = [error for part in slices for error in part["errors"]]
    wall = sum(part["wall"] for part in slices)
    return {
        "concurrency": concurrency,
        "duration_s": round(wall, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


def train_and_wait(base: str, headers: dict, classifier_id: str, timeout: float = 600) -> dict:
    """Press Train through the API and wait for the run to end: its last state."""
    run = requests.post(f"{base}/api/v1/classifiers/{classifier_id}/train/", headers=headers, timeout=30)
    run.raise_for_status()
    deadline = time.monotonic() + timeout
    while True:
        state = requests.get(f"{base}/api/v1/classifiers/{classifier_id}/runs/{run.json()['id']}/",
                             headers=headers, timeout=30).json()
        if state["status"] in ("succeeded", "failed", "cancelled"):
            return state
        if time.monotonic() > deadline:
            raise SystemExit(f"training did not finish within {timeout:.0f} s")
        time.sleep(0.5)


def trained_classifier(base: str, headers: dict, photos: dict[str, list[Path]], per_class: int,
                       engine: tuple[str, str] | None = None) -> tuple[str, list[Path]]:
    """A classifier with the first `per_class` photos of each class, trained through the API and the worker
    (on `engine` when given, else on the one new classifiers get): its id and the photos it never saw."""
    from classifiers.models import Classifier

    created = requests.post(base + "/api/v1/classifiers/", headers=headers, timeout=30,
                            json={"name": f"load benchmark {engine or ''}".strip(), "labels": list(photos)}).json()
    if engine:  # the API offers no engine choice to a new classifier: the database does
        Classifier.objects.filter(id=created["id"]).update(backbone=engine[0], precision=engine[1])
    held_out: list[Path] = []
    for label in created["labels"]:
        files = photos[label["name"]]
        train, rest = files[:per_class], files[per_class:]
        held_out.extend(rest)
        upload = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in train]
        response = requests.post(f"{base}/api/v1/classifiers/{created['id']}/labels/{label['id']}/images/",
                                 headers=headers, files=upload, timeout=120)
        response.raise_for_status()
    state = train_and_wait(base, headers, created["id"])
    if state["status"] != "succeeded":
        raise SystemExit(f"training failed: {state.get('error')}")
    return created["id"], held_out


def busy_classifier(base: str, headers: dict, data: Path) -> str:
    """A second classifier with every class of `data`, for the worker to train while the load runs."""
    photos = photos_by_class(data, 1000)
    created = requests.post(base + "/api/v1/classifiers/", headers=headers, timeout=30,
                            json={"name": "trained during the load", "labels": list(photos)}).json()
    for label in created["labels"]:
        upload = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in photos[label["name"]]]
        requests.post(f"{base}/api/v1/classifiers/{created['id']}/labels/{label['id']}/images/",
                      headers=headers, files=upload, timeout=300).raise_for_status()
    return created["id"]


class Trainer(threading.Thread):
    """Presses Train again each time the last training ended, until told to finish: the worker is never idle
    while predictions are measured (issue 16: the load with a training running must give 0 errors)."""

    def __init__(self, base: str, headers: dict, classifier_id: str) -> None:
        super().__init__(daemon=True)
        self.base, self.headers, self.classifier_id = base, headers, classifier_id
        self.outcomes: list[str] = []
        self.errors: list[str] = []
        self._finish = threading.Event()

    def run(self) -> None:
        while not self._finish.is_set():
            try:
                self.outcomes.append(train_and_wait(self.base, self.headers, self.classifier_id)["status"])
            except (requests.RequestException, SystemExit) as exc:
                self.errors.append(repr(exc))
                self._finish.wait(1)

    def finish(self) -> None:
        self._finish.set()
        self.join(timeout=600)

    def report(self) -> dict:
        return {"succeeded": self.outcomes.count("succeeded"),
                "failed": len(self.outcomes) - self.outcomes.count("succeeded"), "errors": len(self.errors),
                "error_kinds": sorted(set(self.errors))}


def answers_logged(classifier_id: str, logged_run: dict, *, settle_s: float = 10.0) -> dict:
    """How many answers the log kept, against those the logged path gave (its warm-up's included): waits
    up to `settle_s` for the servers' log threads to write the last of them."""
    from classifiers.models import Prediction

    answered = logged_run["warm_up_requests"] + sum(level["requests"] for level in logged_run["levels"])
    kept = Prediction.objects.filter(classifier_id=classifier_id)
    deadline = time.monotonic() + settle_s
    while kept.count() < answered and time.monotonic() < deadline:
        time.sleep(0.5)
    return {"answered": answered, "answers_kept": kept.count(), "photos_kept": kept.exclude(photo="").count()}


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each path at each concurrency")
    parser.add_argument("--rounds", type=int, default=3, help="slices each path's seconds are measured in")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--paths", default="old,new",
                        help="comma-separated, from old (each request on its own), new (shared backbone calls), "
                             "logged (new, keeping every answer and its photo in the prediction log)")
    parser.add_argument("--logging", action="store_true",
                        help="the prediction log's cost: --paths new,logged --concurrency 8")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=RUNALL_THREADS, help="threads per web worker")
    parser.add_argument("--data", type=Path, default=REPO / "tests" / "data" / "engine" / "clothing",
                        help="folder of <class>/<photos> (default: the clothing photos in the repository)")
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--train-per-class", type=int, default=10)
    parser.add_argument("--with-training", action="store_true",
                        help="keep the worker training another classifier (all --data classes) throughout the load")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.logging:
        args.paths, args.concurrency = "new,logged", "8"
    levels = [int(level) for level in args.concurrency.split(",")]
    paths = [path.strip() for path in args.paths.split(",")]
    if not paths or not set(paths) <= set(PATHS):
        raise SystemExit(f"--paths takes some of {', '.join(PATHS)}")

    data_dir = Path(tempfile.mkdtemp(prefix="nanoweb-load-"))
    os.environ["NANOWEB_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanoweb.settings")
    # This measures serving capacity, so the per-key rate limit is lifted for the benchmark's key.
    os.environ["NANOWEB_API_RATE"] = "1000000/min"
    env = dict(os.environ)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env,
                   check=True)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accounts.models import ApiKey, hash_api_key, new_api_key
    from classifiers.ml.engine_choice import TODAY

    key = new_api_key()
    # A database kept between runs (PostgreSQL) still holds earlier runs' user: each run makes its own.
    user = get_user_model().objects.create_user(f"bench-{key[:8]}", "bench@example.org", "bench-password-123")
    ApiKey.objects.create(user=user, name="bench", prefix=key[:8], hashed_key=hash_api_key(key))
    headers = {"Authorization": f"Bearer {key}"}

    def start_web(port: int, path: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.web_workers), "--threads", str(args.threads), "--timeout", "120",
             "--log-level", "warning"],
            cwd=REPO, env={**env, **PATHS[path]},
        )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(port, "new")  # to build the classifier; the measured servers start afterwards
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nanoweb", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=REPO, env=env,
    )
    runs: dict[str, dict] = {}
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    try:
        wait_for(base + "/health/", 60)
        photos = photos_by_class(args.data, args.classes)
        default_engine = (settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
        classifier_id, held_out = trained_classifier(base, headers, photos, args.train_per_class)
        # Each path answers with the classifier of its engine: old with one trained on TODAY's.
        answered_by = {path: classifier_id for path in paths}
        if "old" in paths and default_engine != TODAY:
            answered_by["old"], _ = trained_classifier(base, headers, photos, args.train_per_class, TODAY)
        trainer = Trainer(base, headers, busy_classifier(base, headers, args.data)) if args.with_training else None
        stop(web)

        bodies = [p.read_bytes() for p in held_out] or [p.read_bytes() for files in photos.values() for p in files]
        # Both paths are served at once, on two ports, and measured in alternating slices (old, new, then new,
        # old, ...): on a shared machine the load of others drifts over minutes, and this way both paths see
        # the same drift. An idle server costs nothing meanwhile.
        servers = {}
        for path in paths:
            server_port = free_port()
            servers[path] = (start_web(server_port, path), f"http://127.0.0.1:{server_port}")
        web = None
        warm_up: dict[str, int] = {}
        for path, (_, server) in servers.items():
            wait_for(server + "/health/", 60)
            # Every web process loads its session and the model once before the clock starts.
            warm_up[path] = len(load(f"{server}/api/v1/classifiers/{answered_by[path]}/predict/", headers, bodies,
                                     concurrency=2 * args.web_workers * args.threads, duration=3)["latencies"])
        slices: dict[str, dict[int, list[dict]]] = {path: {level: [] for level in levels} for path in paths}
        if trainer:
            trainer.base = next(iter(servers.values()))[1]  # the first server is stopped by now
            trainer.start()
        for level in levels:
            for number in range(args.rounds):
                for path in paths if number % 2 == 0 else paths[::-1]:
                    server = servers[path][1]
                    slices[path][level].append(load(f"{server}/api/v1/classifiers/{answered_by[path]}/predict/",
                                                    headers, bodies, concurrency=level,
                                                    duration=args.duration / args.rounds))
        if trainer:
            trainer.finish()
        runs = {
            path: {"levels": [summary(level, slices[path][level]) for level in levels],
                   "web_rss_mb": rss_mb(servers[path][0].pid), "warm_up_requests": warm_up[path]}
            for path in paths
        }
        result = {
            "paths": runs,
            "engines": {path: "/".join(TODAY if answered_by[path] != classifier_id else default_engine)
                        for path in paths},
            "web_workers": args.web_workers,
            "threads": args.threads,
            "worker_rss_mb": rss_mb(worker.pid),
            "database": django.db.connection.vendor,
            "broker": env.get("CELERY_BROKER_URL", "filesystem://").split("://", 1)[0],
        }
        if trainer:
            result["trainings_during_load"] = trainer.report()
        for faster, slower in (("new", "old"), ("logged", "new")):
            if {faster, slower} <= set(runs):
                result[f"{faster}_over_{slower}"] = {
                    str(a["concurrency"]): round(a["requests_per_s"] / max(b["requests_per_s"], 0.1), 2)
                    for b, a in zip(runs[slower]["levels"], runs[faster]["levels"], strict=True)
                }
        if "logged" in runs:
            result["logged"] = answers_logged(classifier_id, runs["logged"])
    finally:
        for process in [web, worker, *(process for process, _ in servers.values())]:
            if process is not None and process.poll() is None:
                stop(process)

    for path, measured in runs.items():
        for level in measured["levels"]:
            print(f"{path} path, concurrency {level['concurrency']}: {level['requests']} predictions in "
                  f"{level['duration_s']} s, {level['requests_per_s']} req/s, p50 {level['p50_ms']} ms, "
                  f"p99 {level['p99_ms']} ms, {level['errors']} errors")
        print(f"{path} path: RSS web {measured['web_rss_mb']} MB")
    for path, engine in result["engines"].items():
        print(f"{path} path answers with a classifier trained on {engine}")
    print(f"RSS worker {result['worker_rss_mb']} MB; {args.web_workers} web workers × {args.threads} threads")
    if "trainings_during_load" in result:
        during = result["trainings_during_load"]
        print(f"trainings during the load: {during['succeeded']} succeeded, {during['failed']} failed, "
              f"{during['errors']} errors pressing Train or reading its state")
    for faster, slower in (("new", "old"), ("logged", "new")):
        for level, ratio in result.get(f"{faster}_over_{slower}", {}).items():
            print(f"{faster} over {slower} at concurrency {level}: {ratio}×")
    if "logged" in result:
        kept = result["logged"]
        print(f"prediction log: {kept['answers_kept']} of {kept['answered']} answers kept "
              f"({kept['photos_kept']} with their photo)")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
