"""Speed of the engine on this machine, through the app's own code paths.

    python manage.py benchmark [--dir DIR] [--images 256] [--backbone NAME] [--precision float|int8] [--all]
                               [--train 2x50,10x50] [--rounds 3] [--json]

- feature throughput end to end from JPEG files (decode + preprocess + network), ONNX Runtime and PyTorch
  eager on the same files in the same run, one view a photo, and their ratio; then the rate at which the
  app itself embeds photos (ONNX Runtime, every view it averages, VIEWS), which is what a training run
  with a cold cache waits for;
- photos per second the app embeds (every view, VIEWS) for each backbone and precision measured (--all:
  every backbone in float and int8; else the chosen one and its other precision), measured in --rounds
  interleaved rounds so that a busy machine slows every engine alike; int8's speed-up over float is the
  median of the per-round ratios. The int8 twins' check figures (cosine to the float features on the
  calibration photos) come with them, and each engine's few-shot accuracy on the repository's photos
  (tests/data/engine clothing and trashnet, k = 5, 5 splits, the app's training: `evaluate`'s protocol),
  and the seconds its first use took (open_s; built_now says the file was built then: the float export, or
  the int8 twin quantized and checked, what a new worker pays once per cache folder);
- training time of the real service (training_run_execute: feature cache, cross-validation, metrics,
  artifact, version) for each --train size (classes x photos), with a cold feature cache (every photo
  embedded) and a warm one (features already stored), in a process warmed up the way every worker process
  is at start (classifiers/warmup.py), for the chosen backbone and precision and for today's engine before
  int8 (efficientnet-lite0 float), one after the other, with their ratio. Runs inside a transaction that is
  rolled back, with media and artifacts in a temporary folder, so the database is left as it was;
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
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from classifiers.feature_cache import extractor_for
from classifiers.management.embedding import decodable, left_out_line
from classifiers.ml.backbones import BACKBONES, FLOAT, INT8, PRECISIONS, backbone_spec
from classifiers.ml.engine_choice import TODAY
from classifiers.ml.extract import TorchExtractor
from classifiers.ml.onnx_cache import float_path
from classifiers.ml.preprocess import CENTRE, VIEWS
from classifiers.ml.study import embed_readable, evaluate, image_folder
from classifiers.warmup import warm_up_training

ENGINE_DATA = Path(settings.BASE_DIR) / "tests" / "data" / "engine"
DEFAULT_DIR = ENGINE_DATA / "clothing"
ACCURACY_SETS = ("clothing", "trashnet")


def _sizes(text: str) -> list[tuple[int, int]]:
    try:
        sizes = [tuple(int(n) for n in part.lower().split("x")) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(len(size) != 2 or min(size) < 2 for size in sizes):
        raise CommandError(f"--train takes sizes like 2x50,10x60 (classes x photos, each 2 or more); got {text!r}")
    return sizes


def _name(engine: tuple[str, str]) -> str:
    return "/".join(engine)


class Command(BaseCommand):
    help = "Measure feature throughput, training time and prediction latency."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", default=str(DEFAULT_DIR), help="folder of <class>/<images> (JPEGs)")
        parser.add_argument("--images", type=int, default=256, help="photos for the throughput measurement")
        parser.add_argument("--backbone", default=settings.DEFAULT_BACKBONE, choices=sorted(BACKBONES))
        parser.add_argument("--precision", default=settings.DEFAULT_PRECISION, choices=PRECISIONS)
        parser.add_argument("--all", action="store_true", dest="every_engine",
                            help="photos/s and accuracy of every backbone in float and int8")
        parser.add_argument("--train", default="2x50,10x50", help="training sizes, classes x photos a class")
        parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the photos/s measurement")
        parser.add_argument("--predictions", type=int, default=60, help="single-image predictions to time")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(
        self,
        *args,
        dir: str,
        images: int,
        backbone: str,
        precision: str,
        every_engine: bool,
        train: str,
        rounds: int,
        predictions: int,
        as_json: bool,
        **options,
    ) -> None:
        sizes = _sizes(train)
        paths, y, classes = image_folder(dir)
        if not paths:
            raise CommandError(f"{dir} holds no <class>/<images> photos")
        self._migrate_if_needed()
        paths, y = self._readable(backbone, Path(dir), paths, y)
        report: dict = {
            "backbone": backbone, "precision": precision, "threads": settings.ENGINE_THREADS, "dir": str(dir)
        }
        report["load_average_before"] = round(os.getloadavg()[0], 2)
        files = [paths[i % len(paths)] for i in range(images)]
        report |= self._throughput(backbone, files)
        backbones = list(BACKBONES) if every_engine else [backbone]
        report |= self._engines([(b, p) for b in backbones for p in PRECISIONS], files, max(1, rounds))
        report |= self._service((backbone, precision), paths, y, classes, predictions, sizes)
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
        """ONNX Runtime (float) against PyTorch eager on the same weights: why the app runs ONNX."""
        onnx = extractor_for(backbone, FLOAT)
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

    def _engines(self, engines: list[tuple[str, str]], files: list[Path], rounds: int) -> dict:
        extractors, opening = {}, {}
        for engine in engines:
            # The first use in a cache folder builds the file (the float export; the int8 twin: quantized and
            # checked) in a child process: what a new worker pays once.
            built_now = not self._engine_file(engine).exists()
            started = time.perf_counter()
            extractors[engine] = extractor_for(*engine)
            opening[engine] = {"built_now": built_now, "open_s": round(time.perf_counter() - started, 1)}
        for extractor in extractors.values():
            extractor.embed(files[:8], views=VIEWS)  # warm-up
        rates: dict = {engine: [] for engine in engines}
        for _ in range(rounds):
            for engine, extractor in extractors.items():
                rates[engine].append(self._photos_per_second(extractor, files, VIEWS))
        out: dict = {"engines": {}, "int8_speedup": {}, "rounds": rounds}
        for engine, extractor in extractors.items():
            out["engines"][_name(engine)] = {
                "runs_as": extractor.precision,  # float when the int8 twin was refused
                **opening[engine],
                "photos_per_s": float(np.median(rates[engine])),
                "photos_per_s_range": [min(rates[engine]), max(rates[engine])],
                "accuracy_k5": self._accuracy(extractor),
            }
            if engine[1] == INT8:
                out["engines"][_name(engine)]["int8_check"] = self._check(extractor)
        for backbone in dict.fromkeys(engine[0] for engine in engines):
            if (backbone, FLOAT) in rates and (backbone, INT8) in rates:
                ratios = [i / f for i, f in zip(rates[(backbone, INT8)], rates[(backbone, FLOAT)], strict=True)]
                out["int8_speedup"][backbone] = round(float(np.median(ratios)), 2)
        today = out["engines"].get(_name(TODAY))
        if today:
            for values in out["engines"].values():
                values["speed_vs_today"] = round(values["photos_per_s"] / today["photos_per_s"], 2)
        return out

    def _engine_file(self, engine: tuple[str, str]) -> Path:
        from classifiers.ml import quantize

        name, precision = engine
        if precision == INT8:
            return quantize.int8_path(name, settings.FEATURE_CACHE_DIR)
        return float_path(name, settings.FEATURE_CACHE_DIR)

    def _accuracy(self, extractor) -> dict:
        """Few-shot accuracy at k = 5 on the repository's photos, 5 splits (the splits are the same for every
        engine: they depend only on the seed)."""
        out = {}
        for name in ACCURACY_SETS:
            paths, y, classes = image_folder(ENGINE_DATA / name)
            features, readable = embed_readable(extractor, paths, VIEWS)
            result = evaluate(features, y[readable], classes, ks=[5], seeds=5)[0]
            out[name] = result["accuracy"]
        out["mean"] = round(float(np.mean(list(out.values()))), 4)
        return out

    def _check(self, extractor) -> dict | None:
        from classifiers.ml import quantize

        path = quantize.int8_path(extractor.name, settings.FEATURE_CACHE_DIR)
        refusal = quantize.refusal_path(path)
        if refusal.exists():
            return {"refused": True, **json.loads(refusal.read_text())}
        inputs = quantize.calibration_inputs(extractor.name)
        float_path = extractor_for(extractor.name, FLOAT).model_path
        return quantize.compare(quantize.features(float_path, inputs), quantize.features(path, inputs))

    def _photos_per_second(self, extractor, files: list[Path], views) -> float:
        started = time.perf_counter()
        result = extractor.embed(files, views=views)
        elapsed = time.perf_counter() - started
        if result.errors:
            raise CommandError(f"{len(result.errors)} photos could not be read: {next(iter(result.errors.values()))}")
        return round(len(files) / elapsed, 1)

    def _service(
        self,
        engine: tuple[str, str],
        paths: list[Path],
        y: np.ndarray,
        classes: list[str],
        predictions: int,
        sizes: list[tuple[int, int]],
    ) -> dict:
        engines = list(dict.fromkeys([engine, TODAY]))
        for each in engines:
            # As every worker process does when it starts, so "cold" means a cold feature cache, not a cold
            # process.
            warm_up_training(*each)
        out: dict = {"training": {_name(each): {} for each in engines}}
        with tempfile.TemporaryDirectory(prefix="nanoweb-benchmark-") as tmp:
            storages = {
                **settings.STORAGES,
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp}},
            }
            with override_settings(ARTIFACTS_DIR=Path(tmp) / "models", STORAGES=storages):
                # Committed as a person's would be, then deleted: inside one open transaction SQLite would keep
                # the run's heartbeat thread waiting on its lock, and every training would wait for that thread.
                owner = get_user_model().objects.create_user(f"benchmark-{time.time_ns()}", "", None)
                try:
                    for number, (n_classes, per_class) in enumerate(sizes):
                        for each in engines:
                            classifier = self._classifier(owner, each, n_classes, per_class, paths, y)
                            for cache in ("cold", "warm"):
                                seconds = round(self._train(classifier), 3)
                                out["training"][_name(each)][f"{n_classes}x{per_class}_{cache}_s"] = seconds
                                if each == engine:
                                    out[f"train_{n_classes}x{per_class}_{cache}_s"] = seconds
                            if number == 0 and each == engine:
                                out |= self._predict(classifier, paths, predictions)
                finally:
                    owner.delete()  # its throwaway classifiers, their photos, cached features and versions
        if engine != TODAY:
            chosen, today = out["training"][_name(engine)], out["training"][_name(TODAY)]
            out["train_speedup_vs_today"] = {
                size.removesuffix("_s"): round(today[size] / chosen[size], 2) for size in chosen
            }
        return out

    def _classifier(
        self, owner, engine: tuple[str, str], n_classes: int, per_class: int, paths: list[Path], y: np.ndarray
    ):
        from classifiers.models import Classifier, Label, Photo

        classifier = Classifier.objects.create(
            owner=owner, name=f"benchmark {n_classes}x{per_class}", backbone=engine[0], precision=engine[1]
        )
        by_class = [[p for p, label in zip(paths, y, strict=True) if label == c] for c in range(int(y.max()) + 1)]
        for c in range(n_classes):
            label = Label.objects.create(classifier=classifier, name=f"class {c}")
            pool = by_class[c % len(by_class)]
            for i in range(per_class):
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
