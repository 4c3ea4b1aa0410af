"""Batch benchmark: a big zip answered through try-it's batch address while the same web process keeps
answering (issue 18, part 8).

It trains a classifier in this process on real photos, starts gunicorn on 127.0.0.1 as one web process of
`make run` (gthread, 4 threads), logs in as a person does, and sends a zip of PHOTOS pictures to
POST /classifiers/{id}/try/batch/, reading the answer lines as they come. Meanwhile one client asks
/health/ and another asks the API for single predictions, each one request at a time, to show the zip does
not take the process from everyone else; the same two clients run alone for BASELINE seconds first, so their
latencies without the zip are measured in the same run. Reports the zip's photos/s and time to its first
answers, and the latencies (p50, p99, max) and errors of the others before and during the zip. Loopback
only, bounded in time.

    .venv/bin/python benchmarks/batch_zip.py --json       # embedded SQLite, a fresh data folder

The last line with --json is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.predict_load import RUNALL_THREADS, free_port, stop, wait_for  # noqa: E402


def percentiles(latencies: list[float]) -> dict:
    if not latencies:
        return {"count": 0}
    ordered = sorted(latencies)
    return {"count": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def ask_repeatedly(call, stop_event: threading.Event, latencies: list[float], errors: list[str]) -> None:
    """Call `call()` one at a time until told to stop, keeping each answer's time (or why it failed)."""
    while not stop_event.is_set():
        started = time.perf_counter()
        try:
            response = call()
            if response.status_code != 200:
                errors.append(f"{response.status_code}: {response.text[:200]}")
            else:
                latencies.append(time.perf_counter() - started)
        except requests.RequestException as exc:
            errors.append(str(exc))
        time.sleep(0.05)


def trained_classifier(data: Path, per_class: int):
    """A classifier of a new person's, trained here on `per_class` photos of each class folder in `data`."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    import classifiers.services.jobs as jobs
    from accounts.models import ApiKey, hash_api_key, new_api_key
    from classifiers.services.catalog import classifier_create
    from classifiers.services.training import training_run_create, training_run_execute
    from classifiers.services.uploads import photos_add_uploads

    jobs.job_send = lambda **task: None  # the training runs here, not on a worker
    key = new_api_key()
    username = f"bench-{key[3:11]}"
    user = get_user_model().objects.create_user(username, "bench@example.org", "bench-password-123")
    ApiKey.objects.create(user=user, name="bench", prefix=key[:8], hashed_key=hash_api_key(key))
    folders = sorted(p for p in data.iterdir() if p.is_dir())
    classifier = classifier_create(owner=user, name="batch benchmark", label_names=[f.name for f in folders])
    for folder in folders:
        files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.glob("*.jp*g"))[:per_class]]
        photos_add_uploads(label=classifier.labels.get(name=folder.name), files=files)
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    run = training_run_execute(run_id=run.id)
    if run.status != "succeeded":
        raise SystemExit(f"training failed: {run.error}")
    return classifier, username, key


def zip_of(data: Path, count: int) -> bytes:
    """`count` pictures from `data`'s class folders, over again when there are fewer, in one zip."""
    pictures = sorted(data.glob("*/*.jp*g"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(count):
            archive.write(pictures[n % len(pictures)], f"photos/{n:04d}-{pictures[n % len(pictures)].name}")
    return buffer.getvalue()


def logged_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    response = session.post(f"{base}/login/", timeout=30, headers={"Referer": f"{base}/login/"},
                            data={"username": username, "password": "bench-password-123",
                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    response.raise_for_status()
    if "sessionid" not in session.cookies:
        raise SystemExit("could not log in")
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=300, help="pictures in the zip")
    parser.add_argument("--data", type=Path, default=REPO / "tests" / "data" / "engine" / "clothing",
                        help="folder of <class>/<photos> (default: the clothing photos in the repository)")
    parser.add_argument("--train-per-class", type=int, default=10)
    parser.add_argument("--threads", type=int, default=RUNALL_THREADS, help="threads of the one web process")
    parser.add_argument("--baseline", type=float, default=15.0, help="seconds the other clients run alone first")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ["NANOWEB_DATA_DIR"] = tempfile.mkdtemp(prefix="nanoweb-batch-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanoweb.settings")
    os.environ["NANOWEB_API_RATE"] = "1000000/min"  # the single predictions measure latency, not the limit
    env = dict(os.environ)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env,
                   check=True)
    import django

    django.setup()
    classifier, username, key = trained_classifier(args.data, args.train_per_class)
    body = zip_of(args.data, args.photos)
    one_photo = sorted(args.data.glob("*/*.jp*g"))[-1].read_bytes()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", str(args.threads), "--timeout", "300", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    try:
        wait_for(base + "/health/", 60)
        session = logged_in(base, username)
        predict_url = f"{base}/api/v1/classifiers/{classifier.id}/predict/"
        headers = {"Authorization": f"Bearer {key}"}

        def predict_one():
            return requests.post(predict_url, headers=headers, files={"file": ("one.jpg", one_photo)}, timeout=60)

        for _ in range(3):  # the process loads its session and the model before the clock starts
            predict_one().raise_for_status()
        def others_asking() -> tuple[threading.Event, dict, list[threading.Thread]]:
            done = threading.Event()
            others = {"health": ([], []), "predict": ([], [])}
            askers = [threading.Thread(target=ask_repeatedly, args=(lambda: requests.get(base + "/health/", timeout=60),
                                                                     done, *others["health"])),
                      threading.Thread(target=ask_repeatedly, args=(predict_one, done, *others["predict"]))]
            for asker in askers:
                asker.start()
            return done, others, askers

        def stopped(done: threading.Event, others: dict, askers: list[threading.Thread]) -> dict:
            done.set()
            for asker in askers:
                asker.join()
            return {name: {**percentiles(latencies), "errors": len(errors), "first_error": errors[:1]}
                    for name, (latencies, errors) in others.items()}

        alone = others_asking()
        time.sleep(args.baseline)
        before = stopped(*alone)
        during = others_asking()
        started = time.perf_counter()
        first_answers, answered, unread, error = None, 0, 0, ""
        with session.post(f"{base}/classifiers/{classifier.id}/try/batch/", stream=True, timeout=600,
                          headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": base + "/"},
                          files={"files": ("shop.zip", body, "application/zip")}) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                step = json.loads(line)
                if step.get("answers") and first_answers is None:
                    first_answers = time.perf_counter() - started
                answered += len(step.get("answers", []))
                unread += len(step.get("unread", []))
                error = step.get("error", {}).get("message", error)
        elapsed = time.perf_counter() - started
        during = stopped(*during)
    finally:
        stop(web)

    result = {
        "photos": args.photos, "answered": answered, "unread": unread, "error": error,
        "zip_mb": round(len(body) / 1048576, 1), "seconds": round(elapsed, 2),
        "photos_per_s": round(answered / elapsed, 1), "first_answers_s": round(first_answers or 0, 2),
        "before": before, "during": during,
        "threads": args.threads,
    }
    print(f"zip of {args.photos} photos ({result['zip_mb']} MB): {answered} answered, {unread} unread in "
          f"{result['seconds']} s ({result['photos_per_s']} photos/s), first answers after "
          f"{result['first_answers_s']} s{'; stopped: ' + error if error else ''}")
    for when in ("before", "during"):
        for name, measured in result[when].items():
            print(f"{name} {when} the zip: {measured['count']} answered, p50 {measured.get('p50_ms')} ms, "
                  f"p99 {measured.get('p99_ms')} ms, max {measured.get('max_ms')} ms, {measured['errors']} errors")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
