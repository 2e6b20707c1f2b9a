"""Input checks shared by the library: fail early and say what was expected."""
import numpy as np


def float_array(x, name, where):
    """Return ``x`` as a floating-point ndarray (ints become float64); reject anything non-numeric."""
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
