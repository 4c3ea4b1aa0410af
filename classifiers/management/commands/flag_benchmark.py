"""How well NanoWeb's flags find wrong photos, against cleanlab's find_label_issues on the very same
features and out-of-fold probabilities, and what leaving them out does to accuracy.

    python manage.py flag_benchmark DIR [--mislabelled] [--intruders DIR2] [--genuine N] [--fraction 0.2]
        [--seeds 3] [--classes A,B] [--json]

For each seed, every class of DIR gets `--genuine` of its own photos plus wrong ones making up `--fraction`
of it: photos of the other classes of DIR (--mislabelled), photos from DIR2 (--intruders), or half of
each when both are given. The mixed set goes through the app's own training code (training.train, which
computes the flags and leaves out as many of the flagged photos as cross-validation says helps). cleanlab's
find_label_issues (its defaults, classifiers/management/cleanlab_check.py) gets the out-of-fold
probabilities that training computed and NanoWeb's own flags start from (TrainResult.out_of_fold). The
rest of DIR's photos (at most --max-test a class, never one used for training) test four models: trained
on the mixed set as found, with training's automatic cleaning, without every photo NanoWeb flagged, and on
the right photos only. With --json the last line is one JSON object.

DIR holds <class>/<images>; DIR2 any images, in sub-folders or not. Without --genuine, 20 a class with
--mislabelled alone, else 32, or fewer when the smallest class or the intruders would not leave enough.
Photos that cannot be read are left out and counted. cleanlab is a test tool (requirements-dev.txt); the
command says how to install it when it is missing.
"""

from __future__ import annotations

import json

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifiers.feature_cache import extractor_for
from classifiers.management.cleanlab_check import cleanlab_issues, require_cleanlab
from classifiers.management.embedding import embed_or_refuse
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.study import image_files, image_folder
from classifiers.ml.training import NotEnoughData, train


def _dropped_words(result: dict) -> str:
    """The accuracy without every flagged photo, saying on how many seeds it could be trained."""
    trained, seeds = result["flagged_dropped_seeds"], result["seeds"]
    if not trained:
        return "not measured (on every seed the flags covered a whole class)"
    figure = f"{result['accuracy_flagged_dropped']:.1%}"
    if trained < seeds:
        figure += f" (on {trained} of {seeds} seeds: on the others the flags covered a whole class)"
    return figure


def _accuracy(model, classes: list[str], test_x: np.ndarray, test_y: np.ndarray) -> float:
    answers = answers_from_features(model, test_x)
    return float(np.mean(np.array([classes.index(a["label"]) for a in answers]) == test_y))


