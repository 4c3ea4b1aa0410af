"""Picture bytes for tests: real photos from tests/data/scraper (see its NOTICE), pictures made with Pillow
for edge cases, and the evil files the scraper must refuse."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

PHOTOS_DIR = Path(__file__).resolve().parent.parent / "data" / "scraper"


def photos() -> list[bytes]:
    """The real photos, distinct pictures (their perceptual hashes are far apart)."""
    return [path.read_bytes() for path in sorted(PHOTOS_DIR.glob("*.jpg"))]


def photo(index: int = 0) -> bytes:
    return photos()[index]


def pattern(seed: int, size: tuple[int, int] = (200, 150), mode: str = "RGB", fmt: str = "PNG", **save) -> bytes:
    """A distinct random picture per seed: blocks of colour, so perceptual hashes differ by seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(1, size[0] + 1), y0 + rng.randrange(1, size[1] + 1)
        draw.rectangle([x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    if mode != "RGB":
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A small, valid-looking PNG whose header claims width x height (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * width
    idat = zlib.compress(row * 4, 9)  # only a few rows: the header alone must be enough to refuse it
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


HTML_NAMED_JPG = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>Nope</body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle r="40"/></svg>'


def truncated_jpeg() -> bytes:
    data = photo(0)
    return data[: len(data) // 2]


def tiny_png() -> bytes:
    return pattern(1, size=(16, 16))
