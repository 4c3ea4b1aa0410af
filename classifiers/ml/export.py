"""Backbone + head + softmax as one ONNX file that runs with onnxruntime alone.

Inputs are the two uint8 pictures NanoWeb itself makes from a photo (see README_TEXT), so a user needs
only Pillow/numpy and onnxruntime; scaling and averaging the views happen inside the graph, exactly as
in the app.
"""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from classifiers.ml.backbones import backbone_spec
from classifiers.ml.onnx_cache import onnx_bytes
from classifiers.ml.torch_backbones import torch_backbone
from classifiers.ml.training import TrainedModel


class ExportedClassifier(nn.Module):
    def __init__(self, backbone: str, model: TrainedModel) -> None:
        super().__init__()
        prep = backbone_spec(backbone).preprocessing
        self.features = torch_backbone(backbone)
        self.mean, self.std = float(prep.mean), float(prep.std)
        head = model.head
        self.w1 = None if head.w1 is None else nn.Parameter(torch.from_numpy(head.w1.copy()), requires_grad=False)
        self.b1 = None if head.b1 is None else nn.Parameter(torch.from_numpy(head.b1.copy()), requires_grad=False)
        self.w2 = nn.Parameter(torch.from_numpy(head.w2.copy()), requires_grad=False)
        self.b2 = nn.Parameter(torch.from_numpy(head.b2.copy()), requires_grad=False)

    def forward(self, pictures: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # pictures: uint8 [N, 2, S, S, 3] = (centre crop, whole picture squeezed)
        n = pictures.shape[0]
        x = (pictures.float() - self.mean) / self.std
        x = x.permute(0, 1, 4, 2, 3)  # [N, 2, 3, S, S]
        size = x.shape[-1]
        features = self.features(x.reshape(n * 2, 3, size, size)).reshape(n, 2, -1)
        features = features / features.norm(dim=2, keepdim=True).clamp_min(1e-12)
        representation = features.mean(dim=1)
        representation = representation / representation.norm(dim=1, keepdim=True).clamp_min(1e-12)
        hidden = representation
        if self.w1 is not None:
            hidden = torch.relu(hidden @ self.w1 + self.b1)
        return torch.softmax(hidden @ self.w2 + self.b2, dim=1), representation


def export_onnx(backbone: str, model: TrainedModel) -> bytes:
    size = backbone_spec(backbone).preprocessing.image_size
    module = ExportedClassifier(backbone, model).eval()
    photo = torch.zeros(1, 2, size, size, 3, dtype=torch.uint8)
    import io
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (photo,),
            buffer,
            dynamo=False,
            input_names=["pictures"],
            output_names=["probabilities", "features"],
            dynamic_axes={"pictures": {0: "batch"}, "probabilities": {0: "batch"}, "features": {0: "batch"}},
            opset_version=17,
        )
    return buffer.getvalue()


def labels_json(backbone: str, model: TrainedModel, *, version: int | None = None, name: str = "") -> str:
    prep = backbone_spec(backbone).preprocessing
    return json.dumps(
        {
            "classifier": name,
            "version": version,
            "labels": model.labels,
            "backbone": backbone,
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


__all__ = ["export_onnx", "labels_json", "readme", "onnx_bytes"]
