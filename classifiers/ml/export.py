"""Backbone + head + softmax as one ONNX file that runs with onnxruntime alone.

Inputs are the two uint8 pictures NanoWeb itself makes from a photo (see README_TEXT), so a user needs
only Pillow/numpy and onnxruntime; scaling and averaging the views happen inside the graph, exactly as
in the app.

This module loads PyTorch and onnx: a web process builds a download through export_zip in a child process
(child.py), so it never holds them.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnx.compose
import torch
from torch import nn

from classifiers.ml import artifacts
from classifiers.ml.backbones import FLOAT, backbone_spec
from classifiers.ml.onnx_cache import OPSET, onnx_bytes, write_atomically
from classifiers.ml.training import TrainedModel


class Prepare(nn.Module):
    """uint8 [N, 2, S, S, 3] (centre crop, whole picture squeezed) → the backbone's float [2N, 3, S, S]."""

    def __init__(self, backbone: str) -> None:
        super().__init__()
        prep = backbone_spec(backbone).preprocessing
        # One number or one per channel: either broadcasts over the pictures' last (RGB) axis.
        self.register_buffer("mean", torch.tensor(prep.mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(prep.std, dtype=torch.float32))

    def forward(self, pictures: torch.Tensor) -> torch.Tensor:
        x = (pictures.float() - self.mean) / self.std
        x = x.permute(0, 1, 4, 2, 3)  # [N, 2, 3, S, S]
        size = x.shape[-1]
        return x.reshape(-1, 3, size, size)


class Answer(nn.Module):
    """The backbone's features [2N, dim] → (softmax over labels, the representation the head sees), as
    training.represent and the head compute them."""

    def __init__(self, model: TrainedModel) -> None:
        super().__init__()
        head = model.head
        self.w1 = None if head.w1 is None else nn.Parameter(torch.from_numpy(head.w1.copy()), requires_grad=False)
        self.b1 = None if head.b1 is None else nn.Parameter(torch.from_numpy(head.b1.copy()), requires_grad=False)
        self.w2 = nn.Parameter(torch.from_numpy(head.w2.copy()), requires_grad=False)
        self.b2 = nn.Parameter(torch.from_numpy(head.b2.copy()), requires_grad=False)

    def forward(self, embedding: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = embedding.reshape(-1, 2, embedding.shape[-1])
        features = features / features.norm(dim=2, keepdim=True).clamp_min(1e-12)
        representation = features.mean(dim=1)
        representation = representation / representation.norm(dim=1, keepdim=True).clamp_min(1e-12)
        hidden = representation
        if self.w1 is not None:
            hidden = torch.relu(hidden @ self.w1 + self.b1)
        return torch.softmax(hidden @ self.w2 + self.b2, dim=1), representation


def _graph(module: nn.Module, example: torch.Tensor, inputs: list[str], outputs: list[str]) -> onnx.ModelProto:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (example,),
            buffer,
            dynamo=False,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes={name: {0: "batch"} for name in inputs + outputs},
            opset_version=OPSET,
        )
    return onnx.load_from_string(buffer.getvalue())


def export_onnx(backbone: str, model: TrainedModel, *, backbone_file: str | Path) -> bytes:
    """One graph: preparing the pictures, then `backbone_file` itself (the ONNX file the server runs, float or
    its int8 twin, unchanged), then the head. Composed rather than re-exported from PyTorch so the download
    answers exactly as the server does."""
    size = backbone_spec(backbone).preprocessing.image_size
    dim = backbone_spec(backbone).dim
    prepare = _graph(Prepare(backbone), torch.zeros(1, 2, size, size, 3, dtype=torch.uint8), ["pictures"], ["images"])
    answer = _graph(Answer(model), torch.zeros(2, dim), ["embedding"], ["probabilities", "features"])
    # Each part's inner names get their own prefix (all three were exported by the same tool and share names
    # like "/Constant_output_0"); the whole graph keeps the public names pictures → probabilities, features.
    prepare = onnx.compose.add_prefix(prepare, "prepare/", rename_inputs=False, rename_outputs=False)
    answer = onnx.compose.add_prefix(answer, "answer/", rename_inputs=False, rename_outputs=False)
    network = onnx.compose.add_prefix(onnx.load(str(backbone_file)), "backbone/")
    parts = [prepare, network, answer]
    ir_version = max(part.ir_version for part in parts)
    for part in parts:
        part.ir_version = ir_version
    front = onnx.compose.merge_models(prepare, network, io_map=[("images", "backbone/images")])
    whole = onnx.compose.merge_models(front, answer, io_map=[("backbone/features", "embedding")])
    onnx.checker.check_model(whole)
    return whole.SerializeToString()


def labels_json(
    backbone: str, model: TrainedModel, *, version: int | None = None, name: str = "", precision: str = FLOAT
) -> str:
    prep = backbone_spec(backbone).preprocessing
    return json.dumps(
        {
            "classifier": name,
            "version": version,
            "labels": model.labels,
            "backbone": backbone,
            "precision": precision,
            "input": {
                "name": "pictures",
                "dtype": "uint8",
                "shape": ["batch", 2, prep.image_size, prep.image_size, 3],
                "pictures": [
                    f"centre: shorter side resized to {prep.resize_size} (bilinear), "
                    f"centre {prep.image_size}x{prep.image_size} crop",
                    f"whole: the whole picture resized to {prep.image_size}x{prep.image_size} (bilinear)",
                ],
                "colour": "RGB, EXIF orientation applied",
            },
            "outputs": {"probabilities": "softmax over labels, in this order", "features": "L2-normalised features"},
            "unknown": {
                "method": "1 - mean cosine similarity of `features` to the 3 nearest training photos",
                "threshold": model.unknown.threshold,
                "refuse_threshold": model.unknown.refuse_above,
                "thresholds": "above `threshold` the picture looks unlike the training photos; above "
                              "`refuse_threshold` it is none of the classes",
                "note": "the training photos' features are not exported; use the probabilities alone offline",
            },
        },
        indent=1,
    )


README_TEXT = """\
NanoWeb model export
====================

model.onnx   the whole classifier: frozen backbone, trained head and softmax in one ONNX graph
labels.json  class names in output order, and how pictures are prepared

Run it with onnxruntime, numpy and Pillow only:

    import json, numpy as np, onnxruntime as ort
    from PIL import Image, ImageOps

    meta = json.load(open("labels.json"))
    size = meta["input"]["shape"][2]
    resize = {resize}
    session = ort.InferenceSession("model.onnx")

    def pictures(path):
        image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        w, h = image.size
        s = resize / min(w, h)
        big = image.resize((max(resize, round(w * s)), max(resize, round(h * s))), Image.BILINEAR)
        left, top = (big.width - size) // 2, (big.height - size) // 2
        centre = np.asarray(big.crop((left, top, left + size, top + size)))
        whole = np.asarray(image.resize((size, size), Image.BILINEAR))
        return np.stack([centre, whole])[None]  # uint8 [1, 2, size, size, 3]

    probabilities, features = session.run(None, {{"pictures": pictures("photo.jpg")}})
    best = int(probabilities[0].argmax())
    print(meta["labels"][best], float(probabilities[0][best]))

Several photos: stack their arrays along the first axis.
"""


def readme(backbone: str) -> str:
    return README_TEXT.format(resize=backbone_spec(backbone).preprocessing.resize_size)


def check_agreement(onnx_model: bytes, pictures: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"pictures": pictures})[0]


def export_zip(
    backbone: str, precision: str, artifact: str, backbone_file: str, name: str, version: int, output: str
) -> None:
    """The download of one version, written to `output`: model.onnx (backbone + head + softmax), labels.json,
    README.txt. Run in a child process (services/prediction.model_export)."""
    model, _ = artifacts.load(artifact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.onnx", export_onnx(backbone, model, backbone_file=backbone_file))
        archive.writestr("labels.json", labels_json(backbone, model, version=version, name=name, precision=precision))
        archive.writestr("README.txt", readme(backbone))
    write_atomically(Path(output), buffer.getvalue())


__all__ = ["export_onnx", "export_zip", "labels_json", "readme", "onnx_bytes"]
