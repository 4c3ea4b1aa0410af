"""Bytes → upright RGB picture → normalised network input, identical for training, prediction and export.

Every picture is decoded here, so this is also where unreadable files and decompression bombs are refused
(with a reason a person can act on).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from classifiers.ml.backbones import Preprocessing
from scraper.formats import READABLE_NAMES  # importing it registers HEIC with Pillow

# Pictures larger than this are refused before decoding: a 40 kB PNG can expand to gigabytes.
DEFAULT_MAX_PIXELS = 50_000_000

# The views a photo is embedded with; its feature is the average of theirs. "centre" is the usual resize +
# centre crop; "full" squeezes the whole photo into the square, so nothing near the edges is cut off.
# Measured on the shared clothing and trashnet sets (k = 5/10/20 photos a class, logistic regression):
# centre + full beats the centre crop alone by 1-3 points (trashnet's objects often reach the edges);
# adding left-right mirrors of both, or a third crop, changed accuracy by less than half a point while
# doubling the embedding time, so they are not used.
CENTRE = "centre"
MIRROR = "mirror"
FULL = "full"
FULL_MIRROR = "full_mirror"
VIEWS = (CENTRE, FULL)


class ImageError(ValueError):
    """The bytes are not a picture we can use; `str()` says why in words."""


class ImageTooLarge(ImageError):
    pass


def open_rgb(source: bytes | str | Path, *, min_side: int = 0, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode a picture upright (EXIF orientation applied) as 8-bit RGB.

    `min_side` lets JPEG decoding skip detail we would throw away: Pillow's draft mode decodes at 1/2, 1/4
    or 1/8 scale as long as both sides stay at least that long (several times faster for big photos).
    """
    if isinstance(source, bytes) and not source:
        raise ImageError("The file is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            # The size is checked against our own limit just below; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except UnidentifiedImageError:
        raise ImageError(
            f"This file is not a picture in a format we can read ({READABLE_NAMES})."
        ) from None
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_large_message(None, max_pixels)) from None
    except OSError:
        # Pillow recognised the format but the header itself is broken, e.g. a file cut off in its first bytes.
        raise ImageError("This picture is damaged or cut short and could not be read.") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(_too_large_message((width, height), max_pixels))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if min_side and image.format == "JPEG":
                image.draft(None, (min_side, min_side))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(_too_large_message((width, height), max_pixels)) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageError("This picture is damaged or cut short and could not be decoded.") from None
    return to_rgb(image)


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1e6:.0f} megapixels"
    if size is None:
        return f"This picture is too large to open safely (over {limit})."
    return f"This picture is {size[0]}×{size[1]} pixels, more than the {limit} we accept; send a smaller copy."


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode → RGB. Transparency goes over white (how the picture looks on a page); 16-bit and
    float greyscale are scaled to 0..255 instead of clipped (Pillow's own conversion clips at 255)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) if values.size else 0.0
        if image.mode.startswith("I;16") or 255 < top <= 65535:
            values = values * (255.0 / 65535.0)
        elif top > 65535:
            values = values * (255.0 / top)
        elif image.mode == "F" and top <= 1.0:
            values = values * 255.0
        grey = Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8), mode="L")
        return grey.convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def resize_short_side(image: Image.Image, short: int) -> Image.Image:
    width, height = image.size
    scale = short / min(width, height)
    size = (max(short, round(width * scale)), max(short, round(height * scale)))
    if size == image.size:
        return image
    # reducing_gap: a cheap box pre-shrink for big pictures, then a proper bilinear (antialiased) resize.
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)


def centre_crop(image: Image.Image, size: int) -> Image.Image:
    width, height = image.size
    left, top = (width - size) // 2, (height - size) // 2
    return image.crop((left, top, left + size, top + size))


def crop_uint8(image: Image.Image, prep: Preprocessing) -> np.ndarray:
    """The square the network sees, as uint8 HWC: resize the short side, then centre crop."""
    return np.asarray(centre_crop(resize_short_side(image, prep.resize_size), prep.image_size), dtype=np.uint8)


def normalise(pixels: np.ndarray, prep: Preprocessing) -> np.ndarray:
    """uint8 NHWC (or HWC) → float32 NCHW (or CHW) scaled the way the weights expect."""
    mean, std = np.asarray(prep.mean, np.float32), np.asarray(prep.std, np.float32)  # broadcast over channels
    values = (pixels.astype(np.float32) - mean) / std
    return np.ascontiguousarray(np.moveaxis(values, -1, -3))


def full_uint8(image: Image.Image, prep: Preprocessing) -> np.ndarray:
    """The whole picture squeezed into the square, as uint8 HWC."""
    size = (prep.image_size, prep.image_size)
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0), dtype=np.uint8)


def view_pixels(image: Image.Image, prep: Preprocessing, views: Sequence[str] = VIEWS) -> np.ndarray:
    """uint8 [len(views), S, S, 3] for one picture."""
    crop = crop_uint8(image, prep) if CENTRE in views or MIRROR in views else None
    full = full_uint8(image, prep) if FULL in views or FULL_MIRROR in views else None
    made = {CENTRE: lambda: crop, MIRROR: lambda: crop[:, ::-1], FULL: lambda: full, FULL_MIRROR: lambda: full[:, ::-1]}
    unknown = [view for view in views if view not in made]
    if unknown:
        raise ValueError(f"unknown view {unknown[0]!r}")
    return np.stack([made[view]() for view in views])


def view_stack(image: Image.Image, prep: Preprocessing, views: Sequence[str] = VIEWS) -> np.ndarray:
    """float32 [len(views), 3, S, S] network input for one picture."""
    return normalise(view_pixels(image, prep, views), prep)


def load_views(
    source: bytes | str | Path,
    prep: Preprocessing,
    views: Sequence[str] = VIEWS,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    return view_stack(open_rgb(source, min_side=prep.resize_size, max_pixels=max_pixels), prep, views)
