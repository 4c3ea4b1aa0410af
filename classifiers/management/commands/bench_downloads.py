"""Benchmark: N pictures from a local stand-in that takes 200 ms per picture, through the real downloader
(safe fetch, per-host limit, validation and normalisation in the download threads).

    python manage.py bench_downloads              # 100 pictures, 200 ms each; the bar is under 10 s
    python manage.py bench_downloads --save       # also store them as photos of a throwaway classifier

The stand-in runs on 127.0.0.1 inside this command, so private addresses are allowed for this run only.
"""

from __future__ import annotations

import io
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from classifiers.models import Classifier
from nanoweb.datafolder import database_ready
from scraper.downloader import download_images


def make_picture(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(20):
        x, y = rng.randrange(640), rng.randrange(480)
        draw.rectangle([x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def serve(pictures: list[bytes], delay: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            index = int(self.path.strip("/").split(".")[0])
            time.sleep(delay)
            body = pictures[index]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Command(BaseCommand):
    help = "Time N picture downloads from a local stand-in that takes --delay-ms per picture."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=100)
        parser.add_argument("--delay-ms", type=int, default=200)
        parser.add_argument("--save", action="store_true", help="store them through examples_import_urls too")

    def handle(self, *args, count: int, delay_ms: int, save: bool, **options) -> None:
        if save:  # it stores them in the app's tables: say so at once when there are none yet
            database_ready(table=Classifier._meta.db_table)
        settings.ALLOW_PRIVATE_URLS = True  # the stand-in is on loopback; this process only
        pictures = [make_picture(seed) for seed in range(count)]
        server = serve(pictures, delay_ms / 1000)
        urls = [f"http://127.0.0.1:{server.server_address[1]}/{i}.jpg" for i in range(count)]
        try:
            started = time.perf_counter()
            results = list(download_images(urls))
            elapsed = time.perf_counter() - started
            failed = [r for r in results if r.error is not None]
            self.stdout.write(
                f"{len(results) - len(failed)}/{count} pictures downloaded and normalised in {elapsed:.2f} s "
                f"({count / elapsed:.1f} pictures/s); stand-in {delay_ms} ms per picture, "
                f"{settings.DOWNLOADS_PER_HOST} per host, {settings.DOWNLOAD_WORKERS} threads; serial would take "
                f"{count * delay_ms / 1000:.0f} s")
            for result in failed[:5]:
                self.stdout.write(f"  failed: {result.url}: {result.error.message}")
            if save:
                self._save(urls)
        finally:
            server.shutdown()

    def _save(self, urls: list[str]) -> None:
        from django.contrib.auth import get_user_model

        from classifiers.services.catalog import classifier_create, classifier_delete
        from classifiers.services.imports import photos_import_urls

        user = get_user_model().objects.create_user(username=f"bench-{time.time_ns()}", password=None)
        classifier = classifier_create(owner=user, name="bench", label_names=["pictures"])
        try:
            started = time.perf_counter()
            result = photos_import_urls(label=classifier.labels.get(), urls=urls)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{len(result.added)}/{len(urls)} pictures stored as photos in {elapsed:.2f} s "
                              f"({len(result.rejected)} refused)")
        finally:
            classifier_delete(classifier=classifier)
            user.delete()
