"""A classifier's precision: new ones take the setting, each version answers with the precision it was trained
with whatever the default says later, and its download carries that same backbone."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from classifiers.feature_cache import extractor_for
from classifiers.ml.backbones import backbone_spec
from classifiers.ml.preprocess import crop_uint8, full_uint8, open_rgb
from classifiers.models import PhotoFeature, TrainingRun
from classifiers.services import prediction
from classifiers.services.catalog import classifier_create
from classifiers.services.prediction import model_export, predict_images
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import ENGINE_DATA, make_classifier, photos

CLASSES = ("shoes", "hat", "pants")


def train_once(classifier):
    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=classifier).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    classifier.refresh_from_db()
    return classifier.active_version


@pytest.fixture
def int8_clothes(owner):
    return make_classifier(owner, {name: photos("clothing", name)[:12] for name in CLASSES}, precision="int8")


@pytest.fixture
def spy(monkeypatch):
    """Which backbone and precision the prediction service opened."""
    opened = []

    def recording(backbone, precision="float", **options):
        opened.append((backbone, precision))
        return extractor_for(backbone, precision, **options)

    monkeypatch.setattr(prediction, "extractor_for", recording)
    return opened


def held_out() -> list[bytes]:
    return [photos("clothing", name)[14].read_bytes() for name in CLASSES]


def test_new_classifiers_take_the_backbone_and_precision_settings(owner, settings):
    settings.DEFAULT_PRECISION = "int8"
    assert classifier_create(owner=owner, name="A", label_names=["x", "y"]).precision == "int8"
    settings.DEFAULT_PRECISION = "float"
    settings.DEFAULT_BACKBONE = "efficientnet-lite2"
    made = classifier_create(owner=owner, name="B", label_names=["x", "y"])
    assert (made.backbone, made.precision) == ("efficientnet-lite2", "float")


def test_an_int8_version_keeps_answering_in_int8_after_the_default_changes(int8_clothes, settings, spy):
    version = train_once(int8_clothes)
    assert version.precision == "int8" and version.metrics["precision"] == "int8"
    keys = set(PhotoFeature.objects.filter(photo__label__classifier=int8_clothes).values_list("backbone", flat=True))
    assert keys == {"efficientnet-lite0/int8"}

    before = predict_images(classifier=int8_clothes, images=held_out())
    settings.DEFAULT_PRECISION = "float"
    after = predict_images(classifier=int8_clothes, images=held_out())
    assert spy == [("efficientnet-lite0", "int8")] * 2
    assert [a["label"] for a in after] == list(CLASSES)
    assert after == before


def test_a_float_version_keeps_float_and_its_features_are_not_mixed_with_int8_ones(clothes, settings, spy):
    settings.DEFAULT_PRECISION = "float"
    version = train_once(clothes)
    settings.DEFAULT_PRECISION = "int8"
    assert version.precision == "float"
    answers = predict_images(classifier=clothes, images=held_out())
    assert spy == [("efficientnet-lite0", "float")]
    assert [a["label"] for a in answers] == list(CLASSES)
    # The classifier keeps its own precision: training it again under the new default stays float.
    assert train_once(clothes).precision == "float"
    assert set(PhotoFeature.objects.values_list("backbone", flat=True)) == {"efficientnet-lite0"}


def test_the_export_of_an_int8_version_carries_the_int8_backbone_and_answers_like_the_server(int8_clothes):
    train_once(int8_clothes)
    _, data = model_export(classifier=int8_clothes)
    archive = zipfile.ZipFile(io.BytesIO(data))
    meta = json.loads(archive.read("labels.json"))
    assert meta["precision"] == "int8"
    session = ort.InferenceSession(archive.read("model.onnx"), providers=["CPUExecutionProvider"])
    assert "QuantizeLinear" in {node.op_type for node in onnx.load_from_string(archive.read("model.onnx")).graph.node}
    prep = backbone_spec("efficientnet-lite0").preprocessing
    files = [photos("clothing", "pants")[13], photos("clothing", "shoes")[15], ENGINE_DATA / "imagenet" / "coffee.jpg"]
    pictures = np.stack([np.stack([crop_uint8(open_rgb(f), prep), full_uint8(open_rgb(f), prep)]) for f in files])
    exported = session.run(["probabilities"], {"pictures": pictures})[0]
    answers = predict_images(classifier=int8_clothes, images=[f.read_bytes() for f in files])
    for row, answer in zip(exported, answers, strict=True):
        service = np.array([answer["probabilities"][name] for name in meta["labels"]])
        assert np.abs(row - service).max() < 1e-4
