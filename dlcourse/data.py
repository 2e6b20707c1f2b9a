"""Data: the real 8×8 handwritten digits shipped with scikit-learn, 2-D toy sets, mini-batches, augmentation.

Nothing is ever downloaded: scikit-learn carries the digits in its installed package.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    """Train / validation / test arrays. X: (N, 64) in [0, 1], or (N, 1, 8, 8) with ``images=True``; t: (N,) ints."""

    X_train: np.ndarray
    t_train: np.ndarray
    X_val: np.ndarray
    t_val: np.ndarray
    X_test: np.ndarray
    t_test: np.ndarray

    def __iter__(self):  # allows X_train, t_train, X_val, t_val, X_test, t_test = load_digits()
        return iter((self.X_train, self.t_train, self.X_val, self.t_val, self.X_test, self.t_test))

    def __repr__(self):
        return (f"Split(train={self.X_train.shape}, val={self.X_val.shape}, test={self.X_test.shape}, "
                f"classes={len(np.unique(self.t_train))})")


def load_digits(images=False, val_fraction=0.1, test_fraction=0.2, seed=0, dtype=np.float64):
    """The 1,797 scikit-learn digits (8×8 grey levels 0..16) scaled to [0, 1], stratified split with a fixed seed.

    Default split: 1,257 train / 180 validation / 360 test. ``images=True`` gives X of shape (N, 1, 8, 8)
    for convolutional networks; otherwise (N, 64).
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"load_digits: fractions must be in (0, 1) and sum below 1, got "
                         f"val_fraction={val_fraction}, test_fraction={test_fraction}")
    digits = sklearn_digits()
    X = (digits.data / 16.0).astype(dtype)
    t = digits.target.astype(np.int64)
    if images:
        X = X.reshape(-1, 1, 8, 8)
    X_rest, X_test, t_rest, t_test = train_test_split(X, t, test_size=test_fraction, stratify=t, random_state=seed)
    X_train, X_val, t_train, t_val = train_test_split(
        X_rest, t_rest, test_size=val_fraction / (1 - test_fraction), stratify=t_rest, random_state=seed)
    return Split(X_train, t_train, X_val, t_val, X_test, t_test)


def make_spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class: X (n_per_class·n_classes, 2), t class indices."""
    rng = np.random.default_rng(seed)
    X, t = [], []
    for k in range(n_classes):
        radius = np.linspace(0.0, 1.0, n_per_class)
        angle = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.standard_normal(n_per_class) * noise
        X.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        t.append(np.full(n_per_class, k))
    return np.concatenate(X), np.concatenate(t).astype(np.int64)


def make_moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaved half circles (scikit-learn's generator): X (n_samples, 2), t in {0, 1}."""
    from sklearn.datasets import make_moons as sklearn_moons

    X, t = sklearn_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return X, t.astype(np.int64)


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """Two concentric rings (scikit-learn's generator), not linearly separable in (x, y): X (n, 2), t in {0, 1}."""
    from sklearn.datasets import make_circles as sklearn_circles

    X, t = sklearn_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return X, t.astype(np.int64)


def minibatches(X, t, batch_size=64, shuffle=True, rng=None, seed=0):
    """Yield (X_batch, t_batch) covering the data once; the last batch may be smaller.

    With ``shuffle`` the order comes from ``rng`` (a np.random.Generator) or from ``seed``.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"minibatches: batch_size must be a positive integer, got {batch_size}")
    n = len(X)
    if len(t) != n:
        raise ValueError(f"minibatches: X has {n} samples but t has {len(t)}")
    order = np.arange(n)
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng(seed)).permutation(n)
    for start in range(0, n, int(batch_size)):
        index = order[start:start + int(batch_size)]
        yield X[index], t[index]


def _as_images(x, where):
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: expected images (N, H, W) or (N, C, H, W), got shape {x.shape}")
    return x


def random_shift(images, max_shift=1, rng=None, seed=0):
    """Shift every image by a random (dy, dx) in [-max_shift, max_shift], filling the border with 0.

    images: (N, H, W) or (N, C, H, W); returns a new array of the same shape (the input is untouched).
    """
    images = _as_images(images, "random_shift")
    rng = rng if rng is not None else np.random.default_rng(seed)
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    for n, (dy, dx) in enumerate(shifts):
        out[n, ..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[n, ..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def random_crop(images, crop_size, pad=0, rng=None, seed=0):
    """Pad by ``pad`` zeros, then cut a random crop_size × crop_size window from every image."""
    images = _as_images(images, "random_crop")
    rng = rng if rng is not None else np.random.default_rng(seed)
    widths = [(0, 0)] * (images.ndim - 2) + [(pad, pad), (pad, pad)]
    padded = np.pad(images, widths)
    h, w = padded.shape[-2:]
    if crop_size > min(h, w):
        raise ValueError(f"random_crop: crop_size {crop_size} is larger than the padded image {h}x{w}")
    out = np.empty(images.shape[:-2] + (crop_size, crop_size), dtype=images.dtype)
    tops = rng.integers(0, h - crop_size + 1, size=len(images))
    lefts = rng.integers(0, w - crop_size + 1, size=len(images))
    for n in range(len(images)):
        out[n] = padded[n, ..., tops[n]:tops[n] + crop_size, lefts[n]:lefts[n] + crop_size]
    return out


def gaussian_noise(x, std=0.1, rng=None, seed=0, clip=(0.0, 1.0)):
    """x + N(0, std²) noise, clipped to ``clip`` (None for no clipping). Returns a new array."""
    rng = rng if rng is not None else np.random.default_rng(seed)
    x = np.asarray(x)
    out = x + rng.normal(0.0, std, size=x.shape).astype(x.dtype, copy=False)
    return np.clip(out, *clip) if clip is not None else out
