"""Whether NanoWeb tells edited copies from different photos, on a folder of photos.

    python manage.py copies_benchmark DIR [--edited 60] [--seed 0] [--json]

Every photo of DIR (any layout) is compared with every other the way stored photos are (perceptual hashes
within NEAR_DUPLICATE_DISTANCE bits or alike features, confirmed by the pixels; classifiers/ml/duplicates.py):
each pair found is two different photos merged, since a folder of distinct photos holds no copies. Then
`--edited` photos drawn with `--seed` get the four edits of a web search's copies (picture_edits.py), each
checked against its original: refused at download (its hash, or its mirror image's, close to the
original's, and the pixels agreeing) or found once stored. Printed: the pairs merged, the copies caught by
edit, and the scores either side of the pixel check's bar. With --json the last line is one JSON object.
"""

from __future__ import annotations

import io
import json
import random

import imagehash
import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from PIL import Image, ImageOps

from classifiers.feature_cache import extractor_for
from classifiers.management.embedding import embed_or_refuse
from classifiers.management.picture_edits import EDITS
from classifiers.ml.duplicates import (
    CANDIDATE_COSINE,
    SAME_PICTURE_ALIGNMENT,
    alignment,
    bar,
    near_duplicates,
    thumbnail,
)
from classifiers.ml.study import image_files
from classifiers.ml.training import represent


def _hashes(data: bytes) -> tuple[int, int]:
    """(perceptual hash, its mirror image's), as scraper/images.py computes them."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return int(str(imagehash.phash(rgb)), 16), int(str(imagehash.phash(ImageOps.mirror(rgb))), 16)


def _thumbnail(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        return thumbnail(image)


class Command(BaseCommand):
    help = "Measure how edited copies are caught and different photos kept apart, on a folder of photos."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir")
        parser.add_argument("--edited", type=int, default=60, help="photos to make the four edited copies of")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, dir: str, edited: int, seed: int, as_json: bool, **options) -> None:
        paths = image_files(dir)
        if len(paths) < 2:
            raise CommandError(f"{dir} needs two or more photos")
        extractor = extractor_for(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
        features, readable = embed_or_refuse(extractor, paths)
        paths = [paths[i] for i in readable]
        datas = [path.read_bytes() for path in paths]
        x = represent(features)
        limit = settings.NEAR_DUPLICATE_DISTANCE

        # Different photos: every pair the hashes or the two-step check would merge.
        hashes = np.array([_hashes(data)[0] for data in datas], dtype=np.uint64)
        thumbnails = {}

        def thumb(i: int):
            if i not in thumbnails:
                thumbnails[i] = _thumbnail(datas[i])
            return thumbnails[i]

        # Alike features or close hashes make a candidate; the pixels confirm it (services/copies.py).
        candidates = {(i, j) for i, j, _ in near_duplicates(x)}
        hashed = {(i, j) for i in range(len(paths)) for j in
                  (i + 1 + np.flatnonzero(np.bitwise_count(hashes[i] ^ hashes[i + 1:]) <= limit)).tolist()}
        merged, different_scores = set(), []
        for i, j in sorted(candidates | hashed):
            score = alignment(thumb(i), thumb(j))
            different_scores.append(score)
            if score >= bar(hashes_close=(i, j) in hashed):
                merged.add((i, j))

        # Edited copies: caught at download by a hash, or once stored by the two-step check.
        rng = random.Random(seed)
        chosen = rng.sample(range(len(paths)), min(edited, len(paths)))
        copies = [(i, name, edit(datas[i], rng)) for i in chosen for name, edit in EDITS.items()]
        copy_x = represent(np.stack(extractor.embed([lambda data=data: data for _, _, data in copies]).features))
        caught = {name: {"refused": 0, "flagged": 0, "missed": 0} for name in EDITS}
        copy_scores = {name: [] for name in EDITS}
        for (i, name, data), vector in zip(copies, copy_x, strict=True):
            phash, mirrored = _hashes(data)
            close = min((int(hashes[i]) ^ phash).bit_count(), (int(hashes[i]) ^ mirrored).bit_count()) <= limit
            alike = float(vector @ x[i]) >= CANDIDATE_COSINE
            score = alignment(thumb(i), _thumbnail(data)) if close or alike else -1.0
            if close and score >= bar(hashes_close=True):
                caught[name]["refused"] += 1
                continue
            score = score if alike else -1.0  # stored, only alike features bring it forward
            copy_scores[name].append(score)
            caught[name]["flagged" if score >= SAME_PICTURE_ALIGNMENT else "missed"] += 1

        result = {
            "dataset": str(dir).rstrip("/").split("/")[-1],
            "photos": len(paths),
            "candidate_pairs": len(candidates),
            "different_photos_merged": len(merged),
            "merged": [[str(paths[i].relative_to(dir)), str(paths[j].relative_to(dir))] for i, j in sorted(merged)],
            "highest_different_score": round(max(different_scores), 4) if different_scores else None,
            "bar": SAME_PICTURE_ALIGNMENT,
            "copies": caught,
            "lowest_copy_score": {name: round(min(v), 4) if v else None for name, v in copy_scores.items()},
        }
        missed = sum(c["missed"] for c in caught.values())
        self.stdout.write(
            f"{result['dataset']}: {len(paths)} photos, {len(candidates)} pairs alike enough to check; different "
            f"photos merged: {len(merged)} (highest score of a different pair {result['highest_different_score']}, "
            f"bar {SAME_PICTURE_ALIGNMENT})")
        self.stdout.write(
            f"  {len(copies)} edited copies of {len(chosen)} photos: missed {missed}; " + "; ".join(
                f"{name} {c['refused']} refused at download, {c['flagged']} flagged, {c['missed']} missed "
                f"(lowest score {result['lowest_copy_score'][name]})" for name, c in caught.items()))
        if as_json:
            self.stdout.write(json.dumps(result))
