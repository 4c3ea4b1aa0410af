"""Turn any bytes a person or the web hands us into one stored form, or refuse them in plain words.

Stored form: an RGB JPEG, upright (EXIF orientation applied), no metadata, longest side capped. The pixel
count is checked from the header before any pixel is decoded, so a small file that claims 20000 x 20000
pixels (a decompression bomb) never allocates its gigabytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

import imagehash
import numpy as np
from django.conf import settings
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from nanoweb.errors import UnsupportedMedia
from scraper.formats import READABLE_FORMATS, READABLE_NAMES  # importing it registers HEIC with Pillow

# Pillow's own bomb check only warns below twice its limit; ours runs first and is lower.
JPEG_QUALITY = 90
_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(UnsupportedMedia):
    """A file that is not a picture NanoWeb can use; `code` says why in one word, `message` in a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, details={"reason": code})
        self.code = code
        if code in ("too_small", "empty", "truncated"):
            self.http_status = 400


@dataclass(frozen=True)
class NormalisedImage:
    jpeg: bytes
    width: int
    height: int
    sha256: str  # of `jpeg`
    phash: str  # 64-bit perceptual hash, 16 hex digits


def normalise_image(data: bytes, *, max_side: int | None = None) -> NormalisedImage:
    max_side = max_side or settings.IMAGE_MAX_SIDE
    if not data:
        raise ImageRejected("empty", "The file is empty (0 bytes).")
    _refuse_known_non_images(data)
    image = _open(data)
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width * height, f"{width} × {height} pixels ")
    minimum = settings.IMAGE_MIN_SIDE
    if min(width, height) < minimum:
        raise ImageRejected(
            "too_small",
            f"This picture is only {width} × {height} pixels; NanoWeb needs at least {minimum} pixels on each side.",
        )
    if image.format in ("JPEG", "MPO"):
        # Decode JPEGs at a reduced scale straight away when they are much larger than we keep.
        image.draft("RGB", (max_side, max_side))
    image = _decode(image)
    image = _upright(image)
    image = _to_rgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= or icc_profile=, and an empty comment (Pillow would copy the original's): metadata stripped.
    image.save(out, "JPEG", quality=JPEG_QUALITY, comment=b"")
    jpeg = out.getvalue()
    return NormalisedImage(
        jpeg=jpeg, width=image.width, height=image.height, sha256=hashlib.sha256(jpeg).hexdigest(),
        phash=str(imagehash.phash(image)),
    )


# How the formats we read begin. A file that begins so is judged by its decoder, not by text inside it: a
# real JPEG may carry "<html" in a comment, and re-encoding drops whatever such a comment holds.
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def _starts_like_an_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _refuse_known_non_images(data: bytes) -> None:
    if _starts_like_an_image(data):
        return
    head = data[:1024].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        raise ImageRejected("svg_not_supported",
                            "This is an SVG drawing; NanoWeb needs a photo-like picture (JPEG, PNG, WebP...).")
    what = _looks_like(head, data)
    if what:
        raise ImageRejected("not_an_image", f"This file is not a picture NanoWeb can read (it looks like {what}).")


def _looks_like(head: bytes, data: bytes) -> str:
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head[:512]:
        return "HTML, a web page"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "XML or another text document"
    if head.startswith((b"{", b"[")):
        return "JSON text"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if data[4:8] == b"ftyp" and data[8:12] in (b"isom", b"mp41", b"mp42", b"qt  ", b"M4V "):
        return "a video"
    return ""


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses far larger pictures while opening; its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_many_pixels(int(found[1]) if found else 0, "") from None
    except UnidentifiedImageError:
        try:
            data[:2000].decode("utf-8")
            what = "text"
        except UnicodeDecodeError:
            what = ""
        hint = f" (it looks like {what})" if what else ""
        raise ImageRejected("not_an_image", f"This file is not a picture NanoWeb can read{hint}.") from None
    except Exception:  # noqa: BLE001 - any parser failure on hostile bytes means "not readable"
        raise ImageRejected("not_an_image", "This file is not a picture NanoWeb can read (it is damaged).") from None


def _too_many_pixels(pixels: int, size: str) -> ImageRejected:
    limit = f"NanoWeb takes pictures up to {settings.IMAGE_MAX_PIXELS / 1e6:.0f} megapixels."
    if not pixels:
        return ImageRejected("too_many_pixels", f"This picture has too many pixels to open safely; {limit}")
    megapixels = f"{pixels / 1e6:.0f} megapixels"
    what = f"is {size}({megapixels})" if size else f"has {megapixels}"
    return ImageRejected("too_many_pixels", f"This picture {what}; {limit}")


def _decode(image: Image.Image) -> Image.Image:
    if image.format not in READABLE_FORMATS:
        raise ImageRejected("unsupported_format",
                            f"This is a {image.format} picture; NanoWeb reads {READABLE_NAMES}.")
    try:
        image.seek(0)  # animated GIF/PNG/WebP: the first frame stands for the file
        image.load()
    except OSError as exc:
        if "truncated" in str(exc).lower() or "broken data stream" in str(exc).lower():
            raise ImageRejected(
                "truncated", "This picture is cut off: the file ends before the picture does. It may not have "
                "finished downloading; try the original file.") from None
        raise ImageRejected("corrupt", "This picture is damaged and cannot be read.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(0, "") from None
    except Exception:  # noqa: BLE001 - decoders raise assorted errors on hostile bytes
        raise ImageRejected("corrupt", "This picture is damaged and cannot be read.") from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block should cost the orientation, not the photo
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow clips 16-bit grey to 255 when converting; scale it down instead.
        pixels = np.asarray(image, dtype=np.float64)
        top = 65535.0 if pixels.max(initial=0) > 255 else 255.0
        image = Image.fromarray(np.clip(pixels / top * 255.0, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except Exception:  # noqa: BLE001, S110 - a bad embedded profile falls back to a plain conversion
            pass
    return image.convert("RGB") if image.mode != "RGB" else image
