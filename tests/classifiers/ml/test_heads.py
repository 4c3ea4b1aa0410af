"""Heads: exact in the training span, balanced across classes, the same for the same seed."""

from __future__ import annotations

import numpy as np

from classifiers.ml.heads import (
    LOGISTIC,
    MLP,
    PARALLEL_ROWS,
    HeadConfig,
    balanced_weights,
    fit_heads,
    fitting_threads,
    span_basis,
)
from classifiers.ml.training import represent


def test_a_seed_gives_the_same_heads_every_time(clothing):
    x = represent(clothing.features)
    tasks = [
        (HeadConfig(LOGISTIC, 10.0), np.ones(len(x), bool)),
        (HeadConfig(MLP, 10.0, hidden=64), np.ones(len(x), bool)),
    ]
    first = fit_heads(x, clothing.y, 3, tasks, seed=7)
    again = fit_heads(x, clothing.y, 3, tasks, seed=7)
    for a, b in zip(first, again, strict=True):
        for name, value in a.arrays().items():
            np.testing.assert_array_equal(value, b.arrays()[name])


def test_both_heads_learn_the_training_photos(clothing):
    x = represent(clothing.features)
    for config in (HeadConfig(LOGISTIC, 10.0), HeadConfig(MLP, 10.0, hidden=64)):
        head = fit_heads(x, clothing.y, 3, [(config, np.ones(len(x), bool))], seed=0)[0]
        assert np.mean(head.logits(x).argmax(axis=1) == clothing.y) == 1.0, config.key
        assert np.allclose(head.probabilities(x).sum(axis=1), 1.0, atol=1e-5)


def test_a_class_with_few_photos_weighs_as_much_as_a_class_with_many():
    y = np.array([0] * 30 + [1] * 5)
    weights = balanced_weights(y, np.ones((1, len(y)), bool), 2)[0]
    assert weights[y == 0].sum() == weights[y == 1].sum()


def test_fitting_in_the_span_of_the_photos_gives_the_full_space_solution(clothing):
    """The representer theorem shortcut changes nothing: same logits as fitting all 1280 dimensions."""
    x = represent(clothing.features)[:20]
    y = clothing.y[:20] % 2
    if len(set(y)) < 2:
        y[:10] = 0
        y[10:] = 1
    config = HeadConfig(LOGISTIC, 10.0)
    in_span = fit_heads(x, y, 2, [(config, np.ones(20, bool))])[0]
    padded = np.concatenate([x, np.zeros((1300, x.shape[1]), np.float32)])  # more rows than dims: no projection
    weights = np.concatenate([np.ones(20, bool), np.zeros(1300, bool)])
    full = fit_heads(padded, np.concatenate([y, np.zeros(1300, np.int64)]), 2, [(config, weights)])[0]
    assert np.abs(in_span.logits(x) - full.logits(x)).max() < 1e-2


