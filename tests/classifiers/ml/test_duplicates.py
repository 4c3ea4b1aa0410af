"""Near copies by frozen features: a resized, mirrored or slightly cropped copy of a real photo is the same
picture; two different photos of one class are not."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from classifiers.ml.duplicates import near_duplicates
from classifiers.ml.training import represent
from tests.classifiers.conftest import photos


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def test_copies_of_a_photo_are_found_and_different_photos_are_not(extractor):
    originals = photos("clothing", "hat", 6)
    with Image.open(originals[0]) as image:
        image = image.convert("RGB")
        width, height = image.size
        copies = [
            _jpeg(ImageOps.mirror(image)),
            _jpeg(image.resize((width * 3 // 4, height * 3 // 4))),
            _jpeg(image.crop((width // 20, height // 20, width - width // 20, height - height // 20))),
        ]
    sources = [path.read_bytes() for path in originals] + copies
    x = represent(np.stack(extractor.embed([lambda data=data: data for data in sources]).features))
    pairs = {(i, j) for i, j, _ in near_duplicates(x)}
    copy_rows = range(len(originals), len(sources))
    assert {(0, row) for row in copy_rows} <= pairs
    assert not {(i, j) for i, j in pairs if i < len(originals) and 0 < j < len(originals)}
