"""The four edits a web search's copies of one picture carry, as measured by `web_benchmark` and the
near-duplicate tests: a crop keeping 80 % of each side, half the size recompressed at JPEG quality 35, a
mirror image, and a dark banner over the bottom sixth (a caption strip, a watermark bar).

Plain Pillow, no Django: the benchmark's stand-in search serves these bytes, and the tests feed them to the
app's own download and duplicate code.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

CROP_KEEPS = 0.8
SMALL_QUALITY = 35
BANNER_SHARE = 1 / 6
BANNER_COLOUR = (18, 18, 22)
SAVE_QUALITY = 90  # the other edits are saved as a site would serve them, not degraded on purpose


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _jpeg(image: Image.Image, quality: int = SAVE_QUALITY) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def crop(data: bytes, rng: random.Random) -> bytes:
    """80 % of the width and of the height, at a random place (a copy rarely keeps the centre exactly)."""
    image = _open(data)
    width, height = round(image.width * CROP_KEEPS), round(image.height * CROP_KEEPS)
    left, top = rng.randint(0, image.width - width), rng.randint(0, image.height - height)
    return _jpeg(image.crop((left, top, left + width, top + height)))


def small(data: bytes, rng: random.Random) -> bytes:
    """Half the size, recompressed hard: a thumbnail reposted."""
    image = _open(data)
    size = (max(1, image.width // 2), max(1, image.height // 2))
    return _jpeg(image.resize(size, Image.Resampling.LANCZOS), SMALL_QUALITY)


def mirror(data: bytes, rng: random.Random) -> bytes:
    return _jpeg(ImageOps.mirror(_open(data)))


def banner(data: bytes, rng: random.Random) -> bytes:
    """A dark strip over the bottom sixth, with a few light marks on it like a caption's letters."""
    image = _open(data)
    draw = ImageDraw.Draw(image)
    top = image.height - max(1, round(image.height * BANNER_SHARE))
    draw.rectangle((0, top, image.width, image.height), fill=BANNER_COLOUR)
    strip = image.height - top
    x = max(2, image.width // 20)
    while x < image.width * 0.7:
        mark = rng.randint(max(2, strip // 4), max(3, strip // 2))
        draw.rectangle((x, top + strip // 3, x + mark // 2, top + 2 * strip // 3), fill=(235, 235, 235))
        x += mark
    return _jpeg(image)


EDITS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "crop": crop, "small": small, "mirror": mirror, "banner": banner,
}
