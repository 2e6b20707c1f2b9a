"""Several seeds side by side: a small fully-connected network trained once per seed, as one stack of weights.

A lecture that says "ReLU with He weights trains, the sigmoid with Xavier weights does not" must see it for more
than one random initialisation and one batch order. ``train_seeds`` trains S copies of the same network at once:
copy s draws its initial weights from ``np.random.default_rng(seed)`` (layer by layer, like
``dlcourse.widgets.activations.deep_network``) and shuffles the training set with its own
``np.random.default_rng(seed)``, one pass per epoch, with plain SGD on the softmax cross-entropy. Every weight array
carries a leading seed axis, W: (S, fan_in, fan_out), so five seeds cost little more than one. With
``batchnorm=True`` every hidden layer is Affine, then batch normalisation, then the activation: the same network as
``Sequential([Affine, BatchNorm, activation, ..., Affine])`` of ``dlcourse.layers``, trained by ``dlcourse.train``.

>>> result = train_seeds([64, 32, 10], "ReLU", [np.sqrt(2 / 64), np.sqrt(1 / 32)], X, t, X_val, t_val)
>>> result.val_accuracy.shape            # (seeds, epochs)
(5, 5)
"""
from dataclasses import dataclass

import numpy as np

from .functions import log_softmax, softmax


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # σ(a) without overflow in exp(-a)


# name -> (activation h = f(a), its derivative dh/da from a and h)
ACTIVATIONS = {
    "none": (lambda a: a, lambda a, h: np.ones_like(a)),
    "ReLU": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(a.dtype)),
    "sigmoid": (_sigmoid, lambda a, h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda a, h: 1.0 - h ** 2),
    # the notes' generalised ReLU, max(0.1·a, a): dlcourse.layers.LeakyReLU(alpha=0.1)
    "Leaky ReLU": (lambda a: np.where(a > 0, a, 0.1 * a), lambda a, h: np.where(a > 0, 1.0, 0.1)),
}


@dataclass
class BatchNormState:
    """The batch normalisation of one hidden layer for every seed: learned γ, β and the running averages.

    Each array is (S, 1, M). In training a layer normalises with its batch's mean and (biased) variance and
    updates ``running = momentum · running + (1 - momentum) · batch value``; in evaluation it uses the running
    averages (``dlcourse.layers.BatchNorm`` with the same momentum and eps).
    """
    gamma: np.ndarray
    beta: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    momentum: float = 0.9
    eps: float = 1e-5


@dataclass
class SeedRuns:
    """What ``train_seeds`` measured; the first axis of every array is the seed."""
    seeds: list
    weights: list          # final W of every layer, each (S, fan_in, fan_out)
    initial_weights: list  # the same before training
    biases: list           # final b of every layer, each (S, 1, fan_out)
    train_accuracy: np.ndarray  # (S,) after the last epoch
    val_accuracy: np.ndarray    # (S, epochs), after every epoch; empty without validation data
    batchnorm: list = None      # a BatchNormState per hidden layer with batchnorm=True, else None
    train_loss: np.ndarray = None  # (S, steps): the loss of every training batch, as it was trained on


def _normalise(a, norm, train):
    """Batch normalisation of a (S, N, M) by the BatchNormState ``norm``; returns (out, x̂, σ) and, in training,
    updates the running averages."""
    if train:
        mean = a.mean(axis=1, keepdims=True)
        var = ((a - mean) ** 2).mean(axis=1, keepdims=True)
        norm.running_mean = norm.momentum * norm.running_mean + (1.0 - norm.momentum) * mean
        norm.running_var = norm.momentum * norm.running_var + (1.0 - norm.momentum) * var
    else:
        mean, var = norm.running_mean, norm.running_var
    std = np.sqrt(var + norm.eps)
    x_hat = (a - mean) / std
    return norm.gamma * x_hat + norm.beta, x_hat, std


def forward(weights, biases, activation, X, batchnorm=None, train=False):
    """Scores (S, N, C) of the stacked networks for X (N, D) or (S, N, D); every layer's (input, a) for backward.

    a is what enters the activation: the weighted sum, or with ``batchnorm`` (a BatchNormState per hidden layer)
    its normalised, scaled and shifted version, from the batch's statistics if ``train`` (which updates the running
    averages), else from the running averages.
    """
    scores, cache, _ = _forward(weights, biases, activation, X, batchnorm, train)
    return scores, cache


