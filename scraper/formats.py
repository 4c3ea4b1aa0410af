"""The picture formats NanoWeb reads: the file names it takes for pictures, and the plug-in Pillow needs
for HEIC, registered for every decoder in the app (the engine's preprocessing and the upload/download
normalisation both import this module).

HEIC is how iPhones (and many Android phones) save photos; a folder copied off a phone is full of them.
Only decoding is needed: stored copies are JPEG, and the engine works on pixels.
"""

from __future__ import annotations

from pillow_heif import register_heif_opener

register_heif_opener()

# The formats NanoWeb reads, one row each: the name a person reads, Pillow's names for it, and the file-name
# endings taken for it in a folder (evaluate, benchmark), inside an uploaded zip and among a web page's links
# (.jpe/.jfif are JPEG, .mpo is a JPEG with a second view). Every list of formats in the app comes from here.
FORMATS = (
    ("JPEG", ("JPEG", "MPO"), (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo")),
    ("PNG", ("PNG",), (".png",)),
    ("GIF", ("GIF",), (".gif",)),
    ("WebP", ("WEBP",), (".webp",)),
    ("BMP", ("BMP",), (".bmp",)),
    # What microscopes, scanners and lab cameras write (often 16-bit grey).
    ("TIFF", ("TIFF",), (".tif", ".tiff")),
    ("AVIF", ("AVIF",), (".avif",)),
    ("HEIC", ("HEIF",), (".heic", ".heif")),
)
PICTURE_SUFFIXES = frozenset(suffix for _name, _pillow, suffixes in FORMATS for suffix in suffixes)
READABLE_FORMATS = tuple(pillow for _name, pillows, _suffixes in FORMATS for pillow in pillows)
# "JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF and HEIC", for messages.
READABLE_NAMES = ", ".join(name for name, _p, _s in FORMATS[:-1]) + " and " + FORMATS[-1][0]
