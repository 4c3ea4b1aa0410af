"""Quantizers a test names in quantize.QUANTIZER: the child process that builds an int8 twin imports the one
named, so these run where the real quantizer would, for a fraction of its half minute."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

# A real int8 twin the test put beside the float file under this name (not an .onnx name, so the cache's
# clean-up of stale files leaves it alone).
READY_MADE = "ready-made-int8-twin.bin"


# Each call of copy_ready_made adds a line here, so a test counts the quantizings.
CALLS = "quantized.log"


def copy_ready_made(source: Path, output: Path, inputs: np.ndarray) -> None:
    """The real twin, quantized once per test session: the child still pays for the check."""
    with open(source.parent / CALLS, "a") as log:
        log.write(f"{output.name}\n")
    shutil.copy(source.parent / READY_MADE, output)


def damaged(source: Path, output: Path, inputs: np.ndarray) -> None:
    """A twin that went wrong: the first convolutions' weights badly rounded."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    rng = np.random.default_rng(0)
    for initializer in model.graph.initializer[:20]:
        weights = numpy_helper.to_array(initializer)
        if weights.ndim == 4:
            noisy = weights + rng.normal(0, weights.std() * 0.5, weights.shape).astype(weights.dtype)
            initializer.CopyFrom(numpy_helper.from_array(noisy, initializer.name))
    onnx.save(model, str(output))


def crashing(source: Path, output: Path, inputs: np.ndarray) -> None:
    raise MemoryError("the quantizer ran out of memory")
