"""Activation and loss functions of lectures 01, 02 and 04.

Every function works on one sample (1-D) or a batch whose first axis is the sample axis. Losses are
averaged over the batch. Labels ``t`` may be one-hot (same shape as ``y``) or class indices.
"""
import numpy as np

from ._validate import float_array, labels_to_indices


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Any shape."""
    x = float_array(x, "x", "sigmoid")
    # exp(-log(1 + e^-x)) never overflows: logaddexp handles both tails
    return np.exp(-np.logaddexp(0.0, -x))


def tanh(x):
    """Hyperbolic tangent, zero-centred, range (-1, 1). Any shape."""
    return np.tanh(float_array(x, "x", "tanh"))


def relu(x):
    """ReLU(x) = max(0, x). Any shape."""
    return np.maximum(float_array(x, "x", "relu"), 0.0)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha * x otherwise (the notes' "generalised ReLU" uses alpha = 0.1). Any shape."""
    x = float_array(x, "x", "leaky_relu")
    return np.where(x > 0, x, alpha * x)


def log_softmax(x):
    """log(softmax(x)) along the last axis, exact even for logits of ±1e4 (no exp of a large number)."""
    x = float_array(x, "x", "log_softmax")
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """Softmax along the last axis: exp(x_k - max) / sum_j exp(x_j - max); each row sums to 1.

    Subtracting the maximum changes nothing mathematically and keeps exp from overflowing.
    x: (C,) or (N, C). Example: softmax([0.7, 1.3, 5.1, 2.2, 1.1])[2] ≈ 0.90.
    """
    x = float_array(x, "x", "softmax")
    if x.ndim == 0:
        raise ValueError("softmax: x must have at least one axis (the classes), got a scalar")
    exp = np.exp(x - x.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def _as_batch(y, t, where, name="y"):
    y = float_array(y, name, where)
    if y.ndim == 1:
        y = y[np.newaxis, :]
        t = np.asarray(t)
        t = t[np.newaxis] if t.ndim in (0, 1) else t
    if y.ndim != 2:
        raise ValueError(f"{where}: {name} must have shape (C,) or (N, C), got {y.shape}")
    return y, t


def cross_entropy_error(y, t):
    """Cross-entropy error E = -(1/N) Σ_n log y[n, t_n], averaged over the batch.

    Only the probability given to the true class is charged. y: (C,) or (N, C) probabilities (e.g. a
    softmax output); t: one-hot like y, or class indices (scalar or (N,)). log(0) is never taken: a
    probability of exactly 0 is floored at the smallest normal float (np.finfo(dtype).tiny, 2.2e-308 in
    float64), giving a large finite loss, at most 708.4 in float64: computed from the logits
    (layers.SoftmaxWithLoss) it stays exact.
    Example: cross_entropy_error(softmax([0.7, 1.3, 5.1, 2.2, 1.1]), 2) ≈ 0.105.
    """
    y, t = _as_batch(y, t, "cross_entropy_error")
    n, n_classes = y.shape
    t_arr = np.asarray(t)
    tiny = np.finfo(y.dtype).tiny
    if t_arr.shape == y.shape:
        # one-hot (or soft) targets: -Σ t log y
        t_arr = float_array(t_arr, "t", "cross_entropy_error")
        return float(-(t_arr * np.log(np.maximum(y, tiny))).sum() / n)
    idx = labels_to_indices(t_arr, n, n_classes, "cross_entropy_error")
    return float(-np.log(np.maximum(y[np.arange(n), idx], tiny)).sum() / n)


def _hinge_margins(scores, t, delta, where):
    """(margins (N, C), class indices (N,), scores (N, C)): max(0, s_j - s_y + Δ), 0 in the true class's column."""
    scores, t = _as_batch(scores, t, where, name="scores")
    if not (np.isfinite(delta) and delta >= 0):
        raise ValueError(f"{where}: delta is the margin Δ the true class must win by and must be >= 0, got {delta}")
    n, n_classes = scores.shape
    idx = labels_to_indices(t, n, n_classes, where)
    true_scores = scores[np.arange(n), idx][:, np.newaxis]
    margins = np.maximum(0.0, scores - true_scores + delta)
    margins[np.arange(n), idx] = 0.0  # the sum runs over j ≠ y_i: the true class never charges itself Δ
    return margins, idx, scores


def svm_loss(scores, t, delta=1.0):
    """Multiclass SVM (hinge) loss, averaged over the batch: L = (1/N) Σ_i L_i with

        L_i = Σ_{j≠y_i} max(0, s_j - s_{y_i} + Δ).

    A wrong class j costs nothing once the true class's score beats it by the margin Δ; unlike the
    cross-entropy error, a loss of exactly 0 is reached. scores: (C,) or (N, C) raw scores (no softmax);
    t: class indices (scalar or (N,)) or one-hot like scores; delta: the margin Δ >= 0.
    Example: svm_loss([3.2, 5.1, -1.7], 0) = max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9.
    """
    margins, _, scores = _hinge_margins(scores, t, delta, "svm_loss")
    return float(margins.sum() / scores.shape[0])


def svm_loss_and_grad_scores(scores, t, delta=1.0):
    """svm_loss and its gradient with respect to the scores: (L, dL/ds), dL/ds shaped like scores.

    Every wrong class j whose margin is violated (s_j - s_{y_i} + Δ > 0) gets +1/N, and the true class
    gets -1/N for each of them; where the margin is met the gradient is 0 (at exactly 0, the kink, 0 too).
    For a linear classifier s = x·W + b this gives dW = xᵀ·(dL/ds) and db = Σ_i dL/ds.
    """
    margins, idx, scores_2d = _hinge_margins(scores, t, delta, "svm_loss_and_grad_scores")
    n = scores_2d.shape[0]
    dscores = (margins > 0).astype(scores_2d.dtype)
    dscores[np.arange(n), idx] = -dscores.sum(axis=1)
    dscores /= n
    return float(margins.sum() / n), dscores.reshape(np.shape(scores))


def mean_squared_error(y, t):
    """Squared error with the notes' convention: E = 0.5 * Σ_k (y_k - t_k)² per sample, averaged over N.

    The 0.5 makes the derivative simply (y - t). y: (C,) or (N, C); t: same shape, or class indices
    (turned into one-hot targets).
    """
    y, t = _as_batch(y, t, "mean_squared_error")
    n, n_classes = y.shape
    t_arr = np.asarray(t)
    if t_arr.shape != y.shape:  # class indices -> one-hot targets
        idx = labels_to_indices(t_arr, n, n_classes, "mean_squared_error")
        t_arr = np.eye(n_classes, dtype=y.dtype)[idx]
    t_arr = float_array(t_arr, "t", "mean_squared_error")
    return float(0.5 * ((y - t_arr) ** 2).sum() / n)


def binary_cross_entropy(p, t):
    """Binary cross-entropy -(1/N) Σ [t log p + (1 - t) log(1 - p)] for a sigmoid output p ∈ [0, 1].

    p and t: same shape, any; averaged over all entries. Probabilities are floored away from 0 and 1.
    """
    p = float_array(p, "p", "binary_cross_entropy")
    t = float_array(t, "t", "binary_cross_entropy")
    if p.shape != t.shape:
        raise ValueError(f"binary_cross_entropy: p and t must have the same shape, got {p.shape} and {t.shape}")
    tiny = np.finfo(p.dtype).tiny
    loss = -(t * np.log(np.maximum(p, tiny)) + (1 - t) * np.log(np.maximum(1 - p, tiny)))
    return float(loss.mean())
