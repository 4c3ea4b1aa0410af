"""The picture formats NanoWeb reads: the file names it takes for pictures, and the plug-in Pillow needs
for HEIC, registered for every decoder in the app (the engine's preprocessing and the upload/download
normalisation both import this module).

HEIC is how iPhones (and many Android phones) save photos; a folder copied off a phone is full of them.
Only decoding is needed: stored copies are JPEG, and the engine works on pixels.
"""

from __future__ import annotations

from pillow_heif import register_heif_opener

register_heif_opener()

# File names taken for pictures in a folder (evaluate, benchmark), inside an uploaded zip, and among a web
# page's links: the formats the decoders read (.jpe/.jfif are JPEG, .mpo is a JPEG with a second view).
PICTURE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif", ".heic",
    ".heif",
})
