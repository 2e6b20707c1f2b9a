"""Many short trainings of the same fully connected network at once: one result per seed, in one pass.

A claim such as "dropout narrows the gap" must hold over several seeds (initial weights, batch order,
dropout masks), not for one lucky run. ``train_runs`` trains R runs of ``mlp(sizes, dropout, seed)`` with
mini-batch SGD side by side: the weights of all runs are stacked on a first axis, (R, D, M), and every step is
one batched matrix product per layer instead of R small ones. Each run draws its random numbers exactly as
``dlcourse.training.train`` would (batch order and augmentation from ``default_rng(seed)``, dropout masks
from the network's own ``Dropout`` layers), so a run equals ``train(mlp(sizes, dropout, seed), SGD(lr), ...)``
up to round-off; with ``weight_decay`` λ every weight matrix's gradient gets + λ·W before the step. A run's
own ``lr`` (a random search tries one per run) replaces the ``lr`` given to ``train_runs``.
"""
from dataclasses import dataclass

import numpy as np

from .layers import Affine, Dropout
from .training import History
from .widgets.overfitting import mlp


@dataclass
class Run:
    """One training: its seed, dropout rate, L2 strength λ, ``augment(xb, rng) -> xb`` (or None), and whether
    to measure every epoch (``curves=True``) or only the last ``last`` epochs (faster; enough for a summary);
    ``lr`` None trains with the learning rate given to ``train_runs``."""

    seed: int = 0
    dropout: float = 0.0
    weight_decay: float = 0.0
    augment: object = None
    curves: bool = True
    last: int = 5
    lr: float = None


def _accuracy_and_loss(weights, biases, X, t):
    """(R,) accuracies and mean losses of every run on (X, t), in evaluation mode (no dropout)."""
    n_runs, d, m = weights[0].shape
    h = (X @ weights[0].transpose(1, 0, 2).reshape(d, n_runs * m)).reshape(len(X), n_runs, m).transpose(1, 0, 2)
    h = h + biases[0][:, None, :]          # the first layer for every run as one product: X is shared
    for k, (W, b) in enumerate(zip(weights, biases)):
        if k > 0:
            h = h @ W + b[:, None, :]
        if k < len(weights) - 1:
            h = np.maximum(h, 0.0)
    shifted = h - h.max(axis=2, keepdims=True)
    log_total = np.log(np.exp(shifted).sum(axis=2))
    loss = (log_total - shifted[:, np.arange(len(t)), t]).mean(axis=1)
    return (h.argmax(axis=2) == t).mean(axis=1), loss


def train_runs(sizes, runs, X_train, t_train, X_val, t_val, epochs=60, batch_size=20, lr=0.1):
    """Train every Run of ``runs`` side by side; returns [(History, trained Sequential)] in the order of runs.

    sizes: e.g. (64, 128, 128, 10); X_train: (N, D); t_train: (N,) class indices. The Histories hold
    train/val accuracy and loss per measured epoch (every epoch, or the last ``run.last`` epochs when
    ``run.curves`` is False), measured like ``train`` does (evaluation mode, whole sets).
    """
    X_train, t_train = np.asarray(X_train, dtype=np.float64), np.asarray(t_train)
    X_val, t_val = np.asarray(X_val, dtype=np.float64), np.asarray(t_val)
    nets = [mlp(sizes, dropout=run.dropout, seed=run.seed) for run in runs]
    affines = [[layer for layer in net.layers if isinstance(layer, Affine)] for net in nets]
    dropouts = [[layer for layer in net.layers if isinstance(layer, Dropout)] for net in nets]
    weights = [np.stack([a[k].params["W"] for a in affines]) for k in range(len(sizes) - 1)]   # (R, D, M)
    biases = [np.stack([a[k].params["b"] for a in affines]) for k in range(len(sizes) - 1)]    # (R, M)
    decay = np.array([run.weight_decay for run in runs])[:, None, None]
    rates = np.array([lr if run.lr is None else run.lr for run in runs])[:, None, None]           # (R, 1, 1)
    rngs = [np.random.default_rng(run.seed) for run in runs]
    histories = [History() for _ in runs]
    n, n_runs = len(X_train), len(runs)
    for epoch in range(epochs):
        orders = [rng.permutation(n) for rng in rngs]
        for start in range(0, n, batch_size):
            index = [order[start:start + batch_size] for order in orders]
            xb = np.stack([X_train[i] if run.augment is None else run.augment(X_train[i], rng)
                           for i, run, rng in zip(index, runs, rngs)])                          # (R, B, D)
            tb = np.stack([t_train[i] for i in index])                                          # (R, B)
            inputs, relu_masks, drop_masks, h = [], [], [], xb
            for k, (W, b) in enumerate(zip(weights, biases)):
                inputs.append(h)
                h = h @ W + b[:, None, :]
                if k < len(weights) - 1:                                       # hidden: ReLU, then dropout
                    relu_masks.append(h > 0)
                    h = np.maximum(h, 0.0)
                    mask = np.stack([d[k].rng.random(h.shape[1:]) >= d[k].ratio if d else np.ones(h.shape[1:], bool)
                                     for d in dropouts]).astype(np.float64)   # drawn as Dropout.forward does
                    rate = np.array([d[k].ratio if d else 0.0 for d in dropouts])[:, None, None]
                    mask /= 1.0 - rate
                    drop_masks.append(mask)
                    h = h * mask
            batch = h.shape[1]
            y = np.exp(h - h.max(axis=2, keepdims=True))
            y /= y.sum(axis=2, keepdims=True)
            y[np.arange(n_runs)[:, None], np.arange(batch)[None, :], tb] -= 1.0
            dout = y / batch
            for k in range(len(weights) - 1, -1, -1):
                if k < len(weights) - 1:
                    dout = dout * drop_masks[k] * relu_masks[k]
                grad_W = inputs[k].transpose(0, 2, 1) @ dout + decay * weights[k]
                grad_b = dout.sum(axis=1)
                if k > 0:
                    dout = dout @ weights[k].transpose(0, 2, 1)
                weights[k] -= rates * grad_W
                biases[k] -= rates[:, 0] * grad_b
        measured = [r for r, run in enumerate(runs) if run.curves or epoch >= epochs - run.last]
        if not measured:
            continue
        chosen_weights, chosen_biases = [W[measured] for W in weights], [b[measured] for b in biases]
        for data, prefix in (((X_train, t_train), "train"), ((X_val, t_val), "val")):
            accuracy, loss = _accuracy_and_loss(chosen_weights, chosen_biases, *data)
            for position, r in enumerate(measured):
                histories[r][f"{prefix}_acc"].append(float(accuracy[position]))
                histories[r][f"{prefix}_loss"].append(float(loss[position]))
    for r, layers in enumerate(affines):
        for k, layer in enumerate(layers):
            layer.params["W"][...] = weights[k][r]
            layer.params["b"][...] = biases[k][r]
    return list(zip(histories, nets))
