"""Typical wrong answers to the lecture-01 exercises, written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- softmax

def softmax_right(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_no_shift(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def softmax_global_sum(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_unnormalised(x):
    return np.exp(x - np.max(x, axis=-1, keepdims=True))


def softmax_axis0(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_no_keepdims(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return (e.T / np.sum(e, axis=-1)).T[..., :1].repeat(x.shape[-1], axis=-1)


def softmax_without_keepdims(x):
    e = np.exp(x - np.max(x, axis=-1))
    return e / np.sum(e, axis=-1)


# ---------------------------------------------------------------- cross-entropy

def _rows(y, t):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.ndim(t) == 1 else np.reshape(t, (1,))
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return y, t


def cross_entropy_right(y, t):
    y, t = _rows(y, t)
    return -np.sum(np.log(y[np.arange(len(y)), t] + 1e-7)) / len(y)


def cross_entropy_sum(y, t):
    y, t = _rows(y, t)
    return -np.sum(np.log(y[np.arange(len(y)), t] + 1e-7))


def cross_entropy_all_classes(y, t):
    y, _ = _rows(y, t)
    return -np.sum(np.log(y + 1e-7)) / len(y)


def cross_entropy_no_minus(y, t):
    y, t = _rows(y, t)
    return np.sum(np.log(y[np.arange(len(y)), t] + 1e-7)) / len(y)


def cross_entropy_log_zero(y, t):
    y, t = _rows(y, t)
    return -np.sum(np.log(y[np.arange(len(y)), t])) / len(y)


def cross_entropy_one_hot_only(y, t):
    return -np.sum(t * np.log(y + 1e-7)) / np.atleast_2d(y).shape[0]


def cross_entropy_int_label_unsupported(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


# ---------------------------------------------------------------- squared error

def _targets(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.shape[-1:] != y.shape[-1:] or t.ndim == 1 and y.shape[0] > 1 and t.shape != y.shape[1:]:
        t = np.eye(y.shape[1])[t]
    return y, np.atleast_2d(t)


def mse_right(y, t):
    y, t = _targets(y, t)
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def mse_no_half(y, t):
    y, t = _targets(y, t)
    return np.sum((y - t) ** 2) / y.shape[0]


def mse_numpy_mean(y, t):
    y, t = _targets(y, t)
    return 0.5 * np.mean((y - t) ** 2)


def mse_no_batch_average(y, t):
    y, t = _targets(y, t)
    return 0.5 * np.sum((y - t) ** 2)


def mse_indices_as_values(y, t):
    return 0.5 * np.sum((np.atleast_2d(y) - np.reshape(t, (-1, 1))) ** 2) / np.atleast_2d(y).shape[0]


def mse_one_hot_only(y, t):
    return 0.5 * np.sum((y - t) ** 2) / np.atleast_2d(y).shape[0]


# ---------------------------------------------------------------- binary cross-entropy

def bce_right(p, t):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def bce_positive_only(p, t):
    return -np.mean(t * np.log(np.clip(p, 1e-7, 1)))


def bce_sum(p, t):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))


def bce_no_minus(p, t):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def bce_no_clip(p, t):
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def bce_terms_swapped(p, t):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(t * np.log(1 - p) + (1 - t) * np.log(p))


WRONG_ANSWERS = {
    "softmax": [
        ("exp without subtracting the maximum", softmax_no_shift, "subtract the maximum"),
        ("normalised by the sum of the whole batch", softmax_global_sum, "each row must sum to 1"),
        ("exp without normalising", softmax_unnormalised, "divide by the sum"),
        ("max and sum over the batch axis", softmax_axis0, "not over the batch (axis=0)"),
        ("broadcasting gone wrong", softmax_no_keepdims, "values differ"),
        ("max and sum without keepdims", softmax_without_keepdims, "keepdims=True"),
    ],
    "cross_entropy_error": [
        ("sum over the batch instead of the mean", cross_entropy_sum, "average over the batch"),
        ("every class charged", cross_entropy_all_classes, "only the true class"),
        ("minus sign missing", cross_entropy_no_minus, "minus sign"),
        ("log of zero", cross_entropy_log_zero, "floor y with a tiny value"),
        ("only one-hot labels handled", cross_entropy_one_hot_only, "class indices"),
        ("t.reshape on a plain int label", cross_entropy_int_label_unsupported, "t = np.asarray(t)"),
    ],
    "mean_squared_error": [
        ("no factor 0.5", mse_no_half, "0.5"),
        ("np.mean over every entry", mse_numpy_mean, "divide by N, not by N·C"),
        ("no average over the batch", mse_no_batch_average, "average over the batch"),
        ("class indices subtracted as numbers", mse_indices_as_values, "one-hot"),
        ("only one-hot targets handled", mse_one_hot_only, "into one-hot rows first"),
    ],
    "binary_cross_entropy": [
        ("the (1 - t) term forgotten", bce_positive_only, "target 0"),
        ("sum instead of mean", bce_sum, "mean"),
        ("minus sign missing", bce_no_minus, "minus sign"),
        ("log(0) for p of exactly 0 or 1", bce_no_clip, "clip p into"),
        ("log p and log(1 - p) swapped", bce_terms_swapped, "log p belongs to the target 1"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def mse_int_label_unsupported(y, t):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.ndim == 1 else t  # a plain int has no .ndim
    if t.shape != y.shape:
        t = np.eye(y.shape[1])[t]
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def bce_clipped_below_only(p, t):
    p = np.maximum(p, 1e-7)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


WRONG_ANSWERS["mean_squared_error"] += [
    ("t.ndim on a plain int label", mse_int_label_unsupported, "t = np.asarray(t)"),
]
WRONG_ANSWERS["binary_cross_entropy"] += [
    ("p clipped from below only", bce_clipped_below_only, "clip p into"),
]
