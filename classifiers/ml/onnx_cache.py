"""The backbone exported to ONNX once and kept in a cache folder the caller names.

The file name carries the weights fingerprint, so a new weights (or architecture) package gives a new file
and the old one is removed. Files are written to a temporary name and renamed into place: two processes
exporting at once both end with a complete file, never a half-written one.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

from classifiers.ml.backbones import backbone_spec, weights_fingerprint

OPSET = 17


def onnx_bytes(module, photo, *, input_name: str, output_name: str) -> bytes:
    """Export a torch module with a variable batch size. The TorchScript exporter is used: it needs no extra
    packages and gives a graph ONNX Runtime fuses well (measured 5x PyTorch eager on 2 cores)."""
    import torch  # only to export: a process that finds the file cached never loads PyTorch

    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (photo,),
            buffer,
            dynamo=False,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return buffer.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def float_path(name: str, cache_dir: str | Path) -> Path:
    """Where the float export of today's weights lives (whether or not it was exported yet)."""
    return Path(cache_dir) / f"{name}-{weights_fingerprint(name)}.onnx"


def backbone_onnx_path(name: str, cache_dir: str | Path) -> Path:
    """The ONNX file of this backbone's feature extractor, exported now if missing or out of date."""
    path = float_path(name, cache_dir)
    if not path.exists():
        from classifiers.ml.child import run_in_child

        run_in_child("classifiers.ml.onnx_cache:export_backbone", name, str(path))
    return path


def export_backbone(name: str, path: str) -> None:
    """Export to `path` now, loading PyTorch: backbone_onnx_path runs this in a child process (child.py)."""
    import torch

    from classifiers.ml.torch_backbones import torch_backbone

    path = Path(path)
    size = backbone_spec(name).preprocessing.image_size
    data = onnx_bytes(torch_backbone(name), torch.zeros(1, 3, size, size), input_name="images", output_name="features")
    write_atomically(path, data)
    remove_stale(path.parent, f"{name}-", keep={path}, skip=f"{name}-int8-")


def remove_stale(cache_dir: Path, prefix: str, *, keep: set[Path], skip: str = "") -> None:
    """Files of an older fingerprint for this backbone (and precision): `skip` keeps the float clean-up off
    the int8 twins, which quantize.py cleans up itself."""
    for stale in cache_dir.glob(f"{prefix}*"):
        ours = stale.suffix == ".onnx" or stale.name.endswith(".refused.json")
        if ours and stale not in keep and not (skip and stale.name.startswith(skip)):
            stale.unlink(missing_ok=True)
