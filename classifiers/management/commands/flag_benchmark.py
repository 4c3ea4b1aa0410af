"""How well the `outlier` flag finds intruders, and whether dropping flagged photos helps training.

    python manage.py flag_benchmark DIR --intruders DIR2 [--genuine N] [--fraction 0.2] [--seeds 3]
        [--classes A,B] [--json]

For each seed: `--genuine` photos of each class of DIR, plus intruders from DIR2 making up `--fraction`
of each class, go through the app's own training code (training.train, which computes the flags). The
rest of DIR's photos (at most 40 a class) test three models: trained on the mixed set, on the mixed set
without the photos flagged `outlier`, and on the clean set. With --json the last line is one JSON object.

DIR holds <class>/<images>; DIR2 any images, in sub-folders or not. Without --genuine, 32 a class, or fewer
when the smallest class or the intruders would not leave enough (a class keeps at least a third of its
photos for testing). Photos that cannot be read are left out and counted.
"""

from __future__ import annotations

import json

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifiers.management.embedding import embed_or_refuse
from classifiers.ml.extract import onnx_extractor
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.study import image_files, image_folder
from classifiers.ml.training import choose_head, fit_final_head, train, training_set


def _accuracy(features: np.ndarray, y: np.ndarray, classes: list[str], test_x: np.ndarray, test_y: np.ndarray,
              seed: int) -> float:
    # Only the model is needed here, not the training photos' own figures (measure_head).
    data = training_set(features, y, classes)
    model = fit_final_head(data, choose_head(data, seed=seed).config, seed=seed)
    answers = answers_from_features(model, test_x)
    predicted = np.array([classes.index(a["label"]) for a in answers])
    return float(np.mean(predicted == test_y))


class Command(BaseCommand):
    help = "Measure the outlier flag on DIR contaminated with photos from another folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir")
        parser.add_argument("--intruders", required=True, help="folder of unrelated photos (any layout)")
        parser.add_argument("--genuine", type=int, help="genuine training photos a class (default: up to 32)")
        parser.add_argument("--fraction", type=float, default=0.2, help="share of intruders in each class")
        parser.add_argument("--seeds", type=int, default=3)
        parser.add_argument("--max-test", type=int, default=40)
        parser.add_argument("--classes", help="only these classes of DIR, comma-separated (e.g. two that look alike)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, dir: str, intruders: str, genuine: int | None, fraction: float, seeds: int, max_test: int,
               classes: str | None, as_json: bool, **options) -> None:
        if not 0 < fraction < 1:
            raise CommandError("--fraction must be between 0 and 1")
        extractor = onnx_extractor(settings.DEFAULT_BACKBONE, cache_dir=settings.FEATURE_CACHE_DIR,
                                   threads=settings.ENGINE_THREADS)
        wanted = [name.strip() for name in (classes or "").split(",") if name.strip()]
        paths, y_all, classes = image_folder(dir)
        if wanted:
            missing = sorted(set(wanted) - set(classes))
            if missing or len(wanted) < 2:
                raise CommandError(f"--classes needs at least two of {', '.join(classes)}; not found: {missing}")
            keep = np.isin(np.array(classes)[y_all], wanted)
            paths = [path for path, kept in zip(paths, keep, strict=True) if kept]
            y_all = np.array([wanted.index(classes[label]) for label in y_all[keep]])
            classes = wanted
        intruder_paths = image_files(intruders)
        if len(classes) < 2 or not intruder_paths:
            raise CommandError(f"{dir} needs two or more sub-folders of photos and {intruders} some photos")
        features, readable = embed_or_refuse(extractor, paths)
        y_all = y_all[readable]
        foreign, _ = embed_or_refuse(extractor, intruder_paths)
        unreadable = len(paths) - len(features) + len(intruder_paths) - len(foreign)
        smallest = int(np.bincount(y_all, minlength=len(classes)).min())
        if genuine is None:
            genuine = min(32, smallest * 2 // 3, int(len(foreign) / len(classes) * (1 - fraction) / fraction))
        per_class = round(genuine * fraction / (1 - fraction))
        if genuine < 5 or per_class < 1:
            raise CommandError(f"too few photos for this: {smallest} in the smallest class of {dir}, "
                               f"{len(foreign)} in {intruders}")
        if smallest <= genuine:
            raise CommandError(f"every class of {dir} needs more than --genuine={genuine} photos")
        if per_class * len(classes) > len(foreign):
            raise CommandError(f"{intruders} has {len(foreign)} photos; {per_class * len(classes)} are needed")

        caught = genuine_flagged = intruder_total = genuine_total = 0
        accuracies: dict[str, list[float]] = {"mixed": [], "flagged_dropped": [], "clean": []}
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            pool = rng.permutation(len(foreign))
            train_rows, test_rows, mixed_x, mixed_y, is_intruder = [], [], [], [], []
            for label in range(len(classes)):
                rows = rng.permutation(np.flatnonzero(y_all == label))
                train_rows.extend(rows[:genuine])
                test_rows.extend(rows[genuine: genuine + max_test])
                mixed_x.extend(features[rows[:genuine]])
                taken, pool = pool[:per_class], pool[per_class:]
                mixed_x.extend(foreign[taken])
                mixed_y.extend([label] * (genuine + per_class))
                is_intruder.extend([False] * genuine + [True] * per_class)
            mixed_x, mixed_y, is_intruder = np.stack(mixed_x), np.array(mixed_y), np.array(is_intruder)
            test_x, test_y = features[test_rows], y_all[test_rows]

            flags = train(mixed_x, mixed_y, classes, seed=seed).flags
            flagged = np.array([("outlier" in flags.get(row, {})) for row in range(len(mixed_y))])
            caught += int((flagged & is_intruder).sum())
            genuine_flagged += int((flagged & ~is_intruder).sum())
            intruder_total += int(is_intruder.sum())
            genuine_total += int((~is_intruder).sum())
            accuracies["mixed"].append(_accuracy(mixed_x, mixed_y, classes, test_x, test_y, seed))
            accuracies["flagged_dropped"].append(
                _accuracy(mixed_x[~flagged], mixed_y[~flagged], classes, test_x, test_y, seed))
            accuracies["clean"].append(
                _accuracy(features[train_rows], y_all[train_rows], classes, test_x, test_y, seed))

        result = {
            "dataset": str(dir).rstrip("/").split("/")[-1],
            "intruders": str(intruders).rstrip("/").split("/")[-1],
            "genuine_per_class": genuine,
            "intruders_per_class": per_class,
            "seeds": seeds,
            "unreadable_photos": unreadable,
            "intruders_caught": round(caught / intruder_total, 4),
            "genuine_flagged": round(genuine_flagged / genuine_total, 4),
            "accuracy_mixed": round(float(np.mean(accuracies["mixed"])), 4),
            "accuracy_flagged_dropped": round(float(np.mean(accuracies["flagged_dropped"])), 4),
            "accuracy_clean": round(float(np.mean(accuracies["clean"])), 4),
        }
        self.stdout.write(
            f"{result['dataset']} + {per_class} {result['intruders']} photos a class among {genuine}: "
            f"outlier flag caught {result['intruders_caught']:.0%} of intruders, flagged "
            f"{result['genuine_flagged']:.1%} of genuine photos; accuracy mixed {result['accuracy_mixed']:.1%}, "
            f"flagged dropped {result['accuracy_flagged_dropped']:.1%}, clean {result['accuracy_clean']:.1%}"
        )
        if as_json:
            self.stdout.write(json.dumps(result))
