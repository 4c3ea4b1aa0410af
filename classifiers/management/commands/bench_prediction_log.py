"""Benchmark: a prediction log of 1,000,000 answers on PostgreSQL, and how fast its Answers page, the page's
API and the clean-up answer (issue 18: each page under 300 ms; the clean-up in bounded batches).

    DATABASE_URL=postgres://... python manage.py bench_prediction_log                # 1,000,000 answers
    DATABASE_URL=postgres://... python manage.py bench_prediction_log --answers 200000 --json

It makes a throwaway person and classifier with two versions, has PostgreSQL generate the answers itself
(INSERT ... SELECT FROM generate_series: a million rows in seconds, no Python loop), spread over `--days`
days so that those older than the retention (30 days) are there to be cleaned up, counts them into the daily
tallies with the same code that rebuilds them in the app, then asks for the Answers page (first page and
one version), the stats and list API, each `--repeat` times through Django's whole request handling
(middleware, authentication, templates) in this process, and runs `--cleanup-rounds` rounds of the
workers' clean-up. Everything it made is deleted at the end.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from classifiers.models import Classifier, ModelVersion, Prediction, PredictionTally
from classifiers.services.catalog import classifier_create
from classifiers.services.prediction_tallies import prediction_tallies_rebuild
from classifiers.services.predictions_cleanup import predictions_expire

BAR_MS = 300

# Answers as a busy shop's would be: about 6 % "none of these", confidence mostly high, latencies of tens of
# milliseconds with a long tail, from the API mostly. {cid}, {v1}, {v2}, {hat}, {shoes}: the throwaway rows.
GENERATE = """
INSERT INTO classifiers_prediction (id, classifier_id, version_id, created_at, source, api_key_id, name, label_id,
                                    label_name, confidence, unknown, unknown_score, margin, latency_ms, photo)
SELECT gen_random_uuid(), %(cid)s, CASE WHEN n %% 3 = 0 THEN %(v1)s ELSE %(v2)s END,
       now() - (random() * %(days)s) * interval '1 day',
       CASE WHEN n %% 10 = 0 THEN 'page' ELSE 'api' END, NULL, 'photo-' || n || '.jpg',
       CASE WHEN unknown THEN NULL WHEN n %% 2 = 0 THEN %(hat)s ELSE %(shoes)s END,
       CASE WHEN n %% 2 = 0 THEN 'hat' ELSE 'shoes' END,
       confidence, unknown, CASE WHEN unknown THEN 0.8 ELSE 0.2 END * random() + 0.1, 2 * confidence - 1,
       exp(ln(8) + random() * random() * ln(60)), ''
FROM (SELECT n, random() < 0.06 AS unknown, 0.5 + 0.5 * sqrt(random()) AS confidence
      FROM generate_series(1, %(answers)s) AS n) AS drawn
