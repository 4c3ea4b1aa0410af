"""The Batcher: concurrent callers share backbone calls, and each gets exactly its own answers and its own
refusals; a caller alone is answered at once, one waiting for company never past the bound, and a failing
call neither hangs nor poisons anyone else."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from classifiers.ml.batching import Batcher
from classifiers.ml.extract import Extractor
from classifiers.ml.predictor import PictureError, Predictor
from classifiers.ml.preprocess import ImageError
from classifiers.ml.training import train
from tests.classifiers.ml.conftest import DATA

GENEROUS = 60  # seconds: only there so a broken batcher fails the test instead of hanging it


class Numbers(Extractor):
    """A stand-in network that shows which rows it was given: a picture is a number, each of its views a
    row holding that number, and the "features" of a row are the number times ten. A picture named "bad"
    does not decode; a negative number breaks the network (for every row in that call)."""

    def __init__(self) -> None:
        super().__init__("efficientnet-lite0", threads=4)
        self.hold = threading.Event()
        self.hold.set()
        self.fail_next = False
        self.decode_gate: dict[str, threading.Event] = {}

    def _load(self, source, views):
        if source in self.decode_gate:
            self.decode_gate[source].wait(GENEROUS)
        if source == "bad":
            raise ImageError("This file is not a picture in a format we can read.")
        return np.full((len(views), 1), float(source), dtype=np.float32)

    def run(self, batch: np.ndarray) -> np.ndarray:
        self.hold.wait(GENEROUS)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the backbone call failed")
        if (batch < 0).any():
            raise RuntimeError("a row broke the network")
        return batch * 10


def features(embedded) -> list[float | None]:
    return [None if f is None else float(f[0, 0]) for f in embedded.features]


def in_thread(function, *args):
    """Run a call in a thread; the returned pair is (thread, box) with box["value"] or box["error"]."""
    box: dict = {}

    def call() -> None:
        try:
            box["value"] = function(*args)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            box["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, box


def wait_until(condition) -> None:
    deadline = time.monotonic() + GENEROUS
    while not condition():
        assert time.monotonic() < deadline, "the batcher never got there"
        time.sleep(0.005)


def test_callers_held_behind_one_call_share_the_next_and_each_gets_its_own_rows():
    network = Numbers()
    batcher = Batcher(network, max_wait=GENEROUS, max_rows=64)
    network.hold.clear()
    first, first_box = in_thread(batcher.embed, ["1000"])
    wait_until(lambda: len(batcher.calls) == 1)  # the first call is in the network, held there
    requests = [[str(n), str(n + 1), str(n + 2)] for n in range(0, 30, 3)]  # ten callers, three pictures each
    running = [in_thread(batcher.embed, pictures) for pictures in requests]
    wait_until(lambda: len(batcher._queue) == len(requests))
    network.hold.set()
    for thread, _ in [(first, first_box), *running]:
        thread.join(GENEROUS)

    assert features(first_box["value"]) == [10000.0]
    for pictures, (_, box) in zip(requests, running, strict=True):
        assert features(box["value"]) == [float(p) * 10 for p in pictures]
        assert all(f.shape == (2, 1) for f in box["value"].features)
    # One call for the first caller, then one for all ten others: 10 callers × 3 pictures × 2 views.
    assert list(batcher.calls) == [2, 60]


def test_a_big_request_is_split_at_the_row_bound_and_keeps_its_order():
    batcher = Batcher(Numbers(), max_wait=0.0, max_rows=8)
    pictures = [str(n) for n in range(11)]
    assert features(batcher.embed(pictures)) == [n * 10.0 for n in range(11)]
    assert max(batcher.calls) <= 8 and sum(batcher.calls) == 22


def test_a_bad_picture_is_refused_in_its_own_request_only():
    network = Numbers()
    batcher = Batcher(network, max_wait=GENEROUS, max_rows=64)
    network.hold.clear()
    first, _ = in_thread(batcher.embed, ["7"])
    wait_until(lambda: len(batcher.calls) == 1)
    damaged, damaged_box = in_thread(batcher.embed, ["1", "bad", "2"])
    clean, clean_box = in_thread(batcher.embed, ["3"])
    wait_until(lambda: len(batcher._queue) == 2)
    network.hold.set()
    for thread in (first, damaged, clean):
        thread.join(GENEROUS)

    assert features(damaged_box["value"]) == [10.0, None, 20.0]
    assert set(damaged_box["value"].failures) == {1}
    assert damaged_box["value"].errors[1].startswith("This file is not a picture")
    assert features(clean_box["value"]) == [30.0] and not clean_box["value"].errors
    assert list(batcher.calls) == [2, 6]  # the damaged picture never reached the network


def test_a_caller_alone_is_answered_at_once_whatever_the_wait_bound():
    batcher = Batcher(Numbers(), max_wait=3600, max_rows=64)
    thread, box = in_thread(batcher.embed, ["5"])
    thread.join(GENEROUS)
    assert not thread.is_alive() and features(box["value"]) == [50.0]
    assert list(batcher.calls) == [2]


def test_a_caller_waits_for_one_still_decoding_no_longer_than_the_bound():
    network = Numbers()
    network.decode_gate["2"] = threading.Event()
    batcher = Batcher(network, max_wait=0.05, max_rows=64)
    slow, slow_box = in_thread(batcher.embed, ["2"])
    wait_until(lambda: batcher._decoding == 1)
    quick, quick_box = in_thread(batcher.embed, ["1"])
    quick.join(GENEROUS)
    # Answered on its own while the other caller is still decoding: the wait ended at the bound.
    assert features(quick_box["value"]) == [10.0] and slow.is_alive()
    assert list(batcher.calls) == [2]
    network.decode_gate["2"].set()
    slow.join(GENEROUS)
    assert features(slow_box["value"]) == [20.0] and list(batcher.calls) == [2, 2]


def test_a_failed_call_is_that_callers_error_and_the_batcher_goes_on():
    network = Numbers()
    batcher = Batcher(network, max_wait=0.0)
    network.fail_next = True
    with pytest.raises(RuntimeError, match="the backbone call failed"):
        batcher.embed(["1"])
    assert features(batcher.embed(["2", "3"])) == [20.0, 30.0]


def test_a_row_that_breaks_a_shared_call_fails_only_its_own_caller():
    network = Numbers()
    batcher = Batcher(network, max_wait=GENEROUS, max_rows=64)
    network.hold.clear()
    first, _ = in_thread(batcher.embed, ["9"])
    wait_until(lambda: len(batcher.calls) == 1)
    poisoned, poisoned_box = in_thread(batcher.embed, ["-1"])
    healthy, healthy_box = in_thread(batcher.embed, ["4", "6"])
    wait_until(lambda: len(batcher._queue) == 2)
    network.hold.set()
    for thread in (first, poisoned, healthy):
        thread.join(GENEROUS)

    assert "a row broke the network" in str(poisoned_box["error"])
    assert features(healthy_box["value"]) == [40.0, 60.0]
    assert sorted(list(batcher.calls)[1:]) == [2, 4, 6]  # the shared call, then each caller alone
    assert features(batcher.embed(["8"])) == [80.0]


def clothing_pictures() -> list[bytes]:
    folders = [DATA / "clothing" / name for name in ("hat", "pants", "shoes")]
    return [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.jpg"))[:5]]


def test_real_pictures_from_many_threads_get_the_answers_they_get_alone(extractor, clothing):
    model = train(clothing.features, clothing.y, clothing.classes, seed=0).model
    pictures = clothing_pictures()
    alone = [Predictor(extractor, model).predict([picture])[0] for picture in pictures]
    batcher = Batcher(extractor, max_wait=0.005)
    requests = [pictures[i : i + 2] for i in range(0, len(pictures), 2)] + [[b"not a picture"]]
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        answers = list(pool.map(lambda request: Predictor(batcher, model).predict(request), requests))

    assert isinstance(answers[-1][0], PictureError) and answers[-1][0].index == 0
    batched = [answer for request in answers[:-1] for answer in request]
    assert [a["label"] for a in batched] == [a["label"] for a in alone]
    for got, expected in zip(batched, alone, strict=True):
        assert got["probabilities"] == pytest.approx(expected["probabilities"], abs=1e-4)
        assert got["unknown"] == expected["unknown"]
    assert sum(batcher.calls) == 2 * len(pictures)
