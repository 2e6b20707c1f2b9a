"""Several seeds side by side: a small fully-connected network trained once per seed, as one stack of weights.

A lecture that says "ReLU with He weights trains, the sigmoid with Xavier weights does not" must see it for more
than one random initialisation and one batch order. ``train_seeds`` trains S copies of the same network at once:
copy s draws its initial weights from ``np.random.default_rng(seed)`` (layer by layer, like
``dlcourse.widgets.activations.deep_network``) and shuffles the training set with its own
``np.random.default_rng(seed)``, one pass per epoch, with plain SGD on the softmax cross-entropy. Every weight array
carries a leading seed axis, W: (S, fan_in, fan_out), so five seeds cost little more than one.

>>> result = train_seeds([64, 32, 10], "ReLU", [np.sqrt(2 / 64), np.sqrt(1 / 32)], X, t, X_val, t_val)
>>> result.val_accuracy.shape            # (seeds, epochs)
(5, 5)
"""
from dataclasses import dataclass

import numpy as np

from .functions import softmax


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # σ(a) without overflow in exp(-a)


# name -> (activation h = f(a), its derivative dh/da from a and h)
ACTIVATIONS = {
    "none": (lambda a: a, lambda a, h: np.ones_like(a)),
    "ReLU": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(a.dtype)),
    "sigmoid": (_sigmoid, lambda a, h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda a, h: 1.0 - h ** 2),
}


@dataclass
class SeedRuns:
    """What ``train_seeds`` measured; the first axis of every array is the seed."""
    seeds: list
    weights: list          # final W of every layer, each (S, fan_in, fan_out)
    initial_weights: list  # the same before training
    biases: list           # final b of every layer, each (S, 1, fan_out)
    train_accuracy: np.ndarray  # (S,) after the last epoch
    val_accuracy: np.ndarray    # (S, epochs), after every epoch; empty without validation data


def forward(weights, biases, activation, X):
    """Scores (S, N, C) of the stacked networks for X (N, D) or (S, N, D); every layer's (input, a) for backward."""
    f, _ = ACTIVATIONS[activation]
    h = X if X.ndim == 3 else np.broadcast_to(X, (len(weights[0]),) + X.shape)   # (S, N, D)
    cache = []
    for k, (W, b) in enumerate(zip(weights, biases)):
        a = h @ W + b
        last = k == len(weights) - 1
        cache.append((h, a))
        h = a if last else f(a)
    return h, cache


def accuracy(weights, biases, activation, X, t):
    """(S,) accuracy of every seed's network on (X, t)."""
    scores, _ = forward(weights, biases, activation, X)
    return np.mean(scores.argmax(axis=-1) == t, axis=-1)


def train_seeds(sizes, activation, stds, X, t, X_val=None, t_val=None, seeds=range(5), epochs=5, batch_size=32,
                learning_rate=0.1):
    """Train one network per seed with plain SGD; returns a SeedRuns.

    sizes: [D, hidden..., C]; activation: a key of ACTIVATIONS, used after every layer but the last;
    stds: the standard deviation of the initial weights of every layer (len(sizes) - 1 numbers); biases start at 0.
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
    _, derivative = ACTIVATIONS[activation]
    shuffle_rngs = [np.random.default_rng(seed) for seed in seeds]
    one_hot = np.eye(sizes[-1])[t]
    val_accuracy = []
    for _ in range(epochs):
        orders = np.stack([rng.permutation(len(X)) for rng in shuffle_rngs])   # (S, N)
        for first in range(0, len(X), batch_size):
            batch = orders[:, first:first + batch_size]                         # (S, B)
            scores, cache = forward(weights, biases, activation, X[batch])
            delta = (softmax(scores) - one_hot[batch]) / batch.shape[1]         # dL/dscores, (S, B, C)
            for k in range(len(weights) - 1, -1, -1):
                h, a = cache[k]
                grad_W, grad_b = np.swapaxes(h, 1, 2) @ delta, delta.sum(axis=1, keepdims=True)
                if k > 0:
                    a_below, h_below = cache[k - 1][1], h       # layer k's input is the output of layer k - 1
                    delta = (delta @ np.swapaxes(weights[k], 1, 2)) * derivative(a_below, h_below)
                weights[k] -= learning_rate * grad_W
                biases[k] -= learning_rate * grad_b
        if X_val is not None:
            val_accuracy.append(accuracy(weights, biases, activation, X_val, t_val))
    return SeedRuns(seeds=seeds, weights=weights, initial_weights=initial_weights, biases=biases,
                    train_accuracy=accuracy(weights, biases, activation, X, t),
                    val_accuracy=np.array(val_accuracy).T if val_accuracy else np.empty((len(seeds), 0)))
