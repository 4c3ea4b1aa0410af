"""normalise_image: what a person sees for every kind of file it refuses, and what it makes of odd pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from scraper.images import ImageRejected, normalise_image
from tests.fakes import images


def rejected(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        normalise_image(data)
    return info.value


def decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(normalise_image(data).jpeg))


def test_it_refuses_an_empty_file_in_words():
    error = rejected(b"")
    assert error.code == "empty"
    assert error.message == "The file is empty (0 bytes)."


def test_it_refuses_html_named_jpg_and_says_it_looks_like_a_web_page():
    error = rejected(images.HTML_NAMED_JPG)
    assert error.code == "not_an_image"
    assert error.message == "This file is not a picture NanoWeb can read (it looks like HTML, a web page)."
    assert error.http_status == 415


def test_it_refuses_random_bytes_as_not_a_picture():
    error = rejected(bytes(range(256)) * 8)
    assert error.code == "not_an_image"
    assert "not a picture NanoWeb can read" in error.message


def test_it_refuses_svg_and_says_it_needs_a_photo_like_picture():
    error = rejected(images.SVG)
    assert error.code == "svg_not_supported"
    assert "SVG drawing" in error.message


def test_it_refuses_a_truncated_jpeg_and_says_it_is_cut_off():
    error = rejected(images.truncated_jpeg())
    assert error.code == "truncated"
    assert "cut off" in error.message


def test_it_refuses_a_decompression_bomb_from_its_header_without_decoding_it():
    bomb = images.png_claiming_size(20000, 20000)
    assert len(bomb) < 200_000  # small on disk, 400 megapixels when decoded
    error = rejected(bomb)
    assert error.code == "too_many_pixels"
    assert error.message == "This picture has 400 megapixels; NanoWeb takes pictures up to 50 megapixels."


def test_it_refuses_a_picture_over_its_own_pixel_cap_naming_the_size():
    error = rejected(images.png_claiming_size(8000, 8000))
    assert error.code == "too_many_pixels"
    assert error.message == ("This picture is 8000 × 8000 pixels (64 megapixels); NanoWeb takes pictures up to "
                             "50 megapixels.")


def test_it_refuses_a_tiny_picture_and_names_the_minimum():
    error = rejected(images.tiny_png())
    assert error.code == "too_small"
    assert error.message == "This picture is only 16 × 16 pixels; NanoWeb needs at least 64 pixels on each side."


def test_it_refuses_a_format_it_does_not_read_and_lists_the_ones_it_does():
    error = rejected(images.pattern(3, fmt="PPM"))
    assert error.code == "unsupported_format"
    assert error.message == "This is a PPM picture; NanoWeb reads JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF and HEIC."


def test_it_refuses_a_pdf_and_says_what_it_is():
    assert rejected(b"%PDF-1.7\n" + b"0" * 100).message.endswith("(it looks like a PDF document).")


def test_a_photo_becomes_an_rgb_jpeg_with_hashes():
    result = normalise_image(images.photo(0))
    picture = Image.open(io.BytesIO(result.jpeg))
    assert picture.format == "JPEG" and picture.mode == "RGB"
    assert (picture.width, picture.height) == (result.width, result.height)
    assert len(result.sha256) == 64 and len(result.phash) == 16


def test_the_longest_side_is_capped():
    result = normalise_image(images.pattern(4, size=(3000, 1500)), max_side=1024)
    assert (result.width, result.height) == (1024, 512)


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (100, 100), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    red, green, blue = decoded(out.getvalue()).getpixel((50, 50))
    assert red > 200 and green < 50 and blue < 50


def test_a_cmyk_jpeg_comes_out_rgb_with_its_colours():
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (200, 30, 30)).convert("CMYK").save(out, "JPEG")
    picture = decoded(out.getvalue())
    red, green, blue = picture.getpixel((50, 50))
    assert picture.mode == "RGB"
    assert red > 150 and green < 80 and blue < 80


def test_a_16_bit_png_keeps_its_tones_instead_of_turning_white():
    grey = Image.new("I;16", (100, 100), 20000)  # 30% grey in 16 bits
    out = io.BytesIO()
    grey.save(out, "PNG")
    value = decoded(out.getvalue()).getpixel((50, 50))[0]
    assert 60 < value < 95  # 20000 / 65535 * 255 = 78


def test_a_png_with_transparency_is_put_on_white():
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    assert decoded(out.getvalue()).getpixel((50, 50)) >= (250, 250, 250)


def test_an_exif_rotated_photo_comes_out_upright_and_without_metadata():
    # Stored sideways (wide) with EXIF orientation 6 ("rotate 90° clockwise to view"): upright it is tall.
    sideways = Image.new("RGB", (200, 100), (10, 200, 10))
    sideways.paste((250, 10, 10), (0, 0, 100, 100))  # left half red: upright, red is on top
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif)
    picture = decoded(out.getvalue())
    assert (picture.width, picture.height) == (100, 200)
    assert picture.getpixel((50, 20))[0] > 200  # red at the top
    assert not picture.getexif()
    assert "icc_profile" not in picture.info


def test_a_comment_in_a_jpeg_is_not_carried_into_the_stored_copy():
    # A JPEG comment can hold anything, a web page included (a polyglot file); the stored copy keeps pixels only.
    stored = normalise_image(images.jpeg_with_html_comment()).jpeg
    assert b"<script" not in stored
    assert "comment" not in Image.open(io.BytesIO(stored)).info
