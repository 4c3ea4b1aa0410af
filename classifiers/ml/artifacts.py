"""A trained model on disk: model.json (labels, backbone, preprocessing, head kind, thresholds, metrics)
and arrays.npz (head weights, unknown-detection bank). No pickle anywhere: loading runs no code.

A version folder is written under a temporary name and renamed into place, so a reader sees a whole
version or none (a crash mid-write leaves only a `.tmp-*` folder, never a half version).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from classifiers.ml.backbones import backbone_spec
from classifiers.ml.heads import Head, HeadConfig
from classifiers.ml.preprocess import VIEWS
from classifiers.ml.training import TrainedModel
from classifiers.ml.unknown import UnknownDetector

FORMAT = "nanoweb-model/1"


class ArtifactError(ValueError):
    pass


def save(
    model: TrainedModel, folder: str | Path, *, backbone: str, metrics: dict | None = None, extra: dict | None = None
) -> Path:
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".tmp-{folder.name}-"))
    try:
        meta = {
            "format": FORMAT,
            "backbone": backbone,
            "preprocessing": backbone_spec(backbone).preprocessing.as_dict(),
            "views": list(VIEWS),
            "representation": "l2-normalised mean of l2-normalised view features",
            "labels": model.labels,
            "head": model.head.config.as_dict(),
            "unknown": model.unknown.as_dict(),
            "metrics": metrics or {},
            **(extra or {}),
        }
        (tmp / "model.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        arrays = {f"head_{name}": value for name, value in model.head.arrays().items()}
        arrays["unknown_bank"] = model.unknown.bank.astype(np.float16)  # halves the size; scores move < 1e-3
        with open(tmp / "arrays.npz", "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        if folder.exists():
            raise ArtifactError(f"{folder} already exists; versions are never overwritten")
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def load(folder: str | Path) -> tuple[TrainedModel, dict]:
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text())
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"model files in {folder} cannot be read: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise ArtifactError(f"{folder} holds format {meta.get('format')!r}, expected {FORMAT!r}")
    head = Head(
        HeadConfig.from_dict(meta["head"]),
        w2=arrays["head_w2"],
        b2=arrays["head_b2"],
        w1=arrays.get("head_w1"),
        b1=arrays.get("head_b1"),
    )
    unknown = UnknownDetector(
        bank=arrays["unknown_bank"].astype(np.float32),
        threshold=float(meta["unknown"]["threshold"]),
        neighbours=int(meta["unknown"]["neighbours"]),
        refuse_threshold=meta["unknown"].get("refuse_threshold"),  # absent in older versions
    )
    return TrainedModel(labels=list(meta["labels"]), head=head, unknown=unknown), meta
