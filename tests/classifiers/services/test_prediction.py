"""Predictions from the active version, refusals in words, and the export that agrees with them."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from classifiers.ml.backbones import backbone_spec
from classifiers.ml.preprocess import crop_uint8, full_uint8, open_rgb
from classifiers.models import TrainingRun
from classifiers.services import prediction
from classifiers.services.prediction import model_export, predict_images
from classifiers.services.training import training_run_execute
from nanoweb.errors import Conflict, TooLarge, UnsupportedMedia
from tests.classifiers.conftest import ENGINE_DATA, photos


@pytest.fixture
def trained(clothes):
    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=clothes).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    clothes.refresh_from_db()
    return clothes


def test_it_asks_to_train_first_when_there_is_no_version(clothes):
    with pytest.raises(Conflict, match="train it first"):
        predict_images(classifier=clothes, images=[photos("clothing", "shoes")[0].read_bytes()])


def test_held_out_photos_get_their_class_and_unrelated_ones_are_unknown(trained):
    held_out = [photos("clothing", name)[14] for name in ("shoes", "hat", "pants")]
    answers = predict_images(classifier=trained, images=[p.read_bytes() for p in held_out])
    assert [a["label"] for a in answers] == ["shoes", "hat", "pants"]
    for answer in answers:
        assert set(answer) == {"label", "confidence", "unknown", "unknown_score", "probabilities", "version",
                               "looks_unlike", "in_words"}
        assert answer["version"] == 1 and set(answer["probabilities"]) == {"shoes", "hat", "pants"}
        assert answer["confidence"] == max(answer["probabilities"].values())
    rubbish = [p.read_bytes() for p in photos("trashnet", "glass", 4) + photos("trashnet", "metal", 4)]
    assert sum(a["unknown"] for a in predict_images(classifier=trained, images=rubbish)) >= 7


def test_shared_backbone_calls_answer_as_a_request_alone_does(trained, settings):
    images = [p.read_bytes() for p in (photos("clothing", "shoes")[13], photos("clothing", "pants")[15])]
    shared = predict_images(classifier=trained, images=images)
    settings.PREDICT_BATCHING = False
    alone = predict_images(classifier=trained, images=images)
    assert [a["label"] for a in shared] == [a["label"] for a in alone] == ["shoes", "pants"]
    for got, expected in zip(shared, alone, strict=True):
        assert got["probabilities"] == pytest.approx(expected["probabilities"], abs=1e-4)


def test_the_model_is_loaded_once_per_version(trained, monkeypatch):
    data = [photos("clothing", "hat")[15].read_bytes()]
    predict_images(classifier=trained, images=data)
    loads = []
    monkeypatch.setattr(prediction.artifacts, "load", lambda *a, **k: loads.append(a))
    predict_images(classifier=trained, images=data)
    assert loads == []


def test_bytes_that_are_not_a_picture_are_refused_in_words(trained):
    good = photos("clothing", "hat")[15].read_bytes()
    with pytest.raises(UnsupportedMedia, match="Image 2 of 2: This file is not a picture"):
        predict_images(classifier=trained, images=[good, b"hello, I am a text file"])


def test_a_decompression_bomb_is_refused_in_words(trained):
    buffer = io.BytesIO()
    Image.new("1", (10000, 9000)).save(buffer, "PNG")
    with pytest.raises(TooLarge, match="10000×9000 pixels, more than the"):
        predict_images(classifier=trained, images=[buffer.getvalue()])


def test_the_export_runs_with_onnxruntime_alone_and_agrees_with_the_service(trained):
    filename, data = model_export(classifier=trained)
    assert filename == "clothes-v1.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["README.txt", "labels.json", "model.onnx"]
    meta = json.loads(archive.read("labels.json"))
    session = ort.InferenceSession(archive.read("model.onnx"), providers=["CPUExecutionProvider"])
    prep = backbone_spec("efficientnet-lite0").preprocessing
    files = [photos("clothing", "pants")[13], ENGINE_DATA / "imagenet" / "coffee.jpg"]
    pictures = np.stack([np.stack([crop_uint8(open_rgb(f), prep), full_uint8(open_rgb(f), prep)]) for f in files])
    exported = session.run(["probabilities"], {"pictures": pictures})[0]
    answers = predict_images(classifier=trained, images=[f.read_bytes() for f in files])
    for row, answer in zip(exported, answers, strict=True):
        service = np.array([answer["probabilities"][name] for name in meta["labels"]])
        assert np.abs(row - service).max() < 1e-4
    assert model_export(classifier=trained)[1] == data  # built once, then served from the version folder
