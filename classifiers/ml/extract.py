"""Features for many pictures at once. ONNX Runtime is the fast path; PyTorch eager is the reference.

Decoding runs in a small thread pool one batch ahead of inference (Pillow and ONNX Runtime both release
the GIL), so the network is rarely waiting for JPEGs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifiers.ml.backbones import FLOAT, INT8, backbone_spec, check_precision
from classifiers.ml.onnx_cache import backbone_onnx_path
from classifiers.ml.preprocess import DEFAULT_MAX_PIXELS, VIEWS, ImageError, load_views

logger = logging.getLogger(__name__)

# A picture: its bytes, a file path, or a function that reads the bytes when the picture is decoded
# (so thousands of stored photos are never all in memory at once).
Source = bytes | str | Path | Callable[[], bytes]
Progress = Callable[[int, int], None]


@dataclass
class Embedded:
    """features[i] is [views, dim] for sources[i], or None when that picture failed (errors[i] says why, and
    failures[i] is the ImageError itself, so a caller can tell a picture too large from a damaged one)."""

    features: list[np.ndarray | None]
    errors: dict[int, str] = field(default_factory=dict)
    failures: dict[int, ImageError] = field(default_factory=dict)


class Extractor:
    """Turns pictures into [views, dim] feature arrays; subclasses run the network."""

    batch_size = 32

    def __init__(self, name: str, *, threads: int = 2, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.spec = backbone_spec(name)
        self.name = name
        self.threads = max(1, threads)
        self.max_pixels = max_pixels

    def run(self, batch: np.ndarray) -> np.ndarray:
        """float32 [N, 3, S, S] → float32 [N, dim]."""
        raise NotImplementedError

    def embed(
        self, sources: Sequence[Source], *, views: Sequence[str] = VIEWS, on_progress: Progress | None = None
    ) -> Embedded:
        result = Embedded(features=[None] * len(sources))
        if not sources:
            return result
        per_batch = max(1, self.batch_size // len(views))
        chunks = [range(start, min(start + per_batch, len(sources))) for start in range(0, len(sources), per_batch)]
        done = 0
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="decode") as pool:

            def decode(chunk: range) -> list[Future]:
                return [pool.submit(self._load, sources[i], views) for i in chunk]

            pending = decode(chunks[0])
            for number, chunk in enumerate(chunks):
                current = pending
                if number + 1 < len(chunks):
                    pending = decode(chunks[number + 1])  # decode the next batch while this one runs
                arrays, owners = [], []
                for index, future in zip(chunk, current, strict=True):
                    try:
                        arrays.append(future.result())
                        owners.append(index)
                    except ImageError as exc:
                        result.errors[index] = str(exc)
                        result.failures[index] = exc
                if arrays:
                    output = self.run(np.concatenate(arrays))
                    for position, index in enumerate(owners):
                        result.features[index] = output[position * len(views) : (position + 1) * len(views)].copy()
                done += len(chunk)
                if on_progress:
                    on_progress(done, len(sources))
        return result

    def _load(self, source: Source, views: Sequence[str]) -> np.ndarray:
        if callable(source):
            try:
                source = source()
            except OSError as exc:
                # Its path is for the operator's log, not for the person's page.
                logger.warning("A stored photo could not be read: %s", exc)
                raise ImageError("The stored file of this photo could not be read.") from None
        return load_views(source, self.spec.preprocessing, views, max_pixels=self.max_pixels)

    def embed_arrays(self, batch: np.ndarray) -> np.ndarray:
        outputs = [self.run(batch[start : start + self.batch_size]) for start in range(0, len(batch), self.batch_size)]
        return np.concatenate(outputs) if outputs else np.zeros((0, self.spec.dim), np.float32)


def backbone_model(name: str, precision: str, cache_dir: str | Path) -> tuple[Path, str]:
    """(the ONNX file to run, the precision it really has): an int8 twin that was refused falls back to the
    float model (quantize.py logs it), and callers record what was really used."""
    if check_precision(precision) == INT8:
        from classifiers.ml.quantize import int8_onnx_path

        path = int8_onnx_path(name, cache_dir)
        if path is not None:
            return path, INT8
    return backbone_onnx_path(name, cache_dir), FLOAT


class OnnxExtractor(Extractor):
    """`precision` is what was asked for; after construction it is what runs (float when the int8 twin was
    refused), which is what the feature cache and a version record.

    `spinning`: ONNX Runtime's threads busy-wait between the pieces of a call, which wins when one call
    owns the cores (embedding a training set) and loses when other processes need them too (web processes
    answering predictions next to each other: on the busy 2-core machine a 2-thread session took 14-16 ms of
    CPU a row spinning and 7-10 ms without)."""

    def __init__(
        self,
        name: str,
        *,
        cache_dir: str | Path,
        precision: str = FLOAT,
        threads: int = 2,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        spinning: bool = True,
    ) -> None:
        import onnxruntime as ort

        super().__init__(name, threads=threads, max_pixels=max_pixels)
        self.model_path, self.precision = backbone_model(name, precision, cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])

    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"images": np.ascontiguousarray(batch, dtype=np.float32)})[0]


class TorchExtractor(Extractor):
    """The reference: plain PyTorch eager on the same weights and the same preprocessing."""

    def __init__(self, name: str, *, threads: int = 2, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        from classifiers.ml.torch_backbones import torch_backbone

        super().__init__(name, threads=threads, max_pixels=max_pixels)
        self.module = torch_backbone(name)

    def run(self, batch: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.module(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))).numpy()


_extractors: dict[tuple, OnnxExtractor] = {}
_lock = threading.Lock()


def onnx_extractor(
    name: str,
    *,
    cache_dir: str | Path,
    precision: str = FLOAT,
    threads: int = 2,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    spinning: bool = True,
) -> OnnxExtractor:
    """One ONNX Runtime session per backbone and precision per process: building one costs about half a
    second (the first int8 one in a cache folder also quantizes, about half a minute)."""
    key = (name, precision, str(cache_dir), threads, max_pixels, spinning)
    with _lock:
        if key not in _extractors:
            _extractors[key] = OnnxExtractor(
                name, cache_dir=cache_dir, precision=precision, threads=threads, max_pixels=max_pixels,
                spinning=spinning,
            )
        return _extractors[key]