class Command(BaseCommand):
    help = "Measure NanoWeb's photo flags and automatic cleaning against cleanlab on DIR with wrong photos mixed in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir")
        parser.add_argument("--mislabelled", action="store_true",
                            help="wrong photos are photos of DIR's other classes, filed under the wrong class")
        parser.add_argument("--intruders", help="folder of unrelated photos (any layout)")
        parser.add_argument("--genuine", type=int, help="right training photos a class")
        parser.add_argument("--fraction", type=float, default=0.2, help="share of wrong photos in each class")
        parser.add_argument("--seeds", type=int, default=3)
        parser.add_argument("--max-test", type=int, default=40)
        parser.add_argument("--classes", help="only these classes of DIR, comma-separated (e.g. two that look alike)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, dir: str, mislabelled: bool, intruders: str | None, genuine: int | None,
               fraction: float, seeds: int, max_test: int, classes: str | None, as_json: bool, **options) -> None:
        if not 0 < fraction < 1:
            raise CommandError("--fraction must be between 0 and 1")
        if not mislabelled and not intruders:
            raise CommandError("say which wrong photos to mix in: --mislabelled, --intruders DIR2, or both")
        require_cleanlab()
        # The engine new classifiers get: the flags a person sees come from its features.
        extractor = extractor_for(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
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
        if len(classes) < 2:
            raise CommandError(f"{dir} needs two or more sub-folders of photos")
        intruder_paths = image_files(intruders) if intruders else []
        if intruders and not intruder_paths:
            raise CommandError(f"{intruders} has no photos")
        features, readable = embed_or_refuse(extractor, paths)
        y_all = y_all[readable]
        foreign = (embed_or_refuse(extractor, intruder_paths)[0] if intruder_paths
                   else np.zeros((0, *features.shape[1:]), dtype=features.dtype))
        unreadable = len(paths) - len(features) + len(intruder_paths) - len(foreign)
        smallest = int(np.bincount(y_all, minlength=len(classes)).min())
        if genuine is None:
            genuine = min(20 if not intruders else 32, smallest * 2 // 3)
            if intruders:
                genuine = min(genuine, int(len(foreign) / len(classes) * (1 - fraction) / fraction))
        wrong = round(genuine * fraction / (1 - fraction))
        from_foreign = wrong // 2 if mislabelled and intruders else (wrong if intruders else 0)
        from_others = wrong - from_foreign
        if genuine < 5 or wrong < 1:
            raise CommandError(f"too few photos for this: {smallest} in the smallest class of {dir}"
                               + (f", {len(foreign)} in {intruders}" if intruders else ""))
        if smallest <= genuine + from_others:
            raise CommandError(
                f"every class of {dir} needs more than {genuine + from_others} photos for --genuine={genuine}")
        if from_foreign * len(classes) > len(foreign):
            raise CommandError(f"{intruders} has {len(foreign)} photos; {from_foreign * len(classes)} are needed")

        # [wrong caught, right flagged] by every flag, by the misclassified flag alone (what cleanlab's
        # find_label_issues compares with), by cleanlab, and by training's automatic cleaning.
        counts = {"nanoweb": [0, 0], "misclassified": [0, 0], "cleanlab": [0, 0], "left_out": [0, 0]}
        wrong_total = right_total = 0
        accuracies: dict[str, list[float]] = {"as_found": [], "cleaned": [], "flagged_dropped": [], "right_only": []}
        for seed in range(seeds):
            mixed_x, mixed_y, is_wrong, test_x, test_y = self._mix(
                features, y_all, foreign, len(classes), genuine, from_others, from_foreign, max_test, seed)
            cleaned = train(mixed_x, mixed_y, classes, seed=seed)
            flagged = np.array([bool(cleaned.flags.get(row)) for row in range(len(mixed_y))])
            mistaken = np.array(["misclassified" in cleaned.flags.get(row, {}) for row in range(len(mixed_y))])
            left_out = np.isin(np.arange(len(mixed_y)), cleaned.left_out)
            # The out-of-fold probabilities training's flags started from (each fold answered by the
            # candidate the other folds chose).
            theirs = cleanlab_issues(cleaned.out_of_fold, mixed_y)
            for name, chosen in (("nanoweb", flagged), ("misclassified", mistaken), ("cleanlab", theirs),
                                 ("left_out", left_out)):
                counts[name][0] += int((chosen & is_wrong).sum())
                counts[name][1] += int((chosen & ~is_wrong).sum())
            wrong_total += int(is_wrong.sum())
            right_total += int((~is_wrong).sum())
            as_found = train(mixed_x, mixed_y, classes, seed=seed, clean=False).model
            try:
                dropped = train(mixed_x[~flagged], mixed_y[~flagged], classes, seed=seed, clean=False).model
            except NotEnoughData:  # the flags cover a whole class (a few photos a class): nothing to train it on
                dropped = None
            right = train(mixed_x[~is_wrong], mixed_y[~is_wrong], classes, seed=seed, clean=False).model
            for name, model in (("as_found", as_found), ("cleaned", cleaned.model), ("flagged_dropped", dropped),
                                ("right_only", right)):
                if model is not None:
                    accuracies[name].append(_accuracy(model, classes, test_x, test_y))

        result = {
            "dataset": str(dir).rstrip("/").split("/")[-1],
            "engine": f"{extractor.name}/{extractor.precision}",
            "wrong_photos": ("other classes" if mislabelled else "") + (" and " if mislabelled and intruders else "")
            + (str(intruders).rstrip("/").split("/")[-1] if intruders else ""),
            "right_per_class": genuine,
            "wrong_per_class": wrong,
            "seeds": seeds,
            "unreadable_photos": unreadable,
            **{f"{name}_wrong_flagged": round(caught / wrong_total, 4) for name, (caught, _) in counts.items()},
            **{f"{name}_right_flagged": round(spared / right_total, 4) for name, (_, spared) in counts.items()},
            **{f"accuracy_{name}": round(float(np.mean(values)), 4) if values else None
               for name, values in accuracies.items()},
            # Seeds where dropping every flagged photo still left each class some to train on; the accuracy
            # without them is the mean over those seeds only.
            "flagged_dropped_seeds": len(accuracies["flagged_dropped"]),
        }
        self.stdout.write(
            f"{result['dataset']}: {wrong} wrong photos ({result['wrong_photos']}) among {genuine} right ones a class, "
            f"{seeds} seeds, on {result['engine']}\n"
            f"  NanoWeb's flags (every kind): {result['nanoweb_wrong_flagged']:.1%} of wrong photos, "
            f"{result['nanoweb_right_flagged']:.1%} of right ones\n"
            f"  NanoWeb's 'looks like another class' flag: {result['misclassified_wrong_flagged']:.1%} of wrong "
            f"photos, {result['misclassified_right_flagged']:.1%} of right ones\n"
            f"  cleanlab find_label_issues: {result['cleanlab_wrong_flagged']:.1%} of wrong photos, "
            f"{result['cleanlab_right_flagged']:.1%} of right ones\n"
            f"  left out by training: {result['left_out_wrong_flagged']:.1%} of wrong photos, "
            f"{result['left_out_right_flagged']:.1%} of right ones\n"
            f"  accuracy as found {result['accuracy_as_found']:.1%}, after automatic cleaning "
            f"{result['accuracy_cleaned']:.1%}, every flagged photo dropped {_dropped_words(result)}, "
            f"right photos only {result['accuracy_right_only']:.1%}"
        )
        if as_json:
            self.stdout.write(json.dumps(result))

    @staticmethod
    def _mix(features, y_all, foreign, n_classes, genuine, from_others, from_foreign, max_test, seed):
        """(training features, labels, which are wrong, test features, test labels) for one seed: each
        class's `genuine` photos, `from_others` photos of other classes and `from_foreign` intruders; test
        photos are never among the training ones."""
        rng = np.random.default_rng(seed)
        pools = {label: list(rng.permutation(np.flatnonzero(y_all == label))) for label in range(n_classes)}
        strangers = list(rng.permutation(len(foreign)))
        rows, labels, wrong, extra = [], [], [], []
        for label in range(n_classes):
            rows += [pools[label].pop() for _ in range(genuine)]
            labels += [label] * genuine
            wrong += [False] * genuine
        for label in range(n_classes):
            others = [other for other in range(n_classes) if other != label]
            for _ in range(from_others):
                rows.append(pools[others[int(rng.integers(len(others)))]].pop())
                labels.append(label)
                wrong.append(True)
            for _ in range(from_foreign):
                extra.append((strangers.pop(), label))
        test_rows = [row for label in range(n_classes) for row in pools[label][:max_test]]
        mixed_x = np.concatenate([features[rows], foreign[[i for i, _ in extra]]]) if extra else features[rows]
        mixed_y = np.array(labels + [label for _, label in extra])
        is_wrong = np.array(wrong + [True] * len(extra))
        return mixed_x, mixed_y, is_wrong, features[test_rows], y_all[test_rows]
