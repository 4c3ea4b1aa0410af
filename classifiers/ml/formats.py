"""Picture formats Pillow reads only through a plug-in, registered for every decoder in the app (the
engine's preprocessing and the upload/download normalisation both import this module).

HEIC is how iPhones (and many Android phones) save photos; a folder copied off a phone is full of them.
Only decoding is needed: stored copies are JPEG, and the engine works on pixels.
"""

from __future__ import annotations

from pillow_heif import register_heif_opener

register_heif_opener()
