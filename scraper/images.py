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
    # 64-bit perceptual hash, 16 hex digits; empty for a picture with almost no detail (one flat colour), whose
    # hash would carry no information: every flat picture hashes alike. Such pictures are told apart by colour.
    phash: str
    colour: tuple[int, int, int] | None = None  # the mean colour of a low-detail picture, else None
    # The perceptual hash of the picture's mirror image: a mirrored copy of a stored photo hashes like it.
    mirror_phash: str = ""


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
    image = _small_upright_rgb(image, max_side)
    out = io.BytesIO()
    # No exif= or icc_profile=, and an empty comment (Pillow would copy the original's): metadata stripped.
    image.save(out, "JPEG", quality=JPEG_QUALITY, comment=b"")
    jpeg = out.getvalue()
    colour = low_detail_colour(image)
    return NormalisedImage(
        jpeg=jpeg, width=image.width, height=image.height, sha256=hashlib.sha256(jpeg).hexdigest(),
        phash="" if colour else str(imagehash.phash(image)), colour=colour,
        mirror_phash="" if colour else str(imagehash.phash(ImageOps.mirror(image))),
    )


def _small_upright_rgb(image: Image.Image, max_side: int,
                       resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    """An opened picture decoded, upright and RGB, its longest side at most max_side."""
    if image.format in ("JPEG", "MPO"):
        # Decode JPEGs at a reduced scale straight away when they are much larger than we keep.
        image.draft("RGB", (max_side, max_side))
    image = _decode(image)
    orientation = _orientation(image)
    # Shrink before any conversion: each conversion copies the picture, and a copy of 50 megapixels at full
    # size is what took a web process from 240 MB to 1.5 GB.
    image = _reduced(image, max_side)
    image = _upright(image, orientation)
    image = _to_rgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), resample)
    return image


def thumbnail_jpeg(data: bytes, *, max_side: int, quality: int = 80) -> bytes:
    """A small copy of a picture to show beside something said about it (the prediction log's): upright, RGB,
    no metadata, its longest side at most max_side. Only the checks that keep the decoding safe (pixel count
    from the header) run, none of normalise_image's hashing: it is made for every answer a server gives.
    Raises ImageRejected for what cannot be read."""
    image = _open(data)
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width * height, f"{width} × {height} pixels ")
    out = io.BytesIO()
    # Bilinear, as the engine itself shrinks pictures (classifiers.ml.preprocess): this runs for every answer
    # a server gives, and Lanczos cost three times as much for no difference at 256 px.
    _small_upright_rgb(image, max_side, Image.Resampling.BILINEAR).save(out, "JPEG", quality=quality, comment=b"")
    return out.getvalue()


# The grey levels of a picture shrunk to 32 x 32 (what the perceptual hash looks at) spread less than this:
# its hash is decided by rounding noise. Measured: flat colours 0.0, a flat colour saved as JPEG under 0.5,
# the least detailed photos of the test sets above 10.
LOW_DETAIL_SPREAD = 2.0


def low_detail_colour(image: Image.Image) -> tuple[int, int, int] | None:
    """The mean colour of a picture with almost no detail, or None for a picture with detail."""
    small = image.convert("RGB").resize((32, 32), Image.Resampling.BOX)
    if float(np.asarray(small.convert("L"), dtype=np.float32).std()) >= LOW_DETAIL_SPREAD:
        return None
    mean = np.asarray(small, dtype=np.float32).reshape(-1, 3).mean(axis=0)
    return int(round(mean[0])), int(round(mean[1])), int(round(mean[2]))


def stored_colour(jpeg: bytes) -> tuple[int, int, int] | None:
    """low_detail_colour of a stored photo, decoded at an eighth of its size (cheap)."""
    try:
        image = Image.open(io.BytesIO(jpeg))
        image.draft("RGB", (64, 64))
        image.load()
    except Exception:  # noqa: BLE001 - an unreadable stored file is simply not the same picture
        return None
    return low_detail_colour(image)


def decode_cost(data: bytes, *, max_side: int | None = None) -> int:
    """The pixels decoding these bytes will touch, from the header alone (a JPEG at the reduced scale it is
    decoded at); 0 when the header cannot be read, as the decoder will then refuse the file anyway."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            if image.format in ("JPEG", "MPO"):
                max_side = max_side or settings.IMAGE_MAX_SIDE
                image.draft("RGB", (max_side, max_side))
            width, height = image.size
    except Exception:  # noqa: BLE001 - hostile bytes: the decoder says what is wrong with them
        return 0
    # More than the per-picture cap is refused from the header, undecoded: it costs nothing.
    return width * height if width * height <= settings.IMAGE_MAX_PIXELS else 0


def _reduced(image: Image.Image, max_side: int) -> Image.Image:
    """Box-average the picture down by a whole factor that keeps its longest side at least max_side."""
    factor = max(image.size) // max_side
    if factor < 2:
        return image
    if image.mode.startswith("I;16"):
        return _reduced_16bit(image, factor)
    try:
        return image.reduce(factor)
    except ValueError:  # a mode reduce() does not take (palette, 1-bit): thumbnail() later shrinks it
        return image


def _reduced_16bit(image: Image.Image, factor: int) -> Image.Image:
    """16-bit grey, reduced and scaled to 8 bits in one pass over the pixels, with no full-size copy made."""
    pixels = np.asarray(image)
    height, width = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
    total = np.zeros((height // factor, width // factor), dtype=np.uint32)
    for row in range(factor):
        for column in range(factor):
            total += pixels[row:height:factor, column:width:factor]
    mean = total / (factor * factor)
    top = 65535.0 if mean.max(initial=0) > 255 else 255.0
    return _with_info(Image.fromarray(np.clip(mean / top * 255.0, 0, 255).astype(np.uint8), "L"), image)


def _with_info(reduced: Image.Image, original: Image.Image) -> Image.Image:
    reduced.info = dict(original.info)  # the colour profile, for _to_rgb
    return reduced


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


_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, read from the file before it is reduced (a reduced copy has no EXIF of its own)."""
    try:
        return int(image.getexif().get(0x0112) or 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block should cost the orientation, not the photo
        return 1


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSES.get(orientation)
    return image.transpose(method) if method is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow clips 16-bit grey to 255 when converting; scale it down instead.
        pixels = np.asarray(image, dtype=np.float32)
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
