"""Does labelling the "label these next" queue's first photos help more than labelling random ones?

    python manage.py label_next_benchmark DIR [--seeds 5] [--start 3] [--pool 30] [--add 20] [--max-test 40]
        [--json]

DIR holds <class>/<images>. For each seed: --start photos a class train the version in use (one fewer the
version before it), --pool photos a class stand for logged answers, the rest (at most --max-test a class)
are held out. The queue ranks the pool with the app's own code (classifiers/ml/label_next.py); its first
--add photos, with their true classes, are added and the model retrained, and the same with --add random
pool photos. Prints the held-out accuracy before adding, after the queue's photos and after random ones,
averaged over the seeds (classifiers/ml/label_next_study.py). With --json the last line is one JSON object.
Photos that cannot be read are left out and counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifiers.feature_cache import extractor_for
from classifiers.management.embedding import embed_or_refuse, left_out_line
from classifiers.ml.label_next_study import compare
from classifiers.ml.study import image_folder
from classifiers.ml.training import MIN_PHOTOS_PER_CLASS


class Command(BaseCommand):
    help = "Compare adding the label-these-next queue's first photos with adding random ones, on DIR/<class>/<images>."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", help="folder with one sub-folder of photos per class")
        parser.add_argument("--seeds", type=int, default=5, help="random splits")
        parser.add_argument("--start", type=int, default=3, help="photos a class the version in use trained on")
        parser.add_argument("--pool", type=int, default=30, help="photos a class standing for logged answers")
        parser.add_argument("--add", type=int, default=20, help="photos added from the queue, or at random")
        parser.add_argument("--max-test", type=int, default=40, help="held-out photos a class at most")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(self, *args, dir: str, seeds: int, start: int, pool: int, add: int, max_test: int, as_json: bool,
               **options) -> None:
        folder = Path(dir)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        if seeds < 1 or add < 1 or pool < 1 or max_test < 1:
            raise CommandError("--seeds, --pool, --add and --max-test must be 1 or more")
        if start <= MIN_PHOTOS_PER_CLASS:
            raise CommandError(f"--start must be more than {MIN_PHOTOS_PER_CLASS}: the version before the one in "
                               "use trains on one photo a class fewer, and each needs at least "
                               f"{MIN_PHOTOS_PER_CLASS}")
        paths, y, classes = image_folder(folder)
        if len(classes) < 2:
            raise CommandError(f"{folder} needs two or more sub-folders of photos, one per class")
        # The engine new classifiers get, as the queue a person sees would use.
        extractor = extractor_for(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
        features, readable = embed_or_refuse(extractor, paths)
        y = y[readable]
        if len(readable) < len(paths):
            self.stderr.write(left_out_line([paths[i] for i in sorted(set(range(len(paths))) - set(readable))]))
        smallest = int(np.bincount(y, minlength=len(classes)).min())
        if smallest <= start + pool:
            raise CommandError(f"every class needs more than --start + --pool = {start + pool} photos, to keep some "
                               f"held out; the smallest has {smallest}")
        if add > pool * len(classes):
            raise CommandError(f"--add={add} is more than the pool's {pool * len(classes)} photos")
        result = {"dataset": folder.resolve().name, "classes": len(classes), "backbone": settings.DEFAULT_BACKBONE,
                  "precision": extractor.precision,
                  "unreadable_photos": len(paths) - len(readable),
                  **compare(features, y, classes, start=start, pool=pool, add=add, max_test=max_test, seeds=seeds)}
        self.stdout.write(
            f"{result['dataset']} ({len(classes)} classes, {start} photos a class to start, {add} added from a pool "
            f"of {pool * len(classes)}, {result['test_photos']} held out, {seeds} seeds): accuracy "
            f"{result['accuracy_before']:.1%} before; {result['accuracy_queue']:.1%} after the queue's first "
            f"{add}; {result['accuracy_random']:.1%} after {add} random ones (queue better on "
            f"{result['queue_beats_random_seeds']} of {seeds} seeds)"
        )
        if as_json:
            self.stdout.write(json.dumps(result))
