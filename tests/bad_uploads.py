"""The bad and odd files of issue 7, with what a person must be told about each, shared by the tests of the
two ways files come in (the classifier page's upload and the API's multipart upload).

REFUSED files are listed with their reason while the good photo sent with them is kept. ODD files are
pictures in unusual shapes that must be kept, converted: `check` looks at the stored JPEG as served back.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageStat

from tests.fakes import images


@dataclass(frozen=True)
class Refused:
    case: str
    name: str  # the file name sent
    data: Callable[[], bytes]
    listed_as: str  # the name the refusal is listed under (a zip's member is "zip/member")
    code: str
    reason: str  # the words the person reads
    alone_status: int  # the API's status when this is the only file sent
    kept_inside: int = 0  # photos inside the same zip that are kept

    def __str__(self) -> str:
        return self.case


CUT_OFF = ("This picture is cut off: the file ends before the picture does. It may not have finished downloading; "
           "try the original file.")
REFUSED = [
    Refused("zero bytes", "empty.jpg", lambda: b"", "empty.jpg", "empty", "The file is empty (0 bytes).", 400),
    Refused("truncated JPEG", "cut.jpg", images.truncated_jpeg, "cut.jpg", "truncated", CUT_OFF, 400),
    Refused("a web page named .jpg", "photo.jpg", lambda: images.HTML_NAMED_JPG, "photo.jpg", "not_an_image",
            "This file is not a picture NanoWeb can read (it looks like HTML, a web page).", 415),
    Refused("SVG", "drawing.svg", lambda: images.SVG, "drawing.svg", "svg_not_supported",
            "This is an SVG drawing; NanoWeb needs a photo-like picture (JPEG, PNG, WebP...).", 415),
    Refused("decompression bomb", "bomb.png", lambda: images.png_claiming_size(20000, 20000), "bomb.png",
            "too_many_pixels", "This picture has 400 megapixels; NanoWeb takes pictures up to 50 megapixels.", 415),
    Refused("zip bomb", "bomb.zip", images.zip_bomb, "bomb.zip/bomb.jpg", "zip_bomb",
            "This file is compressed far more tightly than any picture can be (a sign of a zip bomb), so it was "
            "not unpacked.", 400),
    Refused("../ paths in a zip", "evil.zip", lambda: images.zip_with_climbing_paths(images.photo(5)),
            "evil.zip/../../etc/cron.d/evil.jpg", "unsafe_path",
            "This file's path points outside the zip (it starts with / or contains ../), so it was skipped.", 201,
            kept_inside=1),
    Refused("10,000 files in one zip", "many.zip", lambda: images.zip_with_many_files(10_000, images.photo(6)),
            "many.zip", "too_many_files",
            "This zip holds 10000 files; NanoWeb reads at most 500 from one zip and skipped the other 9500. Split "
            "it into smaller zips.", 201, kept_inside=1),
]


def jpeg_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB", (image.format, image.mode)
    return image


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel (0-255) at a common small size."""
    size = (64, 48)
    diff = ImageChops.difference(a.convert("RGB").resize(size), b.convert("RGB").resize(size))
    return sum(ImageStat.Stat(diff).mean) / 3


def _first_frame_kept(stored: Image.Image) -> None:
    gif = images.animated_gif()
    first, second = images.gif_frame(gif, 0), images.gif_frame(gif, 1)
    assert difference(stored, first) < 12 < difference(stored, second)


def _cmyk_colours_kept(stored: Image.Image) -> None:
    original = Image.open(io.BytesIO(images.pattern(71)))
    assert difference(stored, original) < 12


def _sixteen_bit_tones_kept(stored: Image.Image, seed: int = 81) -> None:
    original = Image.open(io.BytesIO(images.pattern(seed, size=(160, 120)))).convert("L")
    assert difference(stored.convert("L"), original) < 6
    assert ImageStat.Stat(stored.convert("L")).mean[0] < 240  # not blown out to white


def _sixteen_bit_tiff_tones_kept(stored: Image.Image) -> None:
    _sixteen_bit_tones_kept(stored, seed=131)


def _transparent_half_white(stored: Image.Image) -> None:
    width, height = stored.size
    left = stored.crop((0, 0, width // 2 - 4, height))
    assert min(ImageStat.Stat(left).mean) > 250
    right = stored.crop((width // 2 + 4, 0, width, height))
    original = Image.open(io.BytesIO(images.pattern(91, size=(160, 120))))
    assert difference(right, original.crop((84, 0, 160, 120))) < 12


def _upright(stored: Image.Image) -> None:
    assert stored.size == (160, 240)  # stored sideways 240 x 160, EXIF says turn it
    red, green, blue = ImageStat.Stat(stored.crop((0, 0, 160, 70))).mean
    assert red > 200 and green < 60 and blue < 60  # the red band is on top
    assert not stored.getexif()


def _heic_pixels_kept(stored: Image.Image) -> None:
    assert stored.size == (200, 150)
    assert difference(stored, Image.open(io.BytesIO(images.pattern(121)))) < 12


def _html_comment_dropped(stored_bytes: bytes) -> None:
    assert b"<script" not in stored_bytes and b"<html" not in stored_bytes


@dataclass(frozen=True)
class Odd:
    case: str
    name: str
    data: Callable[[], bytes]
    check: Callable[[Image.Image], None] | None = None
    check_bytes: Callable[[bytes], None] | None = None

    def __str__(self) -> str:
        return self.case

    def verify(self, served: bytes) -> None:
        stored = jpeg_image(served)
        if self.check:
            self.check(stored)
        if self.check_bytes:
            self.check_bytes(served)


ODD = [
    Odd("animated GIF (its first frame)", "moving.gif", images.animated_gif, _first_frame_kept),
    Odd("CMYK JPEG", "print.jpg", images.cmyk_jpeg, _cmyk_colours_kept),
    Odd("16-bit PNG", "scan.png", images.png_16bit, _sixteen_bit_tones_kept),
    Odd("16-bit TIFF (microscope)", "specimen.tif", images.tiff_16bit, _sixteen_bit_tiff_tones_kept),
    Odd("PNG with alpha", "cutout.png", images.png_with_alpha, _transparent_half_white),
    Odd("EXIF-rotated photo (upright)", "sideways.jpg", images.exif_rotated_jpeg, _upright),
    Odd("iPhone HEIC photo", "IMG_0001.HEIC", images.heic_photo, _heic_pixels_kept),
    Odd("JPEG with a web page in its comment", "polyglot.jpg", images.jpeg_with_html_comment,
        check_bytes=_html_comment_dropped),
]
