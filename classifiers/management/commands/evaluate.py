"""Few-shot accuracy of NanoWeb's own training on a folder of photos.

    python manage.py evaluate DIR [--k 5,10,20] [--seeds 5] [--backbone NAME] [--precision float|int8] [--all]
                              [--unrelated DIR2] [--recipe nanoweb|reference] [--json]

DIR holds <class>/<images>. For each k and seed: k random photos a class train (through the app's
training code: head chosen by cross-validation, and so on), the rest — at most 40 a class — are tested.
Photos that cannot be read are left out and counted; a k that would leave some class no test photo is
skipped and said so. --all measures every backbone in float and int8 on the very same splits (they depend
only on the seed and the classes) and reports int8's difference from float per backbone and k. With --json
the last line of stdout is one JSON object.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifiers.management.embedding import embed_or_refuse, left_out_line
from classifiers.ml.backbones import BACKBONES, FLOAT, INT8, PRECISIONS
from classifiers.ml.extract import onnx_extractor
from classifiers.ml.preprocess import VIEWS
from classifiers.ml.study import evaluate, image_files, image_folder


def _ints(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--k takes numbers separated by commas, like 5,10,20; got {text!r}") from None
    if not values or min(values) < 1:
        raise CommandError("--k needs at least one number, each 1 or more")
    return values


class Command(BaseCommand):
    help = "Measure few-shot accuracy of the app's training on DIR/<class>/<images>."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", help="folder with one sub-folder of photos per class")
        parser.add_argument("--k", default="5,10,20", help="training photos a class, comma-separated")
        parser.add_argument("--seeds", type=int, default=5, help="random splits per k")
        parser.add_argument("--backbone", default=settings.DEFAULT_BACKBONE, choices=sorted(BACKBONES))
        parser.add_argument("--precision", default=settings.DEFAULT_PRECISION, choices=PRECISIONS)
        parser.add_argument("--all", action="store_true", dest="every_engine",
                            help="every backbone in float and int8, on the same splits")
        parser.add_argument("--max-test", type=int, default=40, help="test photos a class at most")
        parser.add_argument("--unrelated", help="folder of photos of none of the classes, to measure 'unknown'")
        parser.add_argument(
            "--recipe",
            choices=("nanoweb", "reference"),
            default="nanoweb",
            help="reference: the baseline recipe (centre crop only, logistic C=10) on the same splits",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(
        self,
        *args,
        dir: str,
        k: str,
        seeds: int,
        backbone: str,
        precision: str,
        every_engine: bool,
        max_test: int,
        unrelated: str | None,
        recipe: str,
        as_json: bool,
        **options,
    ) -> None:
        folder = Path(dir)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        if seeds < 1:
            raise CommandError("--seeds must be 1 or more")
        ks = _ints(k)
        paths, y, classes = image_folder(folder)
        if len(classes) < 2:
            raise CommandError(f"{folder} needs at least 2 sub-folders of photos (one a class); found {len(classes)}")
        engines = [(b, p) for b in BACKBONES for p in PRECISIONS] if every_engine else [(backbone, precision)]
        measured, summary = [], {}
        for backbone, precision in engines:
            measured.append(
                self._engine(folder, paths, y, classes, ks, seeds, max_test, unrelated, recipe, backbone, precision)
            )
            summary = measured[0]["summary"]
        if len(measured) > 1:
            self._compare(measured)
        if as_json:
            first = measured[0]
            report = {
                "dataset": folder.name,
                "classes": classes,
                "backbone": first["backbone"],
                "precision": first["precision"],
                "recipe": recipe,
                "results": first["results"],
                **summary,
                "engines": [{key: m[key] for key in ("backbone", "precision", "embed_s", "results")} for m in measured],
            }
            if len(measured) > 1:
                report["int8_minus_float_points"] = self._compare(measured, quiet=True)
            self.stdout.write(json.dumps(report))

    def _engine(self, folder, paths, y, classes, ks, seeds, max_test, unrelated, recipe, backbone, precision) -> dict:
        extractor = onnx_extractor(
            backbone, precision=precision, cache_dir=settings.FEATURE_CACHE_DIR, threads=settings.ENGINE_THREADS
        )
        precision = extractor.precision  # float when the int8 twin failed its check (the log says so)
        started = time.perf_counter()
        features, readable = embed_or_refuse(extractor, paths)
        embed_seconds = round(time.perf_counter() - started, 2)
        y = y[readable]
        unreadable = [paths[i].relative_to(folder) for i in np.setdiff1d(np.arange(len(paths)), readable)]
        self.stdout.write(
            f"{folder}: {len(readable)} photos, {len(classes)} classes, embedded with {backbone} {precision} "
            f"({len(VIEWS)} views) in {embed_seconds:.1f} s"
        )
        if unreadable:
            self.stdout.write(left_out_line(unreadable))
        counts = np.bincount(y, minlength=len(classes))
        smallest, smallest_name = int(counts.min()), classes[int(counts.argmin())]
        if smallest < 2:
            raise CommandError(f"class {smallest_name!r} has {smallest} readable photos; every class needs at least 2")
        skipped = [value for value in ks if value >= smallest]
        ks = [value for value in ks if value < smallest]
        for value in skipped:
            self.stdout.write(
                f"k={value} skipped: the smallest class, {smallest_name!r}, has {smallest} readable photos, so "
                f"k={value} would leave it none to test"
            )
        if not ks:
            raise CommandError(
                f"every k leaves some class no test photo: the smallest class, {smallest_name!r}, has {smallest} "
                f"readable photos; use a k below {smallest}, or add photos to {smallest_name!r}"
            )
        unrelated_features = None
        if unrelated:
            unrelated_paths = image_files(unrelated)
            unrelated_features, _ = embed_or_refuse(extractor, unrelated_paths)
        try:
            results = evaluate(
                features,
                y,
                classes,
                ks=ks,
                seeds=seeds,
                max_test=max_test,
                unrelated=unrelated_features,
                reference=recipe == "reference",
                on_result=lambda r: self.stdout.write(
                    f"k={r['k']:>3}: accuracy {r['accuracy']:.1%} ± {r['accuracy_std']:.1%} over {r['seeds']} seeds "
                    f"({r['test_images']} test photos a split); in-class photos refused ('none of these') "
                    f"{r['refused_in_class']:.1%}, flagged {r['flagged_in_class']:.1%}"
                    + (
                        f"; unrelated photos flagged {r['flagged_unrelated']:.1%}, refused {r['refused_unrelated']:.1%}"
                        if "flagged_unrelated" in r
                        else ""
                    )
                    + f"; heads {r['heads']}"
                ),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        return {
            "backbone": backbone,
            "precision": precision,
            "embed_s": embed_seconds,
            "results": results,
            "summary": {"unreadable_photos": len(unreadable), "skipped_k": skipped},
        }

    def _compare(self, measured: list[dict], *, quiet: bool = False) -> dict:
        """int8's accuracy minus float's, in points, per backbone and k (the same splits)."""
        by_engine = {(m["backbone"], m["precision"]): {r["k"]: r["accuracy"] for r in m["results"]} for m in measured}
        differences = {}
        for backbone in dict.fromkeys(m["backbone"] for m in measured):
            if (backbone, FLOAT) in by_engine and (backbone, INT8) in by_engine:
                floats, ints = by_engine[(backbone, FLOAT)], by_engine[(backbone, INT8)]
                differences[backbone] = {str(k): round(100 * (ints[k] - floats[k]), 2) for k in floats}
                if not quiet:
                    self.stdout.write(f"{backbone}: int8 minus float, points: {differences[backbone]}")
        return differences

