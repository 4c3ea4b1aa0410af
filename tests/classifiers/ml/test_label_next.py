"""The "label these next" ranking (classifiers/ml/label_next.py): the least sure answers first, "none of these" and
two versions disagreeing count as doubt, and a near-copy of a photo already chosen comes after the others."""

from __future__ import annotations

import numpy as np

from classifiers.ml.label_next import DISAGREEMENT, MARGIN, UNKNOWN, doubts, most_useful_first, reasons, typicality


def unit(*vectors) -> np.ndarray:
    x = np.array(vectors, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_a_near_tie_is_more_doubtful_than_a_sure_answer():
    scored = doubts(np.array([[0.95, 0.05], [0.52, 0.48]]), np.array([False, False]))
    assert scored[1].score > scored[0].score
    assert abs(scored[1].margin - 0.04) < 1e-9 and (scored[1].top, scored[1].second) == (0, 1)
    assert [reasons(d) for d in scored] == [[MARGIN], [MARGIN]]


def test_none_of_these_and_a_disagreeing_version_add_doubt_and_say_so():
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1]])
    previous = np.array([[0.8, 0.2], [0.3, 0.7], [0.8, 0.2]])
    scored = doubts(probabilities, np.array([False, False, True]), previous)
    assert scored[1].score > scored[0].score and scored[2].score > scored[0].score
    assert scored[1].previous_top == 1 and scored[0].previous_top is None
    assert reasons(scored[1]) == [DISAGREEMENT, MARGIN]
    assert reasons(scored[2]) == [UNKNOWN, MARGIN]


def test_the_most_doubtful_comes_first_and_its_near_copy_after_a_different_photo():
    # Photo 0 and its near-copy 1 are the most doubtful (as doubtful as each other, give or take their
    # typicality); photo 2, a different picture, a little less so.
    x = unit([1, 0, 0], [0.99, 0.05, 0], [0, 1, 0], [0, 0, 1])
    order = most_useful_first(np.array([1.0, 0.99, 0.9, 0.1]), x, 4)
    first, copy = order[0], 1 - order[0]
    assert first in (0, 1) and order[1] == 2
    assert order.index(copy) > order.index(2)
    assert sorted(order) == [0, 1, 2, 3]


def test_without_likeness_the_order_is_by_doubt_and_it_stops_at_the_count():
    x = unit([1, 0, 0], [0, 1, 0], [0, 0, 1])  # nothing alike: doubt alone decides
    assert most_useful_first(np.array([0.2, 0.9, 0.5]), x, 2) == [1, 2]
    assert most_useful_first(np.array([0.2]), x[:1], 20) == [0]


def test_of_two_equally_doubtful_photos_the_typical_one_comes_first():
    # Photo 0 is odd (like none of the others); photos 1-4 are four different pictures of one kind. Photos 0
    # and 1 are as doubtful as each other: 1 stands for its kind, so it teaches more and comes first.
    x = unit([0, 0, 1], [1, 0.3, 0], [1, -0.3, 0], [1, 0, 0.3], [1, 0, -0.3])
    assert most_useful_first(np.array([0.8, 0.8, 0.5, 0.5, 0.5]), x, 5)[0] == 1
    typical = typicality(x)
    assert typical[0] < 0 < typical[1] and abs(typical.mean()) < 1e-9


def test_typicality_is_zero_where_there_is_nothing_to_compare():
    assert typicality(unit([1, 0, 0], [0, 1, 0])).tolist() == [0.0, 0.0]
    assert typicality(unit([1, 0, 0], [0, 1, 0], [0, 0, 1])).tolist() == [0.0, 0.0, 0.0]  # all equally alike
