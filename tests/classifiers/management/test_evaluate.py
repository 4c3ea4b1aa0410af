"""`manage.py evaluate` on a folder laid out the way real sets are: photos in sub-folders of a class, a
photo straight off an iPhone (HEIC), a damaged file and a hidden file among them, and a k larger than a
class can give."""

from __future__ import annotations

import io
import json
import shutil

import pillow_heif
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.classifiers.conftest import ENGINE_DATA


@pytest.fixture
def untidy_set(tmp_path):
    folder = tmp_path / "clothing"
    shutil.copytree(ENGINE_DATA / "clothing", folder)
    hats = sorted((folder / "hat").glob("*.jpg"))
    (folder / "hat" / "from-the-shop").mkdir()
    hats[0].rename(folder / "hat" / "from-the-shop" / hats[0].name)
    (folder / "shoes" / "damaged.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "pants" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    pants = sorted((folder / "pants").glob("*.jpg"))[0]
    pillow_heif.from_pillow(Image.open(pants)).save(pants.with_name("IMG_0001.HEIC"), quality=90)
    pants.unlink()
    return folder


def run_evaluate(folder, **options) -> tuple[list[str], dict]:
    out = io.StringIO()
    call_command("evaluate", str(folder), seeds=1, json=True, stdout=out, **options)
    lines = out.getvalue().strip().splitlines()
    return lines, json.loads(lines[-1])


def test_it_reports_accuracy_per_k_leaving_out_what_it_cannot_read_and_a_k_too_large(untidy_set):
    lines, summary = run_evaluate(untidy_set, k="2,4,100")

    assert summary["classes"] == ["hat", "pants", "shoes"]
    assert summary["unreadable_photos"] == 1
    assert summary["skipped_k"] == [100]
    assert [result["k"] for result in summary["results"]] == [2, 4]
    hats, pants, shoes = (
        sum(1 for path in (untidy_set / name).rglob("*") if path.suffix in (".jpg", ".HEIC"))
        for name in summary["classes"]
    )
    shoes -= 1  # the damaged one
    for result in summary["results"]:
        # Three classes that look nothing alike: far above the 33 % of guessing, even from 2 photos each.
        assert result["accuracy"] >= 0.8
        assert result["test_images"] == hats + pants + shoes - 3 * result["k"]
    text = "\n".join(lines)
    assert "left out 1 photos that could not be read: shoes/damaged.jpg" in text
    assert "k=100 skipped: the smallest class, 'hat', has" in text


def test_a_k_no_class_can_spare_is_refused_in_words(untidy_set):
    with pytest.raises(CommandError, match="every k leaves some class no test photo: the smallest class, 'hat'"):
        run_evaluate(untidy_set, k="100")


def test_the_reference_recipe_runs_on_the_same_splits_for_comparison(untidy_set):
    _, ours = run_evaluate(untidy_set, k="3")
    _, reference = run_evaluate(untidy_set, k="3", recipe="reference")

    assert (ours["recipe"], reference["recipe"]) == ("nanoweb", "reference")
    assert reference["results"][0]["heads"] == {"logistic(C=10)": 1}
    assert reference["results"][0]["test_images"] == ours["results"][0]["test_images"]
    assert reference["results"][0]["accuracy"] >= 0.8


def test_it_measures_the_int8_twin_on_the_same_splits_as_float():
    _, as_float = run_evaluate(ENGINE_DATA / "clothing", k="5", precision="float")
    lines, as_int8 = run_evaluate(ENGINE_DATA / "clothing", k="5", precision="int8")
    assert (as_float["precision"], as_int8["precision"]) == ("float", "int8")
    assert as_int8["engines"][0]["precision"] == "int8"
    assert "embedded with efficientnet-lite0 int8" in "\n".join(lines)
    # The same split (seed 0) of three classes that look nothing alike: both far above guessing, and close.
    assert as_int8["results"][0]["test_images"] == as_float["results"][0]["test_images"]
    assert abs(as_int8["results"][0]["accuracy"] - as_float["results"][0]["accuracy"]) <= 0.07
