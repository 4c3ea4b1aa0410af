"""Load benchmark: predictions through gunicorn while a Celery worker is up (issue 7's figures).

It builds a real classifier the way a person would (photos in, training through a real worker), starts
gunicorn on 127.0.0.1, then keeps CONCURRENCY clients posting photos to POST /api/v1/classifiers/{id}/predict/
for DURATION seconds. Reports requests/s, p50/p99 latency, errors, and the resident memory of the web and
worker processes. Loopback only, bounded in time and count.

    .venv/bin/python benchmarks/predict_load.py --json            # embedded SQLite + filesystem broker
    DATABASE_URL=postgres://postgres@127.0.0.1/nanoweb_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python benchmarks/predict_load.py --json        # PostgreSQL + Redis

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=REPO / "tests" / "data" / "engine" / "clothing",
                        help="folder of <class>/<photos> (default: the clothing photos in the repository)")
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--train-per-class", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

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
    from django.contrib.auth import get_user_model

    from accounts.models import ApiKey, hash_api_key, new_api_key

    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password-123")
    key = new_api_key()
    ApiKey.objects.create(user=user, name="bench", prefix=key[:8], hashed_key=hash_api_key(key))
    headers = {"Authorization": f"Bearer {key}"}

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.web_workers), "--threads", "2", "--timeout", "120", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nanoweb", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=REPO, env=env,
    )
    try:
        wait_for(base + "/health/", 60)
        photos = photos_by_class(args.data, args.classes)
        created = requests.post(base + "/api/v1/classifiers/", headers=headers, timeout=30,
                                json={"name": "load benchmark", "labels": list(photos)}).json()
        classifier_id = created["id"]
        held_out: list[Path] = []
        for label in created["labels"]:
            files = photos[label["name"]]
            train, rest = files[: args.train_per_class], files[args.train_per_class:]
            held_out.extend(rest)
            upload = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in train]
            response = requests.post(f"{base}/api/v1/classifiers/{classifier_id}/labels/{label['id']}/images/",
                                     headers=headers, files=upload, timeout=120)
            response.raise_for_status()
        run = requests.post(f"{base}/api/v1/classifiers/{classifier_id}/train/", headers=headers, timeout=30).json()
        deadline = time.monotonic() + 600
        while True:
            state = requests.get(f"{base}/api/v1/classifiers/{classifier_id}/runs/{run['id']}/", headers=headers,
                                 timeout=30).json()
            if state["status"] in ("succeeded", "failed"):
                break
            if time.monotonic() > deadline:
                raise SystemExit("training did not finish within 600 s")
            time.sleep(0.5)
        if state["status"] != "succeeded":
            raise SystemExit(f"training failed: {state.get('error')}")

        bodies = [p.read_bytes() for p in held_out] or [p.read_bytes() for files in photos.values() for p in files]
        url = f"{base}/api/v1/classifiers/{classifier_id}/predict/"
        requests.post(url, headers=headers, files={"file": ("warm.jpg", bodies[0], "image/jpeg")}, timeout=60)

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.duration

        def client(index: int) -> None:
            session = requests.Session()
            n = index
            while time.monotonic() < stop_at:
                body = bodies[n % len(bodies)]
                n += args.concurrency
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
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        ordered = sorted(latencies)
        result = {
            "duration_s": round(wall, 1),
            "concurrency": args.concurrency,
            "web_workers": args.web_workers,
            "requests": len(latencies),
            "requests_per_s": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "errors": len(errors),
            "error_kinds": sorted(set(errors)),
            "web_rss_mb": rss_mb(web.pid),
            "worker_rss_mb": rss_mb(worker.pid),
            "database": django.db.connection.vendor,
            "broker": env.get("CELERY_BROKER_URL", "filesystem://").split("://", 1)[0],
        }
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    print(f"{result['requests']} predictions in {result['duration_s']} s at concurrency {result['concurrency']}: "
          f"{result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
          f"{result['errors']} errors; RSS web {result['web_rss_mb']} MB, worker {result['worker_rss_mb']} MB")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
