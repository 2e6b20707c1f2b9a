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
