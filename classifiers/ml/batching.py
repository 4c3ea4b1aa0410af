"""Concurrent predictions in one process share backbone calls.

A web process answers several requests at once (gunicorn's threads). Run apart, each request's picture makes
a backbone call of two rows (its two views), and those calls fight over the same cores, each paying the
network's fixed cost per call. The Batcher gathers them: callers decode their own pictures (in parallel:
Pillow releases the GIL), hand the arrays to one serving thread, and wait; that thread runs everything
waiting as one call and hands each caller its own rows back.

How long a batch waits for company: while the backbone is busy the next batch gathers by itself, so the
serving thread only waits for callers that are decoding right now (they are about to arrive), and never
longer than `max_wait` after the first one in the batch arrived. A caller alone is answered at once.

A failure in a shared call is retried one caller at a time, so a picture that breaks the network fails only
its own request; a damaged picture never gets that far (decoding refuses it, in its caller's thread).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from classifiers.ml.extract import Embedded, Extractor, Source
from classifiers.ml.preprocess import VIEWS, ImageError

DEFAULT_MAX_WAIT = 0.005
# Rows (pictures × views) in one backbone call: 4 pictures. On CPU a bigger call is not cheaper per row, it
# is dearer (the activations outgrow the caches): the ONNX session alone took 6.5 ms of CPU a row at 2 rows,
# 7.7 at 8, 8.5 at 16 and 9.2 at 32 (EfficientNet-Lite0, 2 threads, no spinning; best of three runs of 96
# rows on the 2-core machine). Sharing a call saves the fight of concurrent calls over the cores, not work.
DEFAULT_MAX_ROWS = 8


@dataclass(eq=False)
class _Job:
    batch: np.ndarray  # float32 [rows, 3, S, S]
    arrived: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    output: np.ndarray | None = None
    error: BaseException | None = None


class Batcher:
    """An extractor's `embed`, answered through shared backbone calls. One per extractor per process
    (`batcher_for`); thread-safe."""

    def __init__(
        self,
        extractor: Extractor,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        max_rows: int = DEFAULT_MAX_ROWS,
        decoders: int | None = None,
    ) -> None:
        self.extractor = extractor
        # Threads decoding the pictures of one request that sends several: as many as the extractor's own
        # unless told (a web process's session may have fewer threads than the machine has cores).
        self.decoders = decoders or extractor.threads
        self.spec = extractor.spec
        self.max_pixels = extractor.max_pixels
        self.max_wait = max(0.0, max_wait)
        self.max_rows = max(1, max_rows)
        # Rows of each backbone call, newest last: what the tests and the load benchmark look at.
        self.calls: deque[int] = deque(maxlen=10_000)
        self._start()

    def _start(self) -> None:
        # Also after a fork: the child has the parent's objects but none of its threads.
        self._pid = os.getpid()
        self._ready = threading.Condition(threading.Lock())
        self._queue: deque[_Job] = deque()
        self._decoding = 0
        self._decoders = ThreadPoolExecutor(max_workers=self.decoders, thread_name_prefix="predict-decode")
        self._thread = threading.Thread(target=self._serve, name="predict-batcher", daemon=True)
        self._thread.start()

    def embed(self, sources: Sequence[Source], *, views: Sequence[str] = VIEWS) -> Embedded:
        """The same answer as `Extractor.embed` (features per picture, or its ImageError)."""
        if self._pid != os.getpid():
            self._start()
        result = Embedded(features=[None] * len(sources))
        if not sources:
            return result
        per_job = max(1, self.max_rows // len(views))
        jobs: list[tuple[list[int], _Job]] = []
        with self._ready:
            self._decoding += 1
        try:
            for start in range(0, len(sources), per_job):
                arrays, owners = self._decode(sources, range(start, min(start + per_job, len(sources))), views, result)
                if arrays:
                    jobs.append((owners, self._submit(np.concatenate(arrays))))
        finally:
            with self._ready:
                self._decoding -= 1
                self._ready.notify()
        for owners, job in jobs:
            output = self._wait(job)
            for position, index in enumerate(owners):
                result.features[index] = output[position * len(views) : (position + 1) * len(views)].copy()
        return result

    def _decode(
        self, sources: Sequence[Source], chunk: range, views: Sequence[str], result: Embedded
    ) -> tuple[list[np.ndarray], list[int]]:
        def load(index: int) -> np.ndarray | ImageError:
            try:
                return self.extractor._load(sources[index], views)
            except ImageError as exc:
                return exc

        # One picture decodes in its caller's thread: handing it to the pool would only add a hop.
        loaded = [load(chunk[0])] if len(chunk) == 1 else list(self._decoders.map(load, chunk))
        arrays, owners = [], []
        for index, item in zip(chunk, loaded, strict=True):
            if isinstance(item, ImageError):
                result.errors[index] = str(item)
                result.failures[index] = item
            else:
                arrays.append(item)
                owners.append(index)
        return arrays, owners

    def _submit(self, batch: np.ndarray) -> _Job:
        job = _Job(batch)
        with self._ready:
            self._queue.append(job)
            self._ready.notify()
        return job

    def _wait(self, job: _Job) -> np.ndarray:
        # The serving thread answers every job it takes, even on failure; the liveness check only guards
        # against waiting forever on a thread that is gone.
        while not job.done.wait(1.0):
            if not self._thread.is_alive():
                raise RuntimeError("The prediction batcher stopped; the picture was not answered.")
        if job.error is not None:
            raise job.error
        return job.output  # type: ignore[return-value]

    def _serve(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                deadline = self._queue[0].arrived + self.max_wait
                while self._decoding and sum(len(job.batch) for job in self._queue) < self.max_rows:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._ready.wait(left)
                jobs = [self._queue.popleft()]
                rows = len(jobs[0].batch)
                while self._queue and rows + len(self._queue[0].batch) <= self.max_rows:
                    rows += len(self._queue[0].batch)
                    jobs.append(self._queue.popleft())
            self._run(jobs)

    def _run(self, jobs: list[_Job]) -> None:
        try:
            self.calls.append(sum(len(job.batch) for job in jobs))
            output = self.extractor.run(np.concatenate([job.batch for job in jobs]))
            start = 0
            for job in jobs:
                job.output = output[start : start + len(job.batch)]
                start += len(job.batch)
        except Exception as exc:
            if len(jobs) > 1:
                for job in jobs:
                    self._run([job])
                return
            jobs[0].error = exc
        except BaseException as exc:
            for job in jobs:
                job.error = exc
            raise
        finally:
            for job in jobs:
                if job.output is not None or job.error is not None:
                    job.done.set()


_batchers: dict[tuple, Batcher] = {}
_lock = threading.Lock()


def batcher_for(
    extractor: Extractor,
    *,
    max_wait: float = DEFAULT_MAX_WAIT,
    max_rows: int = DEFAULT_MAX_ROWS,
    decoders: int | None = None,
) -> Batcher:
    """The process's one Batcher for this extractor (and bounds)."""
    key = (id(extractor), max_wait, max_rows, decoders)
    with _lock:
        batcher = _batchers.get(key)
        if batcher is None or batcher.extractor is not extractor:
            batcher = _batchers[key] = Batcher(extractor, max_wait=max_wait, max_rows=max_rows, decoders=decoders)
        return batcher


__all__ = ["Batcher", "batcher_for", "DEFAULT_MAX_WAIT", "DEFAULT_MAX_ROWS"]
