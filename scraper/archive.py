"""Read the pictures out of an uploaded zip without trusting anything the zip says about itself.

Nothing is written to disk: members are read into memory one at a time, so `../` names could do no harm,
but they are refused anyway because they are how archives attack unpackers. Caps: member count, bytes per
member, bytes in total, and compression ratio (zip bombs compress thousands to one).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings

from scraper.formats import PICTURE_SUFFIXES
from scraper.safehttp import human_size

# Files the person never chose: macOS resource forks and Finder/Explorer caches.
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class ZipEntry:
    name: str  # "photos.zip/cats/1.jpg"
    data: bytes | None = None
    code: str = ""  # set when refused
    reason: str = ""


def is_zip(name: str, head: bytes) -> bool:
    return name.lower().endswith(".zip") or head.startswith(b"PK\x03\x04")


def _unsafe(filename: str) -> bool:
    name = filename.replace("\\", "/")
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in name.split("/")


def _junk(filename: str) -> bool:
    path = PurePosixPath(filename.replace("\\", "/"))
    return "__MACOSX" in path.parts or path.name.startswith("._") or path.name.lower() in _JUNK_NAMES


def zip_file_count(fileobj: IO[bytes]) -> int:
    """How many entries zip_entries will yield at most, from the zip's directory alone (nothing unpacked):
    enough to show how far through a zip its reader is. 1 for a damaged zip (its one refusal)."""
    try:
        infos = zipfile.ZipFile(fileobj).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return 1
    files = sum(1 for info in infos if not info.is_dir() and not _junk(info.filename))
    return min(files, settings.ZIP_MAX_FILES) + (files > settings.ZIP_MAX_FILES)


def zip_entries(fileobj: IO[bytes], zip_name: str) -> Iterator[ZipEntry]:
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        yield ZipEntry(zip_name, code="bad_zip", reason="This zip file is damaged or is not really a zip.")
        return
    # Folders are not files a person picked, so they are passed over without a message.
    files = [info for info in infos if not info.is_dir() and not _junk(info.filename)]
    cap, total = settings.ZIP_MAX_FILES, 0
    if len(files) > cap:
        # Said first, so it heads the list a person reads rather than following hundreds of other lines.
        yield ZipEntry(zip_name, code="too_many_files", reason=(
            f"This zip holds {len(files)} files; NanoWeb reads at most {cap} from one zip and skipped the "
            f"other {len(files) - cap}. Split it into smaller zips."))
    for info in files[:cap]:
        name = f"{zip_name}/{info.filename}"
        refusal = _refusal(info, total)
        if refusal:
            yield ZipEntry(name, code=refusal[0], reason=refusal[1])
            if refusal[0] == "zip_too_large":
                return
            continue
        try:
            # ZipExtFile stops at the declared size and checks the CRC, so a member cannot grow past it.
            with archive.open(info) as member:
                data = member.read()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            yield ZipEntry(name, code="corrupt", reason="This file inside the zip is damaged and cannot be read.")
            continue
        total += len(data)
        yield ZipEntry(name, data=data)


def _refusal(info: zipfile.ZipInfo, total_so_far: int) -> tuple[str, str] | None:
    if _unsafe(info.filename):
        return "unsafe_path", "This file's path points outside the zip (it starts with / or contains ../), so it " \
                              "was skipped."
    suffix = PurePosixPath(info.filename).suffix.lower()
    if suffix == ".zip":
        return "nested_zip", "A zip inside a zip is not opened; upload it on its own."
    if suffix and suffix not in PICTURE_SUFFIXES:
        return "not_an_image", f"Skipped: {suffix} files are not pictures."
    if info.flag_bits & 0x1:
        return "encrypted", "This file is password-protected inside the zip; NanoWeb cannot open it."
    if info.file_size > settings.MAX_UPLOAD_BYTES:
        return "too_large", (f"This file unpacks to {human_size(info.file_size)}; the limit is "
                             f"{human_size(settings.MAX_UPLOAD_BYTES)} a picture.")
    if info.file_size and (info.compress_size == 0 or info.file_size / info.compress_size > settings.ZIP_MAX_RATIO):
        return "zip_bomb", ("This file is compressed far more tightly than any picture can be (a sign of a zip "
                            "bomb), so it was not unpacked.")
    if total_so_far + info.file_size > settings.ZIP_MAX_TOTAL_BYTES:
        return "zip_too_large", (f"The zip unpacks to more than {human_size(settings.ZIP_MAX_TOTAL_BYTES)}; "
                                 "the files from here on were skipped.")
    return None
