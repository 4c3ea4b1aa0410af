"""A trained model saved and loaded gives the same answers; the exported ONNX file agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifiers.ml import artifacts
from classifiers.ml.backbones import backbone_spec
from classifiers.ml.export import check_agreement, export_onnx, labels_json, readme
from classifiers.ml.preprocess import crop_uint8, full_uint8, open_rgb
from classifiers.ml.training import probabilities_with_unknown, represent, train


@pytest.fixture(scope="module")
def trained(clothing):
    return train(clothing.features, clothing.y, clothing.classes, seed=0)


def test_a_saved_model_loads_with_the_same_answers(trained, clothing, tmp_path):
    folder = artifacts.save(trained.model, tmp_path / "v1", backbone="efficientnet-lite0", metrics=trained.metrics)
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "model.json"]
    assert not list(tmp_path.glob(".tmp-*"))
    loaded, meta = artifacts.load(folder)
    assert meta["labels"] == clothing.classes and meta["backbone"] == "efficientnet-lite0"
    assert meta["preprocessing"]["mean"] == 127.0
    x = represent(clothing.features)
    before = probabilities_with_unknown(trained.model, x)
    after = probabilities_with_unknown(loaded, x)
    assert [a["label"] for a in before] == [a["label"] for a in after]
    assert max(abs(a["unknown_score"] - b["unknown_score"]) for a, b in zip(before, after, strict=True)) < 2e-3


def test_a_version_folder_is_never_overwritten(trained, tmp_path):
    artifacts.save(trained.model, tmp_path / "v1", backbone="efficientnet-lite0")
    with pytest.raises(artifacts.ArtifactError, match="never overwritten"):
        artifacts.save(trained.model, tmp_path / "v1", backbone="efficientnet-lite0")
    assert not list(tmp_path.glob(".tmp-*"))


def test_loading_refuses_files_it_does_not_understand(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"format": "something-else"}))
    np.savez(tmp_path / "arrays.npz", head_w2=np.zeros((2, 2)))
    with pytest.raises(artifacts.ArtifactError, match="expected 'nanoweb-model/1'"):
        artifacts.load(tmp_path)


def test_the_exported_onnx_file_agrees_with_the_app(trained, clothing, extractor):
    prep = backbone_spec("efficientnet-lite0").preprocessing
    photos = clothing.paths[::8]
    pictures = np.stack([np.stack([crop_uint8(open_rgb(p), prep), full_uint8(open_rgb(p), prep)]) for p in photos])
    exported = check_agreement(
        export_onnx("efficientnet-lite0", trained.model, backbone_file=extractor.model_path), pictures
    )
    app = trained.model.head.probabilities(represent(np.stack(extractor.embed(photos).features)))
    assert exported.shape == app.shape
    assert np.abs(exported - app).max() < 1e-4
    meta = json.loads(labels_json("efficientnet-lite0", trained.model, version=1, name="Clothes"))
    assert meta["labels"] == clothing.classes
    assert "onnxruntime" in readme("efficientnet-lite0")
    assert Path(photos[0]).exists()
