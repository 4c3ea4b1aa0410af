"""Any picture becomes an upright RGB input the way the weights expect; bad files are refused in words."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from classifiers.ml.backbones import backbone_spec
from classifiers.ml.preprocess import VIEWS, ImageError, ImageTooLarge, load_views, normalise, open_rgb

PREP = backbone_spec("efficientnet-lite0").preprocessing


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_exif_orientation_is_applied():
    # A 200x100 picture, left half red and right half blue, stored with "rotate 90° clockwise to view".
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    upright = open_rgb(encoded(image, "JPEG", exif=exif, quality=95))
    assert upright.size == (100, 200)
    top, bottom = np.asarray(upright)[10, 50], np.asarray(upright)[190, 50]
    assert top[0] > 200 and top[2] < 60  # red now on top
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("L", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("CMYK", "JPEG"), ("I;16", "PNG"), ("LA", "PNG"), ("1", "BMP")],
)
def test_every_mode_becomes_rgb(mode, fmt):
    source = Image.new("RGB", (300, 240), (120, 180, 60)).convert(mode) if mode != "I;16" else None
    if mode == "I;16":
        source = Image.fromarray(np.full((240, 300), 40000, dtype=np.uint16))
    picture = open_rgb(encoded(source, fmt))
    assert picture.mode == "RGB" and picture.size == (300, 240)


def test_sixteen_bit_grey_is_scaled_not_clipped():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1))
    picture = np.asarray(open_rgb(encoded(Image.fromarray(ramp), "PNG")))
    assert picture[0, 0, 0] == 0 and picture[0, -1, 0] == 255
    assert 120 <= picture[0, 128, 0] <= 135  # the middle of the ramp stays mid-grey


def test_transparency_goes_over_white():
    clear = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    assert np.asarray(open_rgb(encoded(clear, "PNG"))).min() == 255


def test_large_jpegs_are_decoded_at_reduced_size_but_never_below_what_the_network_needs():
    big = Image.new("RGB", (2400, 1800), (10, 200, 30))
    picture = open_rgb(encoded(big, "JPEG"), min_side=PREP.resize_size)
    assert min(picture.size) >= PREP.resize_size
    assert picture.size[0] < 2400  # draft mode skipped detail that would be thrown away


def test_the_network_sees_the_views_scaled_to_minus_one_one():
    views = load_views(encoded(Image.new("RGB", (320, 240), (255, 0, 127)), "JPEG"), PREP)
    assert views.shape == (len(VIEWS), 3, PREP.image_size, PREP.image_size)
    assert views.dtype == np.float32
    assert views.min() >= -1.0 and views.max() <= 1.0
    assert normalise(np.array([[[0, 127, 255]]], dtype=np.uint8), PREP).ravel().tolist() == pytest.approx(
        [-127 / 128, 0.0, 1.0]
    )


def test_bytes_that_are_not_a_picture_are_refused_in_words():
    with pytest.raises(ImageError, match="not a picture in a format we can read"):
        open_rgb(b"%PDF-1.4 not an image at all")


def test_a_cut_short_picture_is_refused_in_words():
    data = encoded(Image.new("RGB", (400, 300), (1, 2, 3)), "PNG")
    with pytest.raises(ImageError, match="damaged or cut short"):
        open_rgb(data[: len(data) // 2])


def test_a_picture_cut_off_inside_its_header_is_refused_in_the_same_words():
    data = encoded(Image.new("RGB", (400, 300), (1, 2, 3)), "JPEG")
    with pytest.raises(ImageError, match=r"^This picture is damaged or cut short and could not be read\.$"):
        open_rgb(data[:100])


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = encoded(Image.new("1", (12000, 12000)), "PNG")  # a few kB on disk, 144 megapixels decoded
    assert len(bomb) < 100_000
    with pytest.raises(ImageTooLarge, match="12000×12000 pixels, more than the 50 megapixels"):
        open_rgb(bomb, max_pixels=50_000_000)
