"""Small classifiers trained with PyTorch on frozen features: multinomial logistic regression and a
one-hidden-layer MLP.

Many heads are trained at once (every cross-validation fold x every candidate setting) as one batched
problem, so choosing a head by cross-validation costs about as much as fitting one.

Regularisation follows scikit-learn's convention so the numbers mean the familiar thing:
    minimise  C * sum_i w_i * loss_i  +  1/2 * ||weights||^2      (biases are not penalised)
with w_i the "balanced" class weight of photo i (n / (classes * n_class)), so a class with few photos
counts as much as a class with many.

Only fitting needs PyTorch and imports it where it fits; a trained Head answers with numpy alone, so web
processes that serve predictions never load PyTorch (about 500 MB a process).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

LOGISTIC = "logistic"
MLP = "mlp"
MLP_STEPS = 120
MLP_INPUT = 128
# Gradient tolerance of the preconditioned logistic solve (see _fit_logistic). Measured against 1e-4 on
# the shared sets' features (100 to 3,000 photos): logits within 0.015 (of a range of about 10), the same
# answer for every photo, the same cross-validation figures, and 1.5-2x less time; 1e-2 changed answers.
LBFGS_TOLERANCE = 1e-3
LBFGS_MAX_ITER = 300


@dataclass(frozen=True)
class HeadConfig:
    kind: str
    c: float
    hidden: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}(C={self.c:g}" + (f", hidden={self.hidden})" if self.kind == MLP else ")")

    def as_dict(self) -> dict:
        return {"kind": self.kind, "c": self.c, "hidden": self.hidden}

    @classmethod
    def from_dict(cls, data: dict) -> HeadConfig:
        return cls(kind=data["kind"], c=float(data["c"]), hidden=int(data.get("hidden", 0)))


@dataclass
class Head:
    """A trained head in numpy: logits = relu(x @ w1 + b1) @ w2 + b2 (MLP) or x @ w2 + b2 (logistic)."""

    config: HeadConfig
    w2: np.ndarray
    b2: np.ndarray
    w1: np.ndarray | None = None
    b1: np.ndarray | None = None

    def logits(self, x: np.ndarray) -> np.ndarray:
        if self.w1 is not None:
            x = np.maximum(x @ self.w1 + self.b1, 0.0)
        return x @ self.w2 + self.b2

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.logits(x))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"w2": self.w2, "b2": self.b2}
        if self.w1 is not None:
            out |= {"w1": self.w1, "b1": self.b1}
        return out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def balanced_weights(y: np.ndarray, mask: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-photo weights [tasks, n]: zero outside a task's training rows, balanced by class inside."""
    onehot = np.eye(n_classes, dtype=np.float64)[y]  # [n, k]
    counts = mask.astype(np.float64) @ onehot  # [tasks, k]
    present = (counts > 0).sum(axis=1, keepdims=True)
    per_class = np.where(counts > 0, mask.sum(axis=1, keepdims=True) / np.maximum(present * counts, 1), 0.0)
    return (per_class @ onehot.T) * mask


def span_basis(x: np.ndarray) -> np.ndarray:
    """An orthonormal basis [d, r] of the rows of x, leading directions (largest variance) first.

    An L2-regularised linear model's solution lies in the span of its training rows (representer
    theorem), so fitting in these r <= n coordinates and mapping back is exact. With a few dozen photos it
    is 10-20x less work than fitting in all 1280 feature dimensions; it is computed from the n x n Gram
    matrix (an eigendecomposition of 100 x 100 instead of an SVD of 100 x 1280). With more photos than
    dimensions the basis is a rotation of the feature space (from the d x d scatter matrix): no smaller, but
    its coordinates are the principal directions, which the logistic solver's preconditioning and the MLP's
    leading inputs both rely on.
    """
    import torch  # only when fitting: serving predictions never loads PyTorch

    with fitting_threads(len(x)):
        rows = torch.from_numpy(x.astype(np.float64))
        few_rows = rows.shape[0] < rows.shape[1]
        values, vectors = torch.linalg.eigh(rows @ rows.T if few_rows else rows.T @ rows)
        order = torch.argsort(values, descending=True)
        values, vectors = values[order], vectors[:, order]
        keep = values > values[0].clamp(min=0) * 1e-10
        basis = rows.T @ vectors[:, keep] / values[keep].sqrt() if few_rows else vectors[:, keep]
    return basis.numpy().astype(np.float32)