def _forward(weights, biases, activation, X, batchnorm, train):
    f, _ = ACTIVATIONS[activation]
    h = X if X.ndim == 3 else np.broadcast_to(X, (len(weights[0]),) + X.shape)   # (S, N, D)
    cache, normalised = [], []
    for k, (W, b) in enumerate(zip(weights, biases)):
        a = h @ W + b
        last = k == len(weights) - 1
        if batchnorm is not None and not last:
            a, x_hat, std = _normalise(a, batchnorm[k], train)
            normalised.append((x_hat, std))
        cache.append((h, a))
        h = a if last else f(a)
    return h, cache, normalised


def accuracy(weights, biases, activation, X, t, batchnorm=None):
    """(S,) accuracy of every seed's network on (X, t), in evaluation mode."""
    with np.errstate(over="ignore", invalid="ignore"):   # a diverged seed's scores may be inf or NaN
        scores, _ = forward(weights, biases, activation, X, batchnorm)
    return np.mean(scores.argmax(axis=-1) == t, axis=-1)


def train_seeds(sizes, activation, stds, X, t, X_val=None, t_val=None, seeds=range(5), epochs=5, batch_size=32,
                learning_rate=0.1, batchnorm=False, momentum=0.9):
    """Train one network per seed with plain SGD; returns a SeedRuns.

    sizes: [D, hidden..., C]; activation: a key of ACTIVATIONS, used after every layer but the last;
    stds: the standard deviation of the initial weights of every layer (len(sizes) - 1 numbers); biases start at 0.
    batchnorm: normalise every hidden layer's weighted sums before the activation (γ starts at 1, β at 0, learned
    with the weights; ``momentum`` for the running averages, as ``dlcourse.layers.BatchNorm``). A seed whose loss
    turns NaN or inf stops learning there (its weights stay as they were, its accuracy counts as it is).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"train_seeds: activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    if len(stds) != len(sizes) - 1:
        raise ValueError(f"train_seeds: {len(sizes) - 1} layers need {len(sizes) - 1} stds, got {len(stds)}")
    seeds = list(seeds)
    init_rngs = [np.random.default_rng(seed) for seed in seeds]
    weights = [np.stack([rng.standard_normal((fan_in, fan_out)) * std for rng in init_rngs])
               for fan_in, fan_out, std in zip(sizes[:-1], sizes[1:], stds)]
    biases = [np.zeros((len(seeds), 1, fan_out)) for fan_out in sizes[1:]]
    initial_weights = [W.copy() for W in weights]
    norms = None
    if batchnorm:
        norms = [BatchNormState(np.ones((len(seeds), 1, m)), np.zeros((len(seeds), 1, m)),
                                np.zeros((len(seeds), 1, m)), np.ones((len(seeds), 1, m)), momentum=momentum)
                 for m in sizes[1:-1]]
    _, derivative = ACTIVATIONS[activation]
    shuffle_rngs = [np.random.default_rng(seed) for seed in seeds]
    one_hot = np.eye(sizes[-1])[t]
    val_accuracy, losses = [], []
    alive = np.ones((len(seeds), 1, 1))          # 0 for a seed whose loss is no longer finite
    for _ in range(epochs):
        orders = np.stack([rng.permutation(len(X)) for rng in shuffle_rngs])   # (S, N)
        for first in range(0, len(X), batch_size):
            batch = orders[:, first:first + batch_size]                         # (S, B)
            with np.errstate(all="ignore"):                                     # a diverging seed may overflow
                scores, cache, normalised = _forward(weights, biases, activation, X[batch], norms, train=True)
                y = softmax(scores)
                log_y = log_softmax(scores)                                     # exact, also where y rounds to 0
                loss = -np.take_along_axis(log_y, t[batch][..., None], axis=2).mean(axis=(1, 2))
                alive *= np.isfinite(scores).all(axis=(1, 2))[:, None, None]
                losses.append(np.where(alive[:, 0, 0] > 0, loss, np.inf))
                delta = np.nan_to_num((y - one_hot[batch]) / batch.shape[1]) * alive   # dL/dscores, (S, B, C)
                for k in range(len(weights) - 1, -1, -1):
                    h, a = cache[k]
                    grad_W, grad_b = np.swapaxes(h, 1, 2) @ delta, delta.sum(axis=1, keepdims=True)
                    if k > 0:
                        a_below, h_below = cache[k - 1][1], h   # layer k's input is the output of layer k - 1
                        delta = (delta @ np.swapaxes(weights[k], 1, 2)) * derivative(a_below, h_below)
                        if norms is not None:
                            delta = _normalise_backward(delta, norms[k - 1], *normalised[k - 1], learning_rate)
                    weights[k] -= learning_rate * np.nan_to_num(grad_W)
                    biases[k] -= learning_rate * np.nan_to_num(grad_b)
        if X_val is not None:
            val_accuracy.append(accuracy(weights, biases, activation, X_val, t_val, norms))
    return SeedRuns(seeds=seeds, weights=weights, initial_weights=initial_weights, biases=biases,
                    train_accuracy=accuracy(weights, biases, activation, X, t, norms),
                    val_accuracy=np.array(val_accuracy).T if val_accuracy else np.empty((len(seeds), 0)),
                    batchnorm=norms, train_loss=np.array(losses).T if losses else np.empty((len(seeds), 0)))


def _normalise_backward(dout, norm, x_hat, std, learning_rate):
    """dL/d(weighted sums) from dL/d(normalised output) (S, B, M), through the batch's mean and variance; one SGD
    step for γ and β."""
    grad_gamma = (dout * x_hat).sum(axis=1, keepdims=True)
    grad_beta = dout.sum(axis=1, keepdims=True)
    dx_hat = dout * norm.gamma
    m = dout.shape[1]
    dx = (m * dx_hat - dx_hat.sum(axis=1, keepdims=True) - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (
        m * std)
    norm.gamma = norm.gamma - learning_rate * np.nan_to_num(grad_gamma)
    norm.beta = norm.beta - learning_rate * np.nan_to_num(grad_beta)
    return dx


@dataclass
class CurveFits:
    """What ``fit_one_hidden_layer`` measured; the first axis of every array is the seed."""
    seeds: list
    params: dict           # "W1" (S, 1, width), "b1" (S, 1, width), "W2" (S, width, 1), "b2" (S, 1, 1)
    activation: str
    rms_error: np.ndarray  # (S,) √(mean (y − t)²) on the training points after the last step

    def predict(self, x):
        """(S, N, 1) outputs of every seed's network for x (N, 1)."""
        f, _ = ACTIVATIONS[self.activation]
        p = self.params
        return f(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def fit_one_hidden_layer(x, t, width, activation="ReLU", seeds=range(5), steps=1000, learning_rate=0.01):
    """Fit t ≈ f(x·W1 + b1)·W2 + b2, one hidden layer of ``width`` units, for every seed; returns a CurveFits.

    x, t: (N, 1). Full-batch Adam (``dlcourse.optim.Adam``) on the loss 0.5·mean((y − t)²), ``steps`` updates.
    Seed s draws, from ``np.random.default_rng(s)``, W1 ~ N(0, 2) (He for one input), the kink points c ~ U(−1, 1)
    of the units (b1 = −c·W1, so a ReLU unit bends at x = c) and W2 ~ N(0, 1/width); b2 starts at 0. The same
    as ``Sequential([Affine(W1, b1), ReLU(), Affine(W2, b2)])`` trained step by step with Adam.
    """
    from .optim import Adam

    if activation not in ACTIVATIONS:
        raise ValueError(f"fit_one_hidden_layer: activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1 or t.shape != x.shape:
        raise ValueError(f"fit_one_hidden_layer: x and t must both be (N, 1), got x {x.shape} and t {t.shape}")
    seeds = list(seeds)
    drawn = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        W1 = rng.standard_normal((1, width)) * np.sqrt(2.0)
        kinks = rng.uniform(-1.0, 1.0, width)
        drawn.append((W1, -kinks * W1, rng.standard_normal((width, 1)) * np.sqrt(1.0 / width)))
    params = {"W1": np.stack([d[0] for d in drawn]), "b1": np.stack([d[1] for d in drawn]),
              "W2": np.stack([d[2] for d in drawn]), "b2": np.zeros((len(seeds), 1, 1))}
    f, derivative = ACTIVATIONS[activation]
    optimizer = Adam(learning_rate)       # elementwise, so one Adam over the stacked arrays is one Adam per seed
    for _ in range(steps):
        a = x @ params["W1"] + params["b1"]                      # (S, N, width)
        h = f(a)
        dy = (h @ params["W2"] + params["b2"] - t) / len(x)      # dL/dy of 0.5·mean((y − t)²), (S, N, 1)
        da = (dy @ np.swapaxes(params["W2"], 1, 2)) * derivative(a, h)
        grads = {"W1": x.T @ da, "b1": da.sum(axis=1, keepdims=True),
                 "W2": np.swapaxes(h, 1, 2) @ dy, "b2": dy.sum(axis=1, keepdims=True)}
        optimizer.update(params, grads)
    fits = CurveFits(seeds=seeds, params=params, activation=activation, rms_error=np.empty(len(seeds)))
    fits.rms_error = np.sqrt(np.mean((fits.predict(x) - t) ** 2, axis=(1, 2)))
    return fits
