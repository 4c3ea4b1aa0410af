"""Speed of the engine on this machine, through the app's own code paths.

    python manage.py benchmark [--dir DIR] [--images 256] [--json]

- feature throughput end to end from JPEG files (decode + preprocess + network), ONNX Runtime and PyTorch
  eager on the same files in the same run, one view a photo, and their ratio; then the rate at which the
  app itself embeds photos (ONNX Runtime, every view it averages, VIEWS), which is what a training run
  with a cold cache waits for;
- training time of the real service (training_run_execute: feature cache, cross-validation, metrics,
  artifact, version) for 2 and 10 classes x 50 photos, with a cold feature cache (every photo embedded)
  and a warm one (features already stored), in a process warmed up the way every worker process is at
  start (classifiers/warmup.py). Runs inside a transaction that is rolled back, with media and
  artifacts in a temporary folder, so the database is left as it was;
- single-image prediction latency through predict_images (p50, p99), which answers with the engine's
  Predictor as the API and try-it do, and the process's peak RSS.

DIR (default: the test photos in tests/data/engine/clothing) holds <class>/<images>; when it has fewer
classes or photos than a size needs, its photos are reused (timings only, not accuracy); photos the app
cannot read are named and left out. On a data folder with no tables yet it applies the migrations first.
With --json the last line of stdout is one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from classifiers.feature_cache import extractor_for
from classifiers.management.embedding import decodable, left_out_line
from classifiers.ml.backbones import backbone_spec
from classifiers.ml.extract import TorchExtractor
from classifiers.ml.preprocess import CENTRE, VIEWS
from classifiers.ml.study import image_folder
from classifiers.warmup import warm_up_training

DEFAULT_DIR = Path(settings.BASE_DIR) / "tests" / "data" / "engine" / "clothing"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure feature throughput, training time and prediction latency."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", default=str(DEFAULT_DIR), help="folder of <class>/<images> (JPEGs)")
        parser.add_argument("--images", type=int, default=256, help="photos for the throughput measurement")
        parser.add_argument("--backbone", default=settings.DEFAULT_BACKBONE)
        parser.add_argument("--predictions", type=int, default=60, help="single-image predictions to time")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(self, *args, dir: str, images: int, backbone: str, predictions: int, as_json: bool, **options) -> None:
        paths, y, classes = image_folder(dir)
        if not paths:
            raise CommandError(f"{dir} holds no <class>/<images> photos")
        self._migrate_if_needed()
        paths, y = self._readable(backbone, Path(dir), paths, y)
        report: dict = {"backbone": backbone, "threads": settings.ENGINE_THREADS, "dir": str(dir)}
        report["load_average_before"] = round(os.getloadavg()[0], 2)
        report |= self._throughput(backbone, [paths[i % len(paths)] for i in range(images)])
        report |= self._service(backbone, paths, y, classes, predictions)
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        report["load_average_after"] = round(os.getloadavg()[0], 2)
        for key, value in report.items():
            self.stdout.write(f"{key:>26}: {value}")
        if as_json:
            self.stdout.write(json.dumps(report))

    def _migrate_if_needed(self) -> None:
        """The training figures go through the app's tables: on a data folder nothing has run in yet (a
        fresh clone, a new NANOWEB_DATA_DIR) create them first, as `make run` does, instead of failing
        halfway with "no such table"."""
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(f"the database lacks {len(pending)} migrations: applying them first, as `make run` does")
            call_command("migrate", verbosity=0)

    def _readable(self, backbone: str, folder: Path, paths: list[Path], y: np.ndarray) -> tuple[list[Path], np.ndarray]:
        """Only photos the app can read are timed; the others are named and left out."""
        prep = backbone_spec(backbone).preprocessing
        keep = decodable(
            paths, min_side=prep.resize_size, max_pixels=settings.IMAGE_MAX_PIXELS, threads=settings.ENGINE_THREADS
        )
        if len(keep) < len(paths):
            left_out = np.setdiff1d(np.arange(len(paths)), keep)
            self.stdout.write(left_out_line([paths[i].relative_to(folder) for i in left_out]))
        if not len(keep):
            raise CommandError(f"none of the {len(paths)} photos in {folder} could be read")
        return [paths[i] for i in keep], y[keep]

    def _throughput(self, backbone: str, files: list[Path]) -> dict:
        onnx = extractor_for(backbone)
        torch_path = TorchExtractor(backbone, threads=settings.ENGINE_THREADS)
        out = {}
        for name, extractor in (("onnx", onnx), ("torch", torch_path)):
            if name == "torch":
                import torch

                torch.set_num_threads(settings.ENGINE_THREADS)
            extractor.embed(files[:8], views=(CENTRE,))  # warm-up: first-run allocations and kernels
            out[f"{name}_img_per_s"] = self._photos_per_second(extractor, files, (CENTRE,))
        out["speedup_ratio"] = round(out["onnx_img_per_s"] / out["torch_img_per_s"], 2)
        out["throughput_images"] = len(files)
        out["app_views"] = list(VIEWS)
        out["onnx_app_photos_per_s"] = self._photos_per_second(onnx, files, VIEWS)
        return out

    def _photos_per_second(self, extractor, files: list[Path], views) -> float:
        started = time.perf_counter()
        result = extractor.embed(files, views=views)
        elapsed = time.perf_counter() - started
        if result.errors:
            raise CommandError(f"{len(result.errors)} photos could not be read: {next(iter(result.errors.values()))}")
        return round(len(files) / elapsed, 1)

    def _service(self, backbone: str, paths: list[Path], y: np.ndarray, classes: list[str], predictions: int) -> dict:
        # As every worker process does when it starts, so "cold" means a cold feature cache, not a cold process.
        warm_up_training(backbone)
        out: dict = {}
        with tempfile.TemporaryDirectory(prefix="nanoweb-benchmark-") as tmp:
            storages = {
                **settings.STORAGES,
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp}},
            }
            with override_settings(ARTIFACTS_DIR=Path(tmp) / "models", STORAGES=storages):
                try:
                    with transaction.atomic():
                        owner = get_user_model().objects.create_user(f"benchmark-{time.time_ns()}", "", None)
                        for n_classes in (2, 10):
                            classifier = self._classifier(owner, backbone, n_classes, paths, y)
                            for cache in ("cold", "warm"):
                                seconds = self._train(classifier)
                                out[f"train_{n_classes}x50_{cache}_s"] = round(seconds, 3)
                            if n_classes == 2:
                                out |= self._predict(classifier, paths, predictions)
                        raise Rollback
                except Rollback:
                    pass
        return out

    def _classifier(self, owner, backbone: str, n_classes: int, paths: list[Path], y: np.ndarray):
        from classifiers.models import Classifier, Label, Photo

        classifier = Classifier.objects.create(owner=owner, name=f"benchmark {n_classes}x50", backbone=backbone)
        by_class = [[p for p, label in zip(paths, y, strict=True) if label == c] for c in range(int(y.max()) + 1)]
        for c in range(n_classes):
            label = Label.objects.create(classifier=classifier, name=f"class {c}")
            pool = by_class[c % len(by_class)]
            for i in range(50):
                path = pool[i % len(pool)]
                data = path.read_bytes()
                photo = Photo(label=label, sha256=hashlib.sha256(data).hexdigest(), width=1, height=1)
                photo.image.save(path.name, ContentFile(data), save=True)
        return classifier

    def _train(self, classifier) -> float:
        from classifiers.models import TrainingRun
        from classifiers.services.training import training_run_execute

        run = TrainingRun.objects.create(classifier=classifier)
        started = time.perf_counter()
        run = training_run_execute(run_id=run.id)
        elapsed = time.perf_counter() - started
        if run is None or run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(f"training failed: {run.error if run else 'not claimed'}")
        return elapsed

    def _predict(self, classifier, paths: list[Path], count: int) -> dict:
        from classifiers.services.prediction import predict_images

        classifier.refresh_from_db()
        images = [paths[i % len(paths)].read_bytes() for i in range(count + 1)]
        predict_images(classifier=classifier, images=images[:1])  # loads the version once, as a process would
        timings = []
        for data in images[1:]:
            started = time.perf_counter()
            predict_images(classifier=classifier, images=[data])
            timings.append((time.perf_counter() - started) * 1000)
        return {
            "predict_p50_ms": round(float(np.percentile(timings, 50)), 1),
            "predict_p99_ms": round(float(np.percentile(timings, 99)), 1),
        }