"""


class Command(BaseCommand):
    help = "Time the Answers page, its API and the clean-up over a generated log of 1,000,000 answers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--answers", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=35, help="the answers spread over this many days")
        parser.add_argument("--repeat", type=int, default=7, help="times each page is asked for")
        parser.add_argument("--cleanup-rounds", type=int, default=5)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("This benchmark generates its rows with PostgreSQL: set DATABASE_URL=postgres://...")
        call_command("collectstatic", "--noinput", verbosity=0)  # the pages are served as `make run` serves them
        user = get_user_model().objects.create_user(f"bench-log-{uuid.uuid4().hex[:8]}", "bench@example.org",
                                                    uuid.uuid4().hex)
        try:
            result = self._measure(user, options)
        finally:
            started = time.perf_counter()
            user.delete()  # the classifier, its versions and every generated answer with it
            self.stderr.write(f"removed the generated answers in {time.perf_counter() - started:.1f} s")
        if options["json"]:
            self.stdout.write(json.dumps(result))

    def _measure(self, user, options) -> dict:
        classifier = classifier_create(owner=user, name="Log benchmark", label_names=["hat", "shoes"])
        labels = {label.name: label for label in classifier.labels.all()}
        known = [{"id": str(label.id), "name": name} for name, label in labels.items()]
        v1, v2 = (ModelVersion.objects.create(classifier=classifier, number=n, artifact="none", backbone="b",
                                              labels=known) for n in (1, 2))
        Classifier.objects.filter(id=classifier.id).update(active_version=v2)

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(GENERATE, {"cid": classifier.id, "v1": v1.id, "v2": v2.id, "hat": labels["hat"].id,
                                      "shoes": labels["shoes"].id, "days": options["days"],
                                      "answers": options["answers"]})
            cursor.execute("ANALYZE classifiers_prediction")
        generated_s = time.perf_counter() - started
        started = time.perf_counter()
        tallies = prediction_tallies_rebuild(classifier_id=classifier.id)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE classifiers_predictiontally")
        tallied_s = time.perf_counter() - started
        self.stderr.write(f"{options['answers']:,} answers generated in {generated_s:.1f} s, counted into "
                          f"{tallies:,} tally rows in {tallied_s:.1f} s")

        page, api = Client(), APIClient()
        page.force_login(user)
        api.force_authenticate(user)
        host = {"HTTP_HOST": settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"}
        base, api_base = f"/classifiers/{classifier.id}/answers/", f"/api/v1/classifiers/{classifier.id}/predictions/"
        older = _older_cursor(page, base, host)
        timed = {
            "answers page": lambda: page.get(base, **host),
            "answers page, version 1, 90 days": lambda: page.get(base + "?version=1&days=90", **host),
            "answers page, older answers": lambda: page.get(base + "?before=" + older, **host),
            "API stats": lambda: api.get(api_base + "stats/", **host),
            "API stats, version 2, 366 days": lambda: api.get(api_base + "stats/?version=2&days=366", **host),
            "API list": lambda: api.get(api_base, **host),
        }
        timings = {name: _timed(ask, options["repeat"]) for name, ask in timed.items()}

        rounds = []
        for _ in range(options["cleanup_rounds"]):
            started = time.perf_counter()
            removed = predictions_expire()
            rounds.append({"removed": removed, "ms": round((time.perf_counter() - started) * 1000, 1)})
        cutoff = timezone.now() - timedelta(days=settings.PREDICTION_RETENTION_DAYS)
        expired_left = Prediction.objects.filter(classifier=classifier, created_at__lt=cutoff).count()

        for name, timing in timings.items():
            verdict = "under" if timing["max_ms"] < BAR_MS else "NOT under"
            self.stdout.write(f"{name}: median {timing['median_ms']} ms, slowest {timing['max_ms']} ms of "
                              f"{options['repeat']} ({verdict} {BAR_MS} ms)")
        for number, done in enumerate(rounds, 1):
            self.stdout.write(f"clean-up round {number}: {done['removed']} expired answers removed in {done['ms']} ms "
                              f"(at most {settings.PREDICTION_CLEANUP_BATCH} a round)")
        self.stdout.write(f"{expired_left:,} expired answers left for later rounds")
        return {"answers": options["answers"], "days": options["days"], "generated_s": round(generated_s, 1),
                "tally_rows": tallies, "tallied_s": round(tallied_s, 1), "pages": timings, "cleanup_rounds": rounds,
                "expired_left": expired_left, "tallies_left": PredictionTally.objects.filter(
                    classifier=classifier).count(), "database": connection.vendor}


def _timed(ask, repeat: int) -> dict:
    ask()  # once before the clock: templates compiled, connection open
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = ask()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise CommandError(f"{response.request['PATH_INFO']} answered {response.status_code}")
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def _older_cursor(page: Client, base: str, host: dict) -> str:
    """The cursor of the page after the first, from the first page's "Older answers" link."""
    html = page.get(base, **host).content.decode()
    marker = "before="
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]

