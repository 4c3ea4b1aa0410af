"""How well NanoWeb cleans what a web search brings: look-alikes, unrelated photos and edited copies.

    python manage.py web_benchmark DIR --unrelated DIR2 [--seeds N] [--json]
        [--right 40] [--lookalikes 8] [--unrelated-per-class 5] [--copies 6]

For each seed, each class of DIR (<class>/<photos>) gets search results in Wikimedia Commons' format from
a stand-in on a loopback port (classifiers/management/commons_standin.py): `--right` of its own photos,
`--lookalikes` photos of the other classes, `--unrelated-per-class` photos of DIR2 and `--copies` edited
copies of its right photos (crop 80 %, half size at JPEG quality 35, mirror, dark banner; see
picture_edits.py), shuffled. A throwaway classifier is filled by the app's own search jobs and trained by
its own training run, in this process, in the database and data folder the app is configured with; it is
deleted at the end. Without the counts, the issue's 40 / 8 / 5 / 6 for 60 photos a class, scaled down for
smaller folders. The photos of DIR that no result lists are the test photos.

Printed per set, summed or averaged over the seeds: accuracy on the test photos of a model trained on
the photos as found, as the app's training run trained it (its automatic cleaning), without every flagged
photo, and on the right photos only; the wrong photos (look-alikes, unrelated) flagged, the right photos
flagged, and the edited copies kept (stored without a duplicate flag); and beside NanoWeb's flags (every
kind together), the wrong and right photos cleanlab's find_label_issues flags when given the out-of-fold
probabilities the run's flags started from (cleanlab is a test tool: requirements-dev.txt). With --json the
last line is one JSON object.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifiers.feature_cache import extractor_for
from classifiers.management.cleanlab_check import cleanlab_issues, require_cleanlab
from classifiers.management.embedding import embed_or_refuse
from classifiers.management.web_mix import COPY, LOOKALIKE, RIGHT, UNRELATED, counts_for, web_mix
from classifiers.management.web_round import WebRound, web_round
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.study import image_files, image_folder
from classifiers.ml.training import NotEnoughData, TrainedModel, choose_head, fit_final_head, training_set
from classifiers.models import Classifier
from classifiers.selectors.review import DUPLICATE, IN_OTHER_CLASS
from nanoweb.datafolder import database_ready

SAME_PICTURE = (DUPLICATE, IN_OTHER_CLASS)
WRONG = (LOOKALIKE, UNRELATED)
TRAINED_AS = ("as_found", "automatic", "flagged_dropped", "right_only")


def _model(features: np.ndarray, labels: list[str], classes: list[str]) -> TrainedModel | None:
    """The head the app would choose and fit on these photos, without any cleaning; None with too few."""
    y = np.array([classes.index(name) for name in labels], dtype=np.int64)
    try:
        data = training_set(features, y, classes)
    except NotEnoughData:
        return None
    return fit_final_head(data, choose_head(data, seed=0).config, seed=0)


def _accuracy(model: TrainedModel | None, test_x: np.ndarray, test_labels: list[str]) -> float | None:
    if model is None:
        return None
    answers = answers_from_features(model, test_x)
    return float(np.mean([a["label"] == name for a, name in zip(answers, test_labels, strict=True)]))


def measure(round_: WebRound, test_x: np.ndarray, test_labels: list[str], classes: list[str]) -> dict:
    """Counts and accuracies of one round (counts add up over seeds, accuracies average)."""
    stored, x = round_.stored, round_.features
    # A picture and its copies form a group; the first of a group to be stored is the one to keep.
    members: dict[str, list[int]] = defaultdict(list)
    for row, photo in enumerate(stored):
        members[photo.served.picture].append(row)
    keeper = {rows[0] for rows in members.values()}
    flagged = [bool(photo.flags) for photo in stored]
    # cleanlab on the out-of-fold probabilities the run's flags started from, on the same photos.
    theirs = cleanlab_issues(round_.out_of_fold, round_.y)
    kind = [photo.served.kind for photo in stored]

    # Of a picture served with k copies, k are extra: refused at download, flagged, or kept (whichever of
    # them came first is the one to keep, the original or a copy).
    stored_names = {photo.name for photo in stored}
    copied = {s.picture for s in round_.served.values() if s.kind == COPY}
    copies = {"served": sum(s.kind == COPY for s in round_.served.values()),
              "refused": sum(name not in stored_names for name, s in round_.served.items() if s.picture in copied),
              "flagged": 0, "kept": 0, "kept_by_edit": Counter()}
    for row, photo in enumerate(stored):
        if row in keeper or photo.served.kind not in (RIGHT, COPY):
            continue
        if set(photo.flags) & set(SAME_PICTURE):
            copies["flagged"] += 1
        else:
            copies["kept"] += 1
            # When the copy came first, the original is the one kept twice: name the copy's edit.
            first = stored[members[photo.served.picture][0]]
            copies["kept_by_edit"][photo.served.edit or first.served.edit] += 1
    # A photo refused or flagged as a copy while nothing else of its picture was stored: two different
    # pictures taken for one.
    false_merges = sum(1 for name, s in round_.served.items()
                       if name not in stored_names and not members.get(s.picture))
    false_merges += sum(1 for row, photo in enumerate(stored)
                        if set(photo.flags) & set(SAME_PICTURE) and len(members[photo.served.picture]) == 1)

    right = [row for row in range(len(stored)) if kind[row] in (RIGHT, COPY) and row in keeper]
    wrong = [row for row in range(len(stored)) if kind[row] in WRONG]
    labels = [photo.label for photo in stored]

    def subset(rows: list[int]) -> TrainedModel | None:
        return _model(x[rows], [labels[r] for r in rows], classes) if rows else None

    accuracies = {
        "as_found": _accuracy(subset(list(range(len(stored)))), test_x, test_labels),
        "automatic": _accuracy(round_.model, test_x, test_labels),
        "flagged_dropped": _accuracy(subset([r for r in range(len(stored)) if not flagged[r]]), test_x, test_labels),
        "right_only": _accuracy(subset(right), test_x, test_labels),
    }
    return {
        "accuracy": accuracies,
        "reported_accuracy": round_.run_metrics.get("accuracy"),
        "wrong": {k: sum(kind[r] == k for r in wrong) for k in WRONG},
        "wrong_flagged": {k: sum(kind[r] == k and flagged[r] for r in wrong) for k in WRONG},
        "right": len(right),
        "right_flagged": sum(flagged[r] for r in right),
        "cleanlab_wrong_flagged": {k: int(sum(kind[r] == k and theirs[r] for r in wrong)) for k in WRONG},
        "cleanlab_right_flagged": int(sum(theirs[r] for r in right)),
        "copies": copies,
        "false_merges": false_merges,
        "refused": sum((Counter(s.get("rejected") or {}) for s in round_.searches), Counter()),
        "seconds": round_.seconds,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def summarise(rounds: list[dict]) -> dict:
    def mean(values: list) -> float | None:
        values = [v for v in values if v is not None]
        return round(float(np.mean(values)), 4) if values else None

    wrong = {k: sum(r["wrong"][k] for r in rounds) for k in WRONG}
    wrong_flagged = {k: sum(r["wrong_flagged"][k] for r in rounds) for k in WRONG}
    copies = {key: sum(r["copies"][key] for r in rounds) for key in ("served", "refused", "flagged", "kept")}
    kept_by_edit = sum((Counter(r["copies"]["kept_by_edit"]) for r in rounds), Counter())
    right, right_flagged = sum(r["right"] for r in rounds), sum(r["right_flagged"] for r in rounds)
    theirs = {k: sum(r["cleanlab_wrong_flagged"][k] for r in rounds) for k in WRONG}
    return {
        "accuracy": {k: mean([r["accuracy"][k] for r in rounds]) for k in TRAINED_AS},
        "accuracy_by_seed": {k: [r["accuracy"][k] for r in rounds] for k in TRAINED_AS},
        "reported_accuracy": mean([r["reported_accuracy"] for r in rounds]),
        "wrong_flagged": _share(sum(wrong_flagged.values()), sum(wrong.values())),
        "lookalikes_flagged": _share(wrong_flagged[LOOKALIKE], wrong[LOOKALIKE]),
        "unrelated_flagged": _share(wrong_flagged[UNRELATED], wrong[UNRELATED]),
        "right_flagged": _share(right_flagged, right),
        "cleanlab_wrong_flagged": _share(sum(theirs.values()), sum(wrong.values())),
        "cleanlab_lookalikes_flagged": _share(theirs[LOOKALIKE], wrong[LOOKALIKE]),
        "cleanlab_unrelated_flagged": _share(theirs[UNRELATED], wrong[UNRELATED]),
        "cleanlab_right_flagged": _share(sum(r["cleanlab_right_flagged"] for r in rounds), right),
        "wrong_stored": wrong, "right_stored": right,
        "copies": copies | {"kept_by_edit": dict(kept_by_edit)},
        "false_merges": sum(r["false_merges"] for r in rounds),
        "refused": dict(sum((r["refused"] for r in rounds), Counter())),
        "search_seconds": mean([r["seconds"]["search"] for r in rounds]),
        "train_seconds": mean([r["seconds"]["train"] for r in rounds]),
    }


class Command(BaseCommand):
    help = "Measure how NanoWeb cleans web search results (look-alikes, unrelated photos, edited copies)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", help="folder of <class>/<photos>")
        parser.add_argument("--unrelated", required=True, help="folder of photos unlike every class (any layout)")
        parser.add_argument("--seeds", type=int, default=1)
        parser.add_argument("--right", type=int, help="right photos in each class's results (default 40)")
        parser.add_argument("--lookalikes", type=int, help="photos of other classes in each class's results (8)")
        parser.add_argument("--unrelated-per-class", type=int, help="unrelated photos in each class's results (5)")
        parser.add_argument("--copies", type=int, help="edited copies of right photos in each class's results (6)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, dir: str, unrelated: str, seeds: int, right: int | None, lookalikes: int | None,
               unrelated_per_class: int | None, copies: int | None, as_json: bool, **options) -> None:
        database_ready(table=Classifier._meta.db_table)  # it fills a throwaway classifier: say so at once
        require_cleanlab()
        paths, y, classes = image_folder(dir)
        strangers = image_files(unrelated)
        if len(classes) < 2 or not strangers:
            raise CommandError(f"{dir} needs two or more sub-folders of photos and {unrelated} some photos")
        if seeds < 1:
            raise CommandError("--seeds must be 1 or more")
        counts = counts_for(int(np.bincount(y).min()), right=right, lookalike=lookalikes,
                            unrelated=unrelated_per_class, copy=copies)
        extractor = extractor_for(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
        # Test photos are drawn from DIR anew each seed: embed the folder once.
        features, readable = embed_or_refuse(extractor, paths)
        if len(readable) < len(paths):
            raise CommandError(f"{len(paths) - len(readable)} photos of {dir} cannot be read; remove them first")
        by_path = {str(path): row for row, path in enumerate(paths)}

        rounds = []
        for seed in range(seeds):
            try:
                mix = web_mix(paths, y, classes, strangers, counts=counts, seed=seed)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            test_x = features[[by_path[str(p)] for p in mix.test_paths]]
            result = web_round(mix, name=f"web benchmark {Path(dir).name} seed {seed}")
            rounds.append(measure(result, test_x, mix.test_labels, classes))
        summary = summarise(rounds)
        summary.update(dataset=Path(dir).name, unrelated=Path(unrelated).name, seeds=seeds, counts=counts,
                       test_photos_per_seed=len(mix.test_paths))
        self._print(summary)
        if as_json:
            self.stdout.write(json.dumps(summary))

    def _print(self, s: dict) -> None:
        c, a, k = s["counts"], s["accuracy"], s["copies"]
        self.stdout.write(
            f"{s['dataset']} with {s['unrelated']} as unrelated photos, {s['seeds']} seed(s); each class's results: "
            f"{c[RIGHT]} right photos, {c[LOOKALIKE]} of other classes, {c[UNRELATED]} unrelated, {c[COPY]} edited "
            f"copies; {s['test_photos_per_seed']} test photos never served")
        self.stdout.write(
            f"  accuracy on photos never served: as found {_pct(a['as_found'])}, after automatic cleaning "
            f"{_pct(a['automatic'])}, after dropping every flagged photo {_pct(a['flagged_dropped'])}, right photos "
            f"only {_pct(a['right_only'])} (the training reported {_pct(s['reported_accuracy'])} by cross-validation)")
        self.stdout.write(
            f"  NanoWeb's flags (every kind): wrong photos flagged {_pct(s['wrong_flagged'])} "
            f"(other classes' {_pct(s['lookalikes_flagged'])}, "
            f"unrelated {_pct(s['unrelated_flagged'])}); right photos flagged {_pct(s['right_flagged'])}")
        self.stdout.write(
            f"  cleanlab find_label_issues on the same out-of-fold probabilities: wrong photos flagged "
            f"{_pct(s['cleanlab_wrong_flagged'])} (other classes' {_pct(s['cleanlab_lookalikes_flagged'])}, "
            f"unrelated {_pct(s['cleanlab_unrelated_flagged'])}); right photos flagged "
            f"{_pct(s['cleanlab_right_flagged'])}")
        edits = ", ".join(f"{n} {edit}" for edit, n in sorted(k["kept_by_edit"].items())) or "none"
        self.stdout.write(
            f"  edited copies kept: {k['kept']} of {k['served']} ({k['refused']} refused at download, {k['flagged']} "
            f"flagged duplicate; kept: {edits}); different pictures taken for copies: {s['false_merges']}")
        self.stdout.write(f"  per seed: search {s['search_seconds']} s, training {s['train_seconds']} s")
