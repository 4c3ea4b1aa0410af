"""The Predictor: answers for a list of pictures in one call, the same as the step-by-step path gave, and a
per-picture error for a picture it cannot read while the others still get their answers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from classifiers.ml.extract import onnx_extractor
from classifiers.ml.predictor import PictureError, Predictor
from classifiers.ml.preprocess import VIEWS, ImageTooLarge, load_views
from classifiers.ml.training import probabilities_with_unknown, represent, train
from tests.classifiers.ml.conftest import DATA


@pytest.fixture(scope="module")
def model(clothing):
    return train(clothing.features, clothing.y, clothing.classes, seed=0).model


def pictures() -> list[bytes]:
    clothing = [sorted((DATA / "clothing" / name).glob("*.jpg"))[-1] for name in ("hat", "pants", "shoes")]
    return [path.read_bytes() for path in clothing + sorted((DATA / "imagenet").iterdir())]


def step_by_step(extractor, model, images: list[bytes]) -> list[dict]:
    """What the prediction service did before the Predictor: decode all, one backbone pass, then the head."""
    batch = np.concatenate(
        [load_views(data, extractor.spec.preprocessing, VIEWS, max_pixels=extractor.max_pixels) for data in images]
    )
    features = extractor.embed_arrays(batch).reshape(len(images), len(VIEWS), -1)
    return probabilities_with_unknown(model, represent(features))


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10000, 9000)).save(buffer, "PNG")
    return buffer.getvalue()


def test_it_answers_as_the_step_by_step_path_did(extractor, model):
    images = pictures()
    answers = Predictor(extractor, model).predict(images)
    expected = step_by_step(extractor, model, images)
    assert len(answers) == len(images) > 3
    assert answers == expected
    assert all(set(a) == {"label", "confidence", "unknown", "unknown_score", "probabilities", "looks_unlike"}
               for a in answers)


def test_it_gives_a_damaged_picture_its_own_error_and_answers_the_others(extractor, model):
    good = pictures()[:2]
    cut_short = good[0][: len(good[0]) // 3]
    results = Predictor(extractor, model).predict([good[0], b"hello, I am a text file", cut_short, good[1], bomb()])

    errors = {result.index: result for result in results if isinstance(result, PictureError)}
    assert sorted(errors) == [1, 2, 4]
    assert errors[1].message.startswith("This file is not a picture") and not errors[1].too_large
    assert errors[2].message.startswith("This picture is damaged or cut short") and not errors[2].too_large
    assert errors[4].too_large and isinstance(errors[4].error, ImageTooLarge)
    assert "10000×9000 pixels" in errors[4].message
    alone = Predictor(extractor, model).predict(good)
    assert [results[0], results[3]] == alone


def test_it_refuses_pictures_larger_than_its_extractors_max_pixels(extractor, model):
    small = onnx_extractor(extractor.name, cache_dir=extractor.model_path.parent, max_pixels=10_000)
    [result] = Predictor(small, model).predict(pictures()[:1])
    assert isinstance(result, PictureError) and result.index == 0 and result.too_large


def test_it_answers_nothing_for_no_pictures(extractor, model):
    assert Predictor(extractor, model).predict([]) == []
