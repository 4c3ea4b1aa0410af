"""Picture bytes for tests: real photos from tests/data/scraper (see its NOTICE), pictures made with Pillow
for edge cases, and the evil files the scraper must refuse."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
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


# --- Pictures NanoWeb must accept and convert, and archives it must unpack carefully --------------------
# Each is built on its own random pattern, so two of them are never near-duplicates of each other.

def animated_gif(seeds: tuple[int, ...] = (61, 62, 63), size: tuple[int, int] = (160, 120)) -> bytes:
    """Frames that are distinct pictures: a stored copy should look like the first and not the others."""
    frames = [Image.open(io.BytesIO(pattern(seed, size=size))).convert("RGB") for seed in seeds]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def gif_frame(data: bytes, index: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.seek(index)
    return image.convert("RGB")


def cmyk_jpeg(seed: int = 71) -> bytes:
    return pattern(seed, mode="CMYK", fmt="JPEG", quality=95)


def png_16bit(seed: int = 81, size: tuple[int, int] = (160, 120)) -> bytes:
    """Grey tones spread over 16 bits (value × 257), as scanners and medical images write them."""
    grey = np.asarray(Image.open(io.BytesIO(pattern(seed, size=size))).convert("L"), dtype=np.uint16)
    out = io.BytesIO()
    Image.fromarray(grey * 257).save(out, "PNG")
    return out.getvalue()


def tiff_16bit(seed: int = 131, size: tuple[int, int] = (160, 120)) -> bytes:
    """A 16-bit grey TIFF, as microscope and lab cameras write them: uncompressed, with a little sensor
    noise in the low bits (so, like a real one, it does not deflate a hundredfold inside a zip)."""
    grey = np.asarray(Image.open(io.BytesIO(pattern(seed, size=size))).convert("L"), dtype=np.uint16) * 257
    noise = np.random.default_rng(seed).integers(0, 256, size=grey.shape, dtype=np.uint16)
    out = io.BytesIO()
    Image.fromarray(np.minimum(grey.astype(np.uint32) + noise, 65535).astype(np.uint16)).save(out, "TIFF")
    return out.getvalue()


def png_with_alpha(seed: int = 91, size: tuple[int, int] = (160, 120)) -> bytes:
    """The left half fully transparent, the right half an opaque picture."""
    picture = Image.open(io.BytesIO(pattern(seed, size=size))).convert("RGBA")
    alpha = Image.new("L", size, 255)
    alpha.paste(0, (0, 0, size[0] // 2, size[1]))
    picture.putalpha(alpha)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def exif_rotated_jpeg(seed: int = 101) -> bytes:
    """Stored sideways (240 wide, 160 tall) with EXIF orientation 6, "rotate 90° clockwise to view".
    The left third is pure red, so upright the picture is 160 wide, 240 tall, with red across the top."""
    sideways = Image.open(io.BytesIO(pattern(seed, size=(240, 160)))).convert("RGB")
    sideways.paste((255, 0, 0), (0, 0, 80, 160))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def jpeg_with_html_comment(seed: int = 111) -> bytes:
    """A real JPEG whose comment segment carries a web page: what a polyglot upload looks like."""
    out = io.BytesIO()
    Image.open(io.BytesIO(pattern(seed))).convert("RGB").save(
        out, "JPEG", comment=b"<html><body><script>alert(document.cookie)</script></body></html>")
    return out.getvalue()


def heic_photo(seed: int = 121, size: tuple[int, int] = (200, 150)) -> bytes:
    """A picture saved as HEIC (HEVC inside HEIF), the format iPhones save photos in. Encoded through
    pillow_heif's own API, without registering it with Pillow: reading it back must rely on the app's
    registration (scraper/formats.py), not on this test helper's."""
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(Image.open(io.BytesIO(pattern(seed, size=size))).convert("RGB")).save(out, quality=90)
    return out.getvalue()


def zip_of(members: dict[str, bytes], compression: int = 8) -> bytes:
    """A zip holding `members` (name -> bytes); 8 is deflate, 0 stores them uncompressed."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 20) -> bytes:
    """One member of zeros that deflates a thousandfold: tens of kilobytes that unpack to `unpacked_mb` MB."""
    return zip_of({"bomb.jpg": b"\0" * (unpacked_mb * 1024 * 1024)})


def zip_with_climbing_paths(good: bytes) -> bytes:
    """Members named to climb out of the folder they are unpacked to, next to one ordinary photo."""
    return zip_of({"../../etc/cron.d/evil.jpg": photo(0), "/etc/absolute.jpg": photo(1), "ok.jpg": good})


def zip_with_many_files(count: int, good: bytes) -> bytes:
    """`count` members: one real photo first, then one-byte files that are not pictures."""
    members = {"00000.jpg": good}
    members.update({f"{i:05d}.jpg": b"x" for i in range(1, count)})
    return zip_of(members, compression=0)
