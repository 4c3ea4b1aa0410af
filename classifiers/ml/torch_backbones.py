"""The backbones as PyTorch modules: the reference feature extractor, and the source of the ONNX export.

Kept apart from backbones.py so that importing the registry does not load PyTorch (about 500 MB a process).
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from classifiers.ml.backbones import backbone_spec, weights_path


class PooledFeatures(nn.Module):
    """The backbone up to global average pooling: one `dim`-long vector a picture (timm's num_classes=0)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network.extract_features(images).mean(dim=(2, 3))


def build_network(name: str) -> nn.Module:
    """The whole ImageNet network (with its 1000-class layer), weights loaded, in eval mode, frozen."""
    from efficientnet_lite_pytorch import EfficientNet

    backbone_spec(name)
    network = EfficientNet.from_name(name)
    state = torch.load(weights_path(name), map_location="cpu", weights_only=True)
    network.load_state_dict(state, strict=True)
    network.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


@cache
def torch_backbone(name: str) -> PooledFeatures:
    """The PyTorch reference feature extractor (cached per process: building it costs ~0.2 s)."""
    return PooledFeatures(build_network(name)).eval()
