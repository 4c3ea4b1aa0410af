"""Copies of one picture among a classifier's photos: a crop, a mirror image, a smaller recompressed copy,
a copy with a banner or caption strip, which the perceptual hash (services/dedup.py) misses.

Two steps, because either alone merges photos that are merely alike:
1. Frozen features bring candidates together: representations x [n, d] (L2-normalised, so a dot product
   is a cosine) at least CANDIDATE_COSINE alike. Crops, mirrors and banners of the shared sets' photos
   measured 0.74 and up; two different photos of one class reach 0.96 (one skirt photographed twice), so
   features cannot decide on their own.
2. The pixels decide (`alignment`): one picture must be found inside the other, mirrored or not, at 70 to
   100 % of its width, with up to a quarter of its height at the top or bottom allowed to differ (the
   strip a banner covers). The comparison is a normalised cross-correlation of band-passed grey
   thumbnails (fine detail, not the overall light and shape two photos of one product share), first
   quick and coarse for every way one could sit in the other, then close, at 200 pixels, sizes 1 % apart
   and half-pixel shifts, for the best way. Edited copies of the shared sets' photos measured 0.92 and
   up, the pairs of different photos the features bring together at most 0.79 (the same toothpaste tube
   photographed twice against one wall; the skirt above 0.60).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.fft import irfft2, rfft2
from PIL import Image, ImageFilter, ImageOps

# Wide enough for the crops, mirrors and banners measured (0.74 and up; a half-size copy at quality 35 can
# fall to 0.64, but its perceptual hash stays within 6 bits and services/copies.py matches hashes too).
CANDIDATE_COSINE = 0.74
# Between the copies (0.92 and up on both shared sets) and different photos of one class (0.79 at most:
# one toothpaste tube photographed twice against the same wall).
SAME_PICTURE_ALIGNMENT = 0.855
# When the perceptual hashes are close too (within NEAR_DUPLICATE_DISTANCE bits), two pieces of evidence
# agree and a lower bar does: half-size copies at JPEG quality 35 measured 0.83 and up, the different
# photos whose hashes were that close 0.66 at most.
HASH_CONFIRMED_ALIGNMENT = 0.75
BLOCK = 1024  # rows compared at once, so memory stays flat for classifiers with many photos

SIZE_RATIOS = tuple(np.linspace(0.70, 1.0, 7))  # the smaller picture's width over the larger's
STRIPS = ((0.0, 0.0), (0.25, 0.0), (0.0, 0.25))  # share of rows left out at the (top, bottom)
MIN_SIDE = 6


@dataclass(frozen=True)
class Scale:
    side: int  # the thumbnail's longer side, pixels
    fine_blur: float  # band-pass: the blur of this radius minus the blur of `coarse_blur`
    coarse_blur: float


# A quick look at every candidate pair picks the way one picture sits in the other and drops the pairs
# that are plainly different (most different pairs score below COARSE_PASS there, no copy measured did);
# the close look decides on the rest with that way only.
QUICK, CLOSE = Scale(48, 0.7, 2.0), Scale(200, 1.0, 3.0)
COARSE_PASS = 0.6
RATIO_STEPS = np.arange(-0.05, 0.051, 0.01)  # the close look's sizes: up to the quick look's next sizes
QUICK_LEADS = 3


@dataclass(frozen=True)
class Thumbnails:
    quick: np.ndarray
    close: np.ndarray


def near_duplicates(x: np.ndarray, *, cosine: float = CANDIDATE_COSINE) -> list[tuple[int, int, float]]:
    """(i, j, similarity) with i < j for every pair of rows at least `cosine` alike."""
    pairs = []
    for start in range(0, len(x), BLOCK):
        block = x[start : start + BLOCK] @ x.T
        for i, j in zip(*np.nonzero(block >= cosine), strict=True):
            if start + i < j:
                pairs.append((int(start + i), int(j), float(block[i, j])))
    return pairs


def _band_passed(grey: Image.Image, scale: Scale) -> np.ndarray:
    ratio = scale.side / max(grey.size)
    size = (max(MIN_SIDE, round(grey.width * ratio)), max(MIN_SIDE, round(grey.height * ratio)))
    small = grey.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    fine = np.asarray(small.filter(ImageFilter.GaussianBlur(scale.fine_blur)), dtype=np.float32)
    return fine - np.asarray(small.filter(ImageFilter.GaussianBlur(scale.coarse_blur)), dtype=np.float32)


def thumbnail(image: Image.Image) -> Thumbnails:
    """The picture's grey levels, band-passed (fine detail, not the light and shape two photos of one
    product share), at the two scales `alignment` compares."""
    grey = ImageOps.exif_transpose(image).convert("L")
    return Thumbnails(quick=_band_passed(grey, QUICK), close=_band_passed(grey, CLOSE))


def _best_inside(searched: np.ndarray, templates: list[np.ndarray]) -> np.ndarray:
    """For each template, its highest normalised cross-correlation at any place fully inside `searched`
    (one batched FFT for them all)."""
    height, width = searched.shape
    stack = np.zeros((len(templates), height, width), dtype=np.float32)
    norms = np.zeros(len(templates))
    for k, template in enumerate(templates):
        centred = template - template.mean()
        norms[k] = float(np.sqrt((centred**2).sum()))
        stack[k, : template.shape[0], : template.shape[1]] = centred[::-1, ::-1]
    correlation = irfft2(rfft2(searched)[None] * rfft2(stack), s=(height, width))
    padded = np.pad(searched.astype(np.float64), ((1, 0), (1, 0)))
    sums, squares = padded.cumsum(0).cumsum(1), (padded**2).cumsum(0).cumsum(1)
    best = np.full(len(templates), -1.0)
    for k, template in enumerate(templates):
        h, w = template.shape
        if norms[k] < 1e-3:
            continue  # a flat template matches nothing in particular

        def window(table: np.ndarray, h: int = h, w: int = w) -> np.ndarray:
            return table[h:, w:] - table[:-h, w:] - table[h:, :-w] + table[:-h, :-w]

        total = window(sums)
        spread = np.sqrt(np.maximum(window(squares) - total**2 / (h * w), 1e-3))
        best[k] = float((correlation[k, h - 1 :, w - 1 :] / (spread * norms[k])).max())
    return best


def _resized(pixels: np.ndarray, width: int, height: int, shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """`pixels` resampled to width × height, the source moved by `shift` of an output pixel."""
    if shift == (0.0, 0.0):
        image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.float32))
        return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)
    # A border repeated around the source, as wide as the largest shift, keeps the shifted window inside it.
    dx, dy = shift[0] * pixels.shape[1] / width, shift[1] * pixels.shape[0] / height
    border = int(np.ceil(max(dx, dy))) + 1
    image = Image.fromarray(np.pad(pixels, border, mode="edge").astype(np.float32))
    box = (border + dx, border + dy, border + dx + pixels.shape[1], border + dy + pixels.shape[0])
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR, box=box), dtype=np.float32)


@dataclass(frozen=True)
class Way:
    """How one picture is shown inside the other."""

    flipped: bool
    ratio: float  # its width over the other's
    strip: tuple[float, float]  # rows left out (top, bottom)


def _templates(searched: np.ndarray, shown: np.ndarray, ways: list[Way],
               shifts: tuple[tuple[float, float], ...] = ((0.0, 0.0),)) -> tuple[list[np.ndarray], list[Way]]:
    """`shown` as each way would show it in `searched` (at each sub-pixel shift)."""
    height, width = searched.shape
    templates, owners = [], []
    for way in ways:
        picture = shown[:, ::-1] if way.flipped else shown
        w = round(width * way.ratio)
        h = round(w * picture.shape[0] / picture.shape[1])
        if h > height:  # a taller picture: fit by height instead
            h = round(height * way.ratio)
            w = round(h * picture.shape[1] / picture.shape[0])
        if w > width or h > height or min(w, h) < MIN_SIDE:
            continue
        top, bottom = round(h * way.strip[0]), h - round(h * way.strip[1])
        if bottom - top < MIN_SIDE:
            continue
        for shift in shifts:
            templates.append(_resized(picture, w, h, shift)[top:bottom])
            owners.append(way)
    return templates, owners


EVERY_WAY = [Way(flipped, float(ratio), strip)
             for flipped in (False, True) for ratio in SIZE_RATIOS for strip in STRIPS]
HALF_PIXELS = tuple((dx, dy) for dx in (0.0, 0.5) for dy in (0.0, 0.5))


def alignment(a: Thumbnails, b: Thumbnails) -> float:
    """How well one picture is found inside the other (−1 to 1), over both directions and EVERY_WAY: a
    quick look at each; a close look at sizes RATIO_STEPS around the QUICK_LEADS best ways (the quick look
    can mistake the size by a step); then half-pixel shifts around the best size (a crop rarely falls on
    whole pixels of a thumbnail)."""
    found = []  # (quick score, direction, way)
    for direction, (searched, shown) in enumerate(((a.quick, b.quick), (b.quick, a.quick))):
        templates, owners = _templates(searched, shown, EVERY_WAY)
        if templates:
            found += [(float(score), direction, way)
                      for score, way in zip(_best_inside(searched, templates), owners, strict=True)]
    if not found:
        return -1.0
    found.sort(key=lambda item: -item[0])
    if found[0][0] < COARSE_PASS:
        return found[0][0]
    close = []  # (score, direction, way) at the close scale
    for _, direction, way in found[:QUICK_LEADS]:
        searched, shown = (a.close, b.close) if direction == 0 else (b.close, a.close)
        near = [Way(way.flipped, float(way.ratio + step), way.strip) for step in RATIO_STEPS
                if way.ratio + step <= 1.0 + 1e-9]
        templates, owners = _templates(searched, shown, near)
        if templates:
            close += [(float(score), direction, owner)
                      for score, owner in zip(_best_inside(searched, templates), owners, strict=True)]
    if not close:
        return -1.0
    best, direction, way = max(close, key=lambda item: item[0])
    searched, shown = (a.close, b.close) if direction == 0 else (b.close, a.close)
    near = [Way(way.flipped, float(way.ratio + step), way.strip) for step in (-0.01, 0.0, 0.01)
            if way.ratio + step <= 1.0 + 1e-9]
    templates, _ = _templates(searched, shown, near, HALF_PIXELS)
    return max(best, float(_best_inside(searched, templates).max())) if templates else best


def bar(*, hashes_close: bool) -> float:
    """The alignment two candidate photos need to count as one picture."""
    return HASH_CONFIRMED_ALIGNMENT if hashes_close else SAME_PICTURE_ALIGNMENT


def same_picture(a: Thumbnails, b: Thumbnails, *, hashes_close: bool = False) -> bool:
    """Whether two thumbnails of candidate photos show one picture (see the module's step 2)."""
    return alignment(a, b) >= bar(hashes_close=hashes_close)
