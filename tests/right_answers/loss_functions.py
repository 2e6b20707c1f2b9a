"""Right answers to the lecture-01 exercises, written the ways learners write them.

Each entry must pass the self-check and the grader. This module imports numpy and the standard library only:
the grader test runs its source inside learners' notebooks.
"""
import math

import numpy as np


# ---------------------------------------------------------------- softmax

def softmax_book(x):
    # "Deep Learning from Scratch": transpose a batch so the maximum is taken per row along axis 0
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def softmax_row_loop(x):
    rows = np.atleast_2d(np.asarray(x, dtype=float))
    out = np.zeros_like(rows)
    for i in range(rows.shape[0]):
        shifted = rows[i] - rows[i].max()
        e = np.exp(shifted)
        out[i] = e / e.sum()
    return out.reshape(np.shape(x))


def softmax_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)
    log_z = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
    return np.exp(x - log_z)


def softmax_in_place_on_copy(x):
    z = np.array(x, dtype=np.float64)  # a copy: the caller's x stays as it was
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


# ---------------------------------------------------------------- cross_entropy_error

def cee_book_fixed(y, t):
    t = np.asarray(t)
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot: turn into indices
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def cee_one_hot(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size != y.size:  # class indices: an int or an (N,) array
        t = np.eye(y.shape[1])[t.reshape(-1)]
    t = t.reshape(y.shape)
    return float(-np.sum(t * np.log(np.clip(y, 1e-12, 1.0))) / y.shape[0])


def cee_sample_loop(y, t):
    y = np.atleast_2d(np.asarray(y, dtype=float))
    t = np.asarray(t)
    if t.ndim == y.ndim and t.shape == y.shape or t.ndim == 1 and t.size == y.shape[1] and y.shape[0] == 1:
        labels = [int(np.argmax(row)) for row in t.reshape(y.shape)]
    else:
        labels = [int(k) for k in np.ravel(t)]
    total = 0.0
    for n, k in enumerate(labels):
        total -= math.log(max(y[n, k], 1e-300))
    return total / len(labels)


def cee_maximum_floor(y, t):
    y2 = y.reshape(-1, y.shape[-1])
    t = np.array(t)
    t = t.reshape(y2.shape).argmax(axis=1) if t.size == y2.size else t.reshape(-1)
    return float(np.mean(-np.log(np.maximum(y2[np.arange(len(y2)), t], 1e-300))))


# ---------------------------------------------------------------- mean_squared_error

def mse_eye(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size != y.size:
        t = np.eye(y.shape[1])[t.reshape(-1)]
    t = t.reshape(y.shape)
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def mse_loop(y, t):
    y = np.atleast_2d(np.asarray(y, dtype=float))
    t = np.asarray(t)
    total = 0.0
    for n in range(y.shape[0]):
        if t.size == y.size:
            target = t.reshape(y.shape)[n]
        else:
            target = np.zeros(y.shape[1])
            target[int(np.ravel(t)[n])] = 1.0
        total += 0.5 * float(np.sum((y[n] - target) ** 2))
    return total / y.shape[0]


def mse_einsum(y, t):
    y2 = y.reshape(-1, y.shape[-1]).astype(np.float64)
    t = np.asarray(t)
    t2 = t.reshape(y2.shape) if t.size == y2.size else np.eye(y2.shape[1])[t.reshape(-1)]
    d = y2 - t2
    return float(0.5 * np.einsum("nk,nk->", d, d) / len(y2))


# ---------------------------------------------------------------- binary_cross_entropy

def bce_clip(p, t):
    eps = 1e-7
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def bce_where(p, t):
    # the probability given to the right answer, floored
    right = np.where(t == 1, p, 1 - p)
    return -np.log(np.maximum(right, 1e-12)).mean()


def bce_loop(p, t):
    values = []
    for pi, ti in zip(np.ravel(p), np.ravel(t)):
        pi = min(max(float(pi), 1e-9), 1 - 1e-9)
        values.append(-(ti * math.log(pi) + (1 - ti) * math.log(1 - pi)))
    return sum(values) / len(values)


RIGHT_ANSWERS = {
    "softmax": [
        ("the book's transpose for batches", softmax_book),
        ("a loop over the rows", softmax_row_loop),
        ("log-sum-exp", softmax_logsumexp),
        ("in-place work on a copy", softmax_in_place_on_copy),
    ],
    "cross_entropy_error": [
        ("the book's version with t = np.asarray(t) and delta 1e-7", cee_book_fixed),
        ("one-hot targets everywhere, clipped log", cee_one_hot),
        ("a loop over the samples with math.log", cee_sample_loop),
        ("true-class probabilities floored with np.maximum", cee_maximum_floor),
    ],
    "mean_squared_error": [
        ("indices to one-hot with np.eye", mse_eye),
        ("a loop over the samples", mse_loop),
        ("np.einsum", mse_einsum),
    ],
    "binary_cross_entropy": [
        ("np.clip with 1e-7", bce_clip),
        ("np.where picks the probability of the target", bce_where),
        ("a loop with math.log", bce_loop),
    ],
}