def fit_heads(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    tasks: list[tuple[HeadConfig, np.ndarray]],
    *,
    seed: int = 0,
    project: bool = True,
) -> list[Head]:
    """Train one head per (config, training-row mask) on features x [n, d] with labels y [n].

    project=True fits in the span of x and returns heads for x's own coordinates; callers that fit many
    times on the same rows project once themselves (x @ span_basis(x)) and pass project=False.
    """
    basis = span_basis(x) if project else None
    z = x @ basis if basis is not None else x
    with fitting_threads(len(z)):
        heads = _fit_heads(z, y, n_classes, tasks, seed=seed)
    return [unproject(head, basis) for head in heads]


# Below this many rows a head problem is too small for a second thread to pay: hand-offs cost more than
# they save (measured 3x slower with 2 threads on a busy 2-core machine). From about a thousand photos the
# matrix products dominate, and the process's threads (2 here) fit the same heads 1.5-1.8x faster
# (measured, 10 classes: 1,000 photos 10.4 -> 6.8 s, 3,000 photos 67.5 -> 36.9 s; 100-300 photos: no gain).
PARALLEL_ROWS = 1000


@contextmanager
def fitting_threads(rows: int) -> Iterator[None]:
    """One PyTorch thread for a small head problem, the process's own setting for a big one."""
    import torch  # only when fitting: serving predictions never loads PyTorch

    before = torch.get_num_threads()
    torch.set_num_threads(1 if rows < PARALLEL_ROWS else before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _fit_heads(
    z: np.ndarray, y: np.ndarray, n_classes: int, tasks: list[tuple[HeadConfig, np.ndarray]], *, seed: int
) -> list[Head]:
    heads: list[Head | None] = [None] * len(tasks)
    groups: dict[tuple[str, int], list[int]] = {}
    for index, (config, _) in enumerate(tasks):
        groups.setdefault((config.kind, config.hidden), []).append(index)
    for (kind, hidden), indices in groups.items():
        configs = [tasks[i][0] for i in indices]
        weights = balanced_weights(y, np.stack([tasks[i][1] for i in indices]), n_classes)
        if kind == LOGISTIC:
            trained = _fit_logistic(z, y, n_classes, configs, weights)
        else:
            trained = _fit_mlp(z, y, n_classes, configs, weights, hidden=hidden, seed=seed)
        for i, head in zip(indices, trained, strict=True):
            heads[i] = head
    return heads  # type: ignore[return-value]


def unproject(head: Head, basis: np.ndarray | None) -> Head:
    """A head fitted on x @ basis, rewritten to take x itself."""
    if basis is None:
        return head
    if head.w1 is not None:
        return Head(head.config, head.w2, head.b2, w1=(basis @ head.w1).astype(np.float32), b1=head.b1)
    return Head(head.config, (basis @ head.w2).astype(np.float32), head.b2)


def _fit_logistic(z: np.ndarray, y: np.ndarray, k: int, configs: list[HeadConfig], weights: np.ndarray) -> list[Head]:
    """One L-BFGS solve per task in float64 (convex: the result does not depend on a seed).

    Tasks are solved one by one, each starting from the previous task's solution: cross-validation folds
    and neighbouring C values have nearby optima, so later solves take a fraction of the iterations.
    (One joint solve over all tasks was measured 10x slower: the shared line search serves none well.)

    Each solve is preconditioned: L-BFGS works on weight = scale * v, with scale chosen so that every
    coordinate of v has about unit curvature (the loss curves at most 1/4 * C * sum w_i z_ij^2 along
    coordinate j, plus 1 from the penalty; feature coordinates differ in variance by orders of magnitude).
    The objective is unchanged, so is its optimum; only the path is shorter: measured 20-30 % fewer
    objective evaluations at the same tolerance on the shared sets' features (100 to 3,000 photos). The
    scaling is diagonal, so z should come in principal coordinates (span_basis), where the curvature is
    close to diagonal.
    """
    import torch  # only when fitting: serving predictions never loads PyTorch
    import torch.nn.functional as F

    x = torch.from_numpy(z.astype(np.float64))
    target = torch.from_numpy(y).long()
    d = x.shape[1]
    start_weight = torch.zeros(d, k, dtype=torch.float64)
    start_bias = torch.zeros(k, dtype=torch.float64)
    heads = []
    for config, row_weights in zip(configs, weights, strict=True):
        rows = torch.from_numpy(np.flatnonzero(row_weights > 0))
        xs, onehot = x[rows], F.one_hot(target[rows], k).to(torch.float64)
        ws = (torch.from_numpy(row_weights[row_weights > 0]) * config.c)[:, None]
        scale = 1.0 / torch.sqrt(1.0 + 0.25 * (ws * xs * xs).sum(dim=0))  # [d]
        bias_scale = 1.0 / torch.sqrt(0.25 * ws.sum())
        v = (start_weight / scale[:, None]).requires_grad_()
        u = (start_bias / bias_scale).requires_grad_()
        optimiser = torch.optim.LBFGS(
            [v, u],
            lr=1,
            max_iter=LBFGS_MAX_ITER,
            history_size=10,
            tolerance_grad=LBFGS_TOLERANCE,
            tolerance_change=1e-10,
            line_search_fn="strong_wolfe",
        )
        closure = _logistic_objective(xs, onehot, ws, scale, bias_scale, v, u)
        with torch.no_grad():
            optimiser.step(closure)
        start_weight, start_bias = (v * scale[:, None]).detach(), (u * bias_scale).detach()
        heads.append(Head(config, start_weight.numpy().astype(np.float32), start_bias.numpy().astype(np.float32)))
    return heads


def _logistic_objective(xs, onehot, ws, scale, bias_scale, v, u):
    """C * sum_i w_i * CE_i + 1/2 ||W||^2 with W = scale * v and bias = bias_scale * u, and its gradient in
    (v, u), written out: autograd's bookkeeping costs more than the arithmetic on problems this small
    (measured 2x)."""
    import torch  # only when fitting: serving predictions never loads PyTorch

    scaled = xs * scale  # xs @ (scale * v) == (xs * scale) @ v
    penalty = (scale * scale)[:, None]

    def closure() -> torch.Tensor:
        logits = scaled @ v + bias_scale * u
        logits = logits - logits.max(dim=1, keepdim=True).values
        log_norm = torch.log(torch.exp(logits).sum(dim=1, keepdim=True))
        log_p = logits - log_norm
        loss = -(ws * onehot * log_p).sum() + 0.5 * (penalty * v * v).sum()
        residual = ws * (torch.exp(log_p) - onehot)  # d loss / d logits
        v.grad = scaled.T @ residual + penalty * v
        u.grad = bias_scale * residual.sum(dim=0)
        return loss

    return closure


def _fit_mlp(
    z: np.ndarray, y: np.ndarray, k: int, configs: list[HeadConfig], weights: np.ndarray, *, hidden: int, seed: int
) -> list[Head]:
    """Full-batch Adam (PyTorch's defaults, cosine-annealed learning rate) for a fixed number of steps from a
    seeded start: deterministic for a seed. All tasks train at once as one batched problem.

    The MLP sees only the leading MLP_INPUT coordinates (with span coordinates: the principal directions):
    its first layer is then up to 10x smaller, and directions of tiny variance carry mostly noise.

    Gradients and the Adam update are written out: on problems this small autograd, torch.optim and the
    scheduler cost more than the arithmetic (measured 2.5x slower for 5 folds x 100 photos, same weights
    to 1e-6).
    """
    import torch  # only when fitting: serving predictions never loads PyTorch

    width = z.shape[1]
    z = z[:, :MLP_INPUT]
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(z.astype(np.float32))
    onehot = torch.nn.functional.one_hot(torch.from_numpy(y).long(), k).float()
    w = torch.from_numpy(weights.astype(np.float32))
    c = torch.tensor([cfg.c for cfg in configs], dtype=torch.float32)[:, None]
    t, d = len(configs), x.shape[1]
    w1 = torch.randn(t, d, hidden, generator=generator) * (2.0 / d) ** 0.5
    b1 = torch.zeros(t, 1, hidden)
    w2 = torch.randn(t, hidden, k, generator=generator) * (1.0 / hidden) ** 0.5
    b2 = torch.zeros(t, 1, k)
    # Objective per task, scaled to a mean so one learning rate suits any number of photos:
    #     (sum_i w_i * CE_i + 1/2 * (||w1||^2 + ||w2||^2) / C) / sum_i w_i
    norm = w.sum(dim=1, keepdim=True).clamp(min=1.0)
    row_scale = (w / norm)[:, :, None]  # [t, n, 1]
    decay = (1.0 / (c * norm))[:, :, None]  # [t, 1, 1]
    adam = _Adam([w1, b1, w2, b2], lr=0.02, steps=MLP_STEPS)
    with torch.no_grad():
        for step in range(MLP_STEPS):
            adam.step(step, _mlp_gradients(x, onehot, row_scale, decay, w1, b1, w2, b2))
    heads = []
    for i, cfg in enumerate(configs):
        first = np.zeros((width, hidden), dtype=np.float32)  # zero rows: coordinates the MLP does not use
        first[: x.shape[1]] = w1[i].numpy()
        heads.append(Head(cfg, w2[i].numpy().copy(), b2[i, 0].numpy().copy(), w1=first, b1=b1[i, 0].numpy().copy()))
    return heads


def _mlp_gradients(x, onehot, row_scale, decay, w1, b1, w2, b2) -> list:
    """Gradients of every task's objective (see _fit_mlp) with respect to [w1, b1, w2, b2]."""
    import torch

    before_relu = torch.matmul(x, w1) + b1  # [t, n, hidden]
    hidden_out = before_relu.clamp(min=0)
    logits = torch.bmm(hidden_out, w2) + b2  # [t, n, k]
    d_logits = (torch.softmax(logits, dim=2) - onehot) * row_scale
    d_before_relu = torch.bmm(d_logits, w2.transpose(1, 2)) * (before_relu > 0)
    return [
        torch.matmul(x.T, d_before_relu) + w1 * decay,
        d_before_relu.sum(dim=1, keepdim=True),
        torch.bmm(hidden_out.transpose(1, 2), d_logits) + w2 * decay,
        d_logits.sum(dim=1, keepdim=True),
    ]


class _Adam:
    """torch.optim.Adam's update (betas 0.9/0.999, eps 1e-8) with CosineAnnealingLR(T_max=steps), in place."""

    def __init__(self, params: list, *, lr: float, steps: int) -> None:
        import torch

        self.params, self.lr, self.steps = params, lr, steps
        self.first = [torch.zeros_like(p) for p in params]
        self.second = [torch.zeros_like(p) for p in params]

    def step(self, step: int, gradients: list) -> None:
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        lr = self.lr * (1 + math.cos(math.pi * step / self.steps)) / 2
        correction1, correction2 = 1 - beta1 ** (step + 1), 1 - beta2 ** (step + 1)
        for param, gradient, first, second in zip(self.params, gradients, self.first, self.second, strict=True):
            first.mul_(beta1).add_(gradient, alpha=1 - beta1)
            second.mul_(beta2).addcmul_(gradient, gradient, value=1 - beta2)
            param.addcdiv_(first, (second.sqrt() / math.sqrt(correction2)).add_(eps), value=-lr / correction1)