def test_the_mlps_written_out_gradients_and_adam_match_autograd_and_torch_optim():
    # The MLP is trained without autograd for speed: its hand-written gradients and Adam step must be
    # the very ones PyTorch computes for the objective in _fit_mlp's docstring.
    import torch

    from classifiers.ml.heads import _Adam, _mlp_gradients

    rng = np.random.default_rng(0)
    t, n, d, hidden, k = 3, 20, 8, 5, 4
    x = torch.from_numpy(rng.normal(size=(n, d)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, k, n))
    onehot = torch.nn.functional.one_hot(y, k).float()
    w = torch.from_numpy(rng.uniform(0.0, 2.0, size=(t, n)).astype(np.float32))
    c = torch.tensor([[1.0], [10.0], [30.0]])
    norm = w.sum(dim=1, keepdim=True)
    params = [torch.from_numpy(rng.normal(size=shape).astype(np.float32)) for shape in
              [(t, d, hidden), (t, 1, hidden), (t, hidden, k), (t, 1, k)]]

    def objective(w1, b1, w2, b2):
        logits = torch.bmm(torch.relu(torch.matmul(x, w1) + b1), w2) + b2
        cross_entropy = -(onehot * torch.log_softmax(logits, dim=2)).sum(dim=2)  # [t, n]
        penalty = 0.5 * ((w1 * w1).sum(dim=(1, 2)) + (w2 * w2).sum(dim=(1, 2)))[:, None] / c
        return (((w * cross_entropy).sum(dim=1, keepdim=True) + penalty) / norm).sum()

    leaves = [p.clone().requires_grad_() for p in params]
    objective(*leaves).backward()
    written = _mlp_gradients(x, onehot, (w / norm)[:, :, None], (1.0 / (c * norm))[:, :, None], *params)
    for ours, theirs in zip(written, leaves, strict=True):
        torch.testing.assert_close(ours, theirs.grad, rtol=1e-4, atol=1e-5)

    ours = [p.clone() for p in params]
    theirs = [p.clone().requires_grad_() for p in params]
    adam = _Adam(ours, lr=0.02, steps=4)
    optimiser = torch.optim.Adam(theirs, lr=0.02)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=4)
    gradients = [torch.from_numpy(rng.normal(size=p.shape).astype(np.float32)) for p in params]
    for step in range(4):
        with torch.no_grad():
            adam.step(step, gradients)
        for param, gradient in zip(theirs, gradients, strict=True):
            param.grad = gradient.clone()
        optimiser.step()
        schedule.step()
    for mine, reference in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, reference.detach(), rtol=1e-5, atol=1e-6)


def test_small_head_problems_fit_on_one_thread_and_big_ones_on_the_threads_the_process_allows():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with fitting_threads(PARALLEL_ROWS - 1):
            assert torch.get_num_threads() == 1
        with fitting_threads(PARALLEL_ROWS):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def _logistic_minimum(x: np.ndarray, y: np.ndarray, k: int, c: float) -> np.ndarray:
    """Logits of the minimiser of C * sum_i w_i * CE_i + 1/2 ||W||^2 found the plain way: autograd and
    L-BFGS in the features' own coordinates, run to a far tighter tolerance than the app uses."""
    import torch

    xs = torch.from_numpy(x.astype(np.float64))
    target = torch.from_numpy(y)
    weights = torch.from_numpy(balanced_weights(y, np.ones((1, len(y)), bool), k)[0] * c)
    weight = torch.zeros(x.shape[1], k, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=20_000, tolerance_grad=1e-10, tolerance_change=0,
                                  history_size=50, line_search_fn="strong_wolfe")

    def objective():
        optimiser.zero_grad()
        cross_entropy = torch.nn.functional.cross_entropy(xs @ weight + bias, target, reduction="none")
        loss = (weights * cross_entropy).sum() + 0.5 * (weight * weight).sum()
        loss.backward()
        return loss

    optimiser.step(objective)
    return (xs @ weight + bias).detach().numpy()


def test_the_logistic_head_is_the_minimum_of_its_objective_with_fewer_or_more_photos_than_dimensions(clothing):
    # The app fits in principal coordinates with a preconditioned solver; none of that may change the answer.
    x = represent(clothing.features)
    rng = np.random.default_rng(0)
    more_rows = represent(np.concatenate([x, x + 0.05 * rng.normal(size=x.shape)])[:, :40])  # 96 photos, 40 dims
    for features, y in ((x, clothing.y), (more_rows, np.concatenate([clothing.y, clothing.y]))):
        head = fit_heads(features, y, 3, [(HeadConfig(LOGISTIC, 30.0), np.ones(len(y), bool))])[0]
        assert np.abs(head.logits(features) - _logistic_minimum(features, y, 3, 30.0)).max() < 2e-3


def test_the_fitting_basis_is_orthonormal_with_the_leading_directions_first(clothing):
    x = represent(clothing.features)
    for features in (x, x[:, :40]):  # 48 photos in 1280 dimensions, and in 40
        basis = span_basis(features)
        np.testing.assert_allclose(basis.T @ basis, np.eye(basis.shape[1]), atol=1e-4)
        spread = np.linalg.norm(features @ basis, axis=0)
        assert np.all(np.diff(spread) <= 1e-5)
        # Nothing of the photos is lost: they are rebuilt from their coordinates.
        np.testing.assert_allclose(features @ basis @ basis.T, features, atol=1e-4)
