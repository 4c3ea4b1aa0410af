"""examples_add_uploads: a person's files and zips; each bad file is listed with its reason, the rest saved."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from classifiers.services.uploads import photos_add_uploads
from tests.fakes import images


def a_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def a_zip(name: str, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return a_file(name, out.getvalue())


def reasons(result) -> dict[str, tuple[str, str]]:
    return {item["name"]: (item["code"], item["reason"]) for item in result.rejected}


def test_one_bad_file_never_sinks_the_others(dress):
    result = photos_add_uploads(label=dress, files=[
        a_file("good1.jpg", images.photo(0)),
        a_file("empty.jpg", b""),
        a_file("page.jpg", images.HTML_NAMED_JPG),
        a_file("cut.jpg", images.truncated_jpeg()),
        a_file("drawing.svg", images.SVG),
        a_file("icon.png", images.tiny_png()),
        a_file("bomb.png", images.png_claiming_size(20000, 20000)),
        a_file("good2.jpg", images.photo(1)),
        a_file("good1-again.jpg", images.photo(0)),
    ])
    assert [e.original_name for e in result.added] == ["good1.jpg", "good2.jpg"]
    refused = reasons(result)
    assert refused["empty.jpg"] == ("empty", "The file is empty (0 bytes).")
    assert refused["page.jpg"] == ("not_an_image",
                                   "This file is not a picture NanoWeb can read (it looks like HTML, a web page).")
    assert refused["cut.jpg"][0] == "truncated"
    assert refused["drawing.svg"][0] == "svg_not_supported"
    assert refused["icon.png"][0] == "too_small"
    assert refused["bomb.png"][0] == "too_many_pixels"
    assert refused["good1-again.jpg"][0] == "duplicate"
    assert dress.photos.count() == 2


def test_a_file_over_the_upload_limit_is_refused_by_size(dress, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    result = photos_add_uploads(label=dress, files=[a_file("big.jpg", images.photo(0))])
    size = f"{len(images.photo(0)) / 1024:.0f} KB"
    assert result.rejected == [{"name": "big.jpg", "code": "too_large",
                                "reason": f"This file is {size}; the limit is 1000 bytes."}]


def test_a_zip_of_photos_is_unpacked_and_each_member_named(dress):
    upload = a_zip("photos.zip", {"summer/a.jpg": images.photo(0), "summer/": b"", "b.jpg": images.photo(1),
                                  "__MACOSX/._b.jpg": b"junk", "notes.txt": b"hello",
                                  "phone/IMG_0001.HEIC": images.heic_photo(), "lab/specimen.tif": images.tiff_16bit()})
    result = photos_add_uploads(label=dress, files=[upload])
    assert sorted(e.original_name for e in result.added) == ["IMG_0001.HEIC", "a.jpg", "b.jpg", "specimen.tif"]
    assert result.rejected == [{"name": "photos.zip/notes.txt", "code": "not_an_image",
                                "reason": "Skipped: .txt files are not pictures."}]


def test_paths_that_climb_out_of_the_zip_are_refused(dress):
    upload = a_zip("evil.zip", {"../../etc/cron.d/x.jpg": images.photo(0), "/abs/y.jpg": images.photo(1),
                                "ok.jpg": images.photo(2)})
    result = photos_add_uploads(label=dress, files=[upload])
    assert [e.original_name for e in result.added] == ["ok.jpg"]
    refused = reasons(result)
    assert refused["evil.zip/../../etc/cron.d/x.jpg"] == (
        "unsafe_path", "This file's path points outside the zip (it starts with / or contains ../), so it was skipped.")
    assert refused["evil.zip//abs/y.jpg"][0] == "unsafe_path"


def test_a_zip_bomb_member_is_not_unpacked(dress):
    upload = a_zip("bomb.zip", {"bomb.jpg": b"\0" * (20 * 1024 * 1024), "ok.jpg": images.photo(0)})
    assert len(upload) < 100_000
    result = photos_add_uploads(label=dress, files=[upload])
    assert len(result.added) == 1
    code, reason = reasons(result)["bomb.zip/bomb.jpg"]
    assert code == "zip_bomb"
    assert "compressed far more tightly than any picture" in reason


def test_a_zip_with_10000_files_is_read_up_to_the_cap(dress, settings):
    settings.ZIP_MAX_FILES = 500
    members = {f"{i:05d}.jpg": b"x" for i in range(10_000)}
    members["00000.jpg"] = images.photo(0)
    result = photos_add_uploads(label=dress, files=[a_zip("many.zip", members, zipfile.ZIP_STORED)])
    assert len(result.added) == 1
    assert len(result.rejected) == 500  # 499 one-byte non-pictures, and the cap
    assert result.rejected[0] == {
        "name": "many.zip", "code": "too_many_files",
        "reason": "This zip holds 10000 files; NanoWeb reads at most 500 from one zip and skipped the other 9500. "
                  "Split it into smaller zips."}


def test_a_zip_that_unpacks_past_the_total_cap_stops_there(dress, settings):
    settings.ZIP_MAX_TOTAL_BYTES = len(images.photo(0)) + len(images.photo(1)) + 10
    upload = a_zip("big.zip", {f"{i}.jpg": images.photo(i) for i in range(4)}, zipfile.ZIP_STORED)
    result = photos_add_uploads(label=dress, files=[upload])
    assert len(result.added) == 2
    assert [r["code"] for r in result.rejected] == ["zip_too_large"]


def test_a_nested_zip_and_a_broken_zip_are_refused_in_words(dress):
    nested = a_zip("outer.zip", {"inner.zip": b"PK\x03\x04rest"})
    broken = a_file("broken.zip", b"PK\x03\x04 this is not really a zip")
    result = photos_add_uploads(label=dress, files=[nested, broken])
    refused = reasons(result)
    assert refused["outer.zip/inner.zip"] == ("nested_zip", "A zip inside a zip is not opened; upload it on its own.")
    assert refused["broken.zip"] == ("bad_zip", "This zip file is damaged or is not really a zip.")


def big_png(seed: int = 1, side: int = 3000) -> bytes:
    """A large picture that compresses to little (big blocks of colour), as an attacker would send many of;
    each seed is a different picture."""
    import numpy as np
    from PIL import Image

    blocks = np.random.default_rng(seed).integers(0, 256, (30, 30, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(blocks, "RGB").resize((side, side), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def test_an_upload_over_the_pixel_budget_is_refused_whole_before_anything_is_decoded(dress, settings):
    """What the person sees: 413 and how many megapixels the files hold against the limit; nothing added."""
    import time

    from nanoweb.errors import TooLarge

    settings.UPLOAD_MAX_PIXELS = 40_000_000
    files = [a_file(f"big{i}.png", big_png(i + 1)) for i in range(5)]  # 5 pictures of 9 MP
    started = time.process_time()
    try:
        photos_add_uploads(label=dress, files=files)
    except TooLarge as exc:
        assert exc.http_status == 413
        assert exc.message == ("These 5 pictures hold 45 megapixels in all; one upload may hold 40. Nothing was "
                               "added: upload them in smaller batches.")
    else:
        raise AssertionError("the upload was taken")
    assert time.process_time() - started < 0.5  # headers only: decoding 45 MP takes seconds
    assert dress.photos.count() == 0


def test_the_same_file_many_times_in_one_upload_is_decoded_once(dress):
    """150 copies of one big PNG took 85 s of CPU in one request; now the copies are told apart by their bytes."""
    import time

    data = big_png()
    started = time.process_time()
    result = photos_add_uploads(label=dress, files=[a_file(f"copy{i}.png", data) for i in range(40)])
    cpu = time.process_time() - started
    assert len(result.added) == 1
    assert reasons(result)["copy7.png"] == ("duplicate", 'This is the same file as "copy0.png" earlier in this upload.')
    assert cpu < 3, f"{cpu:.1f} s of CPU for one picture sent 40 times"


def test_a_zip_over_the_pixel_budget_keeps_what_fits_and_says_why_for_the_rest(dress, settings):
    settings.UPLOAD_MAX_PIXELS = 20_000_000
    members = {f"big{i}.png": big_png(3 * i + 1) for i in range(3)}
    result = photos_add_uploads(label=dress, files=[a_zip("bigs.zip", members)])
    assert len(result.added) == 2
    assert reasons(result)["bigs.zip/big2.png"] == ("too_many_pixels_in_all", (
        "Not added: this upload already held 20 megapixels, as much as one upload may. Upload the rest in "
        "another batch."))


def test_a_16_bit_tiff_of_22_mb_is_read_without_a_full_size_copy_per_step(dress):
    """One 22 MB 16-bit TIFF took a web process from 240 MB to 1.56 GB. Peak memory is measured on this very
    process (VmHWM, reset first through /proc/self/clear_refs)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    out = io.BytesIO()
    Image.fromarray((rng.random((3317, 3317)) * 65535).astype(np.uint16)).save(out, "TIFF")
    data = out.getvalue()
    assert 21_000_000 < len(data) < 23_000_000

    def status(key: str) -> int:
        with open("/proc/self/status") as proc:
            return next(int(line.split()[1]) * 1024 for line in proc if line.startswith(key))

    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets the peak to the current size
    before = status("VmRSS:")
    result = photos_add_uploads(label=dress, files=[a_file("scan.tif", data)])
    grown = status("VmHWM:") - before
    assert len(result.added) == 1 and (result.added[0].width, result.added[0].height) == (1024, 1024)
    assert grown < 120 * 1024 * 1024, f"the peak grew by {grown / 2**20:.0f} MB"  # before: 293 MB
