"""Input checks shared by ``dlcourse.layers``, ``dlcourse.naive`` and ``dlcourse.functions``.

Each check fails early and says what was expected, naming the caller (``where``: "Affine.forward",
"naive.Conv2d", ...) and the shapes it saw, e.g.
``Affine.forward: x has 63 features, W expects 64 (x.shape=(32, 63), W.shape=(64, 10))``.
"""
import math

import numpy as np


def float_array(x, name, where):
    """Return ``x`` as a floating-point ndarray (ints become float64); reject anything non-numeric."""
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x  # the case of every training step: nothing to convert or check
    arr = np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{where}: {name} must be a real numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def labels_to_indices(t, n_samples, n_classes, where):
    """Class indices (N,) from one-hot labels (N, C) or indices (N,); checks range and shape."""
    t = np.asarray(t)
    if t.ndim == 2:
        if t.shape != (n_samples, n_classes):
            raise ValueError(f"{where}: one-hot labels t must have shape ({n_samples}, {n_classes}), "
                             f"got {t.shape}")
        return t.argmax(axis=1)
    if t.ndim != 1 or t.shape[0] != n_samples:
        raise ValueError(f"{where}: labels t must be class indices of shape ({n_samples},) or one-hot of "
                         f"shape ({n_samples}, {n_classes}), got shape {t.shape}")
    if not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"{where}: class indices t must be integers, got dtype {t.dtype}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"{where}: class indices must lie in [0, {n_classes - 1}], "
                         f"got values from {t.min()} to {t.max()}")
    return t


def batchnorm_settings(gamma, beta, momentum, eps, where):
    """(gamma, beta) as float copies owned by the layer, after checking them and momentum and eps."""
    gamma, beta = float_array(gamma, "gamma", where).copy(), float_array(beta, "beta", where).copy()
    if gamma.ndim != 1 or beta.shape != gamma.shape:
        raise ValueError(f"{where}: gamma and beta must be (D,) or (C,) of the same shape, "
                         f"got gamma.shape={gamma.shape}, beta.shape={beta.shape}")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"{where}: momentum is the weight of the old running average and must be in [0, 1], "
                         f"got {momentum}")
    if not eps > 0.0:
        raise ValueError(f"{where}: eps keeps √(σ² + ε) away from 0 and must be > 0, got {eps}")
    return gamma, beta


def check_batchnorm_input(x, n_features, train, where):
    """x must be (N, D) or (N, C, H, W) with D or C = n_features, and in training hold two values per feature."""
    if x.ndim not in (2, 4):
        raise ValueError(f"{where}: x must be (N, D) or (N, C, H, W), got shape {x.shape}")
    if x.shape[1] != n_features:
        unit = "features" if x.ndim == 2 else "channels"
        raise ValueError(f"{where}: x has {x.shape[1]} {unit}, gamma expects {n_features} "
                         f"(x.shape={x.shape}, gamma.shape=({n_features},))")
    if train and x.size < 2 * x.shape[1]:  # one value per feature has variance 0: x̂ would be 0 whatever x is
        raise ValueError(f"{where}: training needs more than one value per feature to estimate the batch "
                         f"statistics, got x.shape={x.shape}; use train=False to normalise with the running ones")


def check_affine_input(x, W, where):
    """x must be (N, D) or (N, d1, ..., dk) with d1·...·dk = D, W being (D, M)."""
    if x.ndim < 2:
        raise ValueError(f"{where}: x has no batch axis and features, W expects {W.shape[0]} "
                         f"(x.shape={x.shape}, W.shape={W.shape})")
    n_features = math.prod(x.shape[1:])
    if n_features != W.shape[0]:
        raise ValueError(f"{where}: x has {n_features} features, W expects {W.shape[0]} "
                         f"(x.shape={x.shape}, W.shape={W.shape})")


def check_affine_settings(W, b, where):
    if W.ndim != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"{where}: W must be (D, M) and b (M,), got W.shape={W.shape}, b.shape={b.shape}")


def check_scores(x, where):
    """Scores for a softmax: (N, C)."""
    if x.ndim != 2:
        raise ValueError(f"{where}: x must be (N, C) scores, got shape {x.shape}")


def check_dropout_ratio(ratio, where):
    """The probability of dropping a unit, as a float in [0, 1)."""
    ratio = float(ratio)
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"{where}: ratio is the probability of dropping a unit and must be in [0, 1), "
                         f"got {ratio}")
    return ratio


def check_image_batch(x, channels, where):
    """x must be (N, C, H, W), with C = channels unless channels is None."""
    if x.ndim != 4:
        raise ValueError(f"{where}: x must be (N, C, H, W), got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where}: x has {x.shape[1]} channels, the filters expect {channels} "
                         f"(x.shape={x.shape})")


def check_conv_settings(W, b, stride, pad, where):
    """W (FN, C, FH, FW), b (FN,), an integer stride >= 1 and pad >= 0; returns (stride, pad) as ints."""
    if W.ndim != 4 or b.shape != (W.shape[0],):
        raise ValueError(f"{where}: W must be (FN, C, FH, FW) and b (FN,), got W.shape={W.shape}, "
                         f"b.shape={b.shape}")
    if int(stride) != stride or stride < 1 or int(pad) != pad or pad < 0:
        raise ValueError(f"{where}: stride must be an integer >= 1 and pad >= 0, got stride={stride}, pad={pad}")
    return int(stride), int(pad)


def check_pool_settings(pool_h, pool_w, stride, pad, where):
    """(pool_h, pool_w, stride, pad) as ints, stride defaulting to pool_h; sizes >= 1, pad >= 0."""
    sizes = int(pool_h), int(pool_w), int(pool_h) if stride is None else int(stride), int(pad)
    if min(sizes[:3]) < 1 or sizes[3] < 0:
        raise ValueError(f"{where}: pool sizes and stride must be >= 1 and pad >= 0, got "
                         f"pool=({pool_h}, {pool_w}), stride={stride}, pad={pad}")
    return sizes
