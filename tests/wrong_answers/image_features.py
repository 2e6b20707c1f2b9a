"""Typical wrong answers to the lecture-08 exercises, written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- polar_features

def polar_right(X):
    r = np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2)
    theta = np.arctan2(X[:, 1], X[:, 0])
    return np.stack([r, theta], axis=1)


def polar_arctan(X):
    r = np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2)
    theta = np.arctan(X[:, 1] / X[:, 0])
    return np.stack([r, theta], axis=1)


def polar_swapped_arguments(X):
    x, y = X[:, 0], X[:, 1]
    return np.stack([np.hypot(x, y), np.arctan2(x, y)], axis=1)


def polar_r_squared(X):
    x, y = X[:, 0], X[:, 1]
    return np.stack([x ** 2 + y ** 2, np.arctan2(y, x)], axis=1)


def polar_theta_first(X):
    x, y = X[:, 0], X[:, 1]
    return np.stack([np.arctan2(y, x), np.hypot(x, y)], axis=1)


def polar_degrees(X):
    x, y = X[:, 0], X[:, 1]
    return np.stack([np.hypot(x, y), np.arctan2(y, x) * 180 / np.pi], axis=1)


# ---------------------------------------------------------------- hue_histogram

def _hue_of_pixel(r, g, b):
    M, m = max(r, g, b), min(r, g, b)
    C = M - m
    if C == 0:
        return 0.0
    if M == r:
        return ((g - b) / C % 6) / 6
    if M == g:
        return ((b - r) / C + 2) / 6
    return ((r - g) / C + 4) / 6


def hue_histogram_right(image, n_bins):
    counts = np.zeros(n_bins)
    pixels = image.reshape(-1, 3)
    for r, g, b in pixels:
        k = min(int(_hue_of_pixel(r, g, b) * n_bins), n_bins - 1)
        counts[k] += 1
    return counts / len(pixels)


def hue_histogram_matplotlib(image, n_bins):
    from matplotlib.colors import rgb_to_hsv

    hue = rgb_to_hsv(image)[..., 0]
    counts, _ = np.histogram(hue, bins=n_bins, range=(0, 1))
    return counts / hue.size


def hue_histogram_counts(image, n_bins):
    from matplotlib.colors import rgb_to_hsv

    counts, _ = np.histogram(rgb_to_hsv(image)[..., 0], bins=n_bins, range=(0, 1))
    return counts.astype(float)


def hue_histogram_without_mod(image, n_bins):
    hues = []
    for r, g, b in image.reshape(-1, 3):
        M, m = max(r, g, b), min(r, g, b)
        C = M - m
        if C == 0:
            hues.append(0.0)
        elif M == r:
            hues.append((g - b) / C / 6)          # negative for pinks and purples
        elif M == g:
            hues.append(((b - r) / C + 2) / 6)
        else:
            hues.append(((r - g) / C + 4) / 6)
    counts, _ = np.histogram(hues, bins=n_bins, range=(0, 1))
    return counts / len(hues)


def hue_histogram_vectorised_nan(image, n_bins):
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    M, m = image.max(axis=-1), image.min(axis=-1)
    C = M - m
    with np.errstate(divide="ignore", invalid="ignore"):
        hue = np.where(M == r, ((g - b) / C) % 6, np.where(M == g, (b - r) / C + 2, (r - g) / C + 4)) / 6
    counts, _ = np.histogram(hue, bins=n_bins, range=(0, 1))
    return counts / hue.size


def hue_histogram_auto_range(image, n_bins):
    from matplotlib.colors import rgb_to_hsv

    hue = rgb_to_hsv(image)[..., 0]
    counts, _ = np.histogram(hue, bins=n_bins)
    return counts / hue.size


def hue_histogram_density(image, n_bins):
    from matplotlib.colors import rgb_to_hsv

    counts, _ = np.histogram(rgb_to_hsv(image)[..., 0], bins=n_bins, range=(0, 1), density=True)
    return counts


# ---------------------------------------------------------------- hog_cell_histograms

def hog_right(image, cell_size, n_bins):
    H, W = image.shape
    gx = np.zeros((H, W))
    gy = np.zeros((H, W))
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    magnitude = np.sqrt(gx ** 2 + gy ** 2)
    angle = np.degrees(np.arctan2(gy, gx)) % 180
    bins = np.minimum((angle // (180 / n_bins)).astype(int), n_bins - 1)
    out = np.zeros((H // cell_size, W // cell_size, n_bins))
    for i in range(H // cell_size):
        for j in range(W // cell_size):
            for y in range(i * cell_size, (i + 1) * cell_size):
                for x in range(j * cell_size, (j + 1) * cell_size):
                    out[i, j, bins[y, x]] += magnitude[y, x]
    return out


def _hog_from_gradients(gx, gy, cell_size, n_bins, period=np.pi, weighted=True):
    H, W = gx.shape
    magnitude = np.sqrt(gx ** 2 + gy ** 2)
    angle = np.arctan2(gy, gx) % period
    bins = np.minimum((angle / (period / n_bins)).astype(int), n_bins - 1)
    out = np.zeros((H // cell_size, W // cell_size, n_bins))
    for i in range(H // cell_size):
        for j in range(W // cell_size):
            b = bins[i * cell_size:(i + 1) * cell_size, j * cell_size:(j + 1) * cell_size]
            m = magnitude[i * cell_size:(i + 1) * cell_size, j * cell_size:(j + 1) * cell_size]
            for k in range(n_bins):
                out[i, j, k] = m[b == k].sum() if weighted else np.sum((b == k) & (m > 0))
    return out


def hog_np_gradient(image, cell_size, n_bins):
    gy, gx = np.gradient(image)
    return _hog_from_gradients(gx, gy, cell_size, n_bins)


def hog_signed(image, cell_size, n_bins):
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    return _hog_from_gradients(gx, gy, cell_size, n_bins, period=2 * np.pi)


def hog_counts(image, cell_size, n_bins):
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    return _hog_from_gradients(gx, gy, cell_size, n_bins, weighted=False)


def hog_axes_mixed_up(image, cell_size, n_bins):
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[1:-1, :] = image[2:, :] - image[:-2, :]      # difference down the rows called gx
    gy[:, 1:-1] = image[:, 2:] - image[:, :-2]
    return _hog_from_gradients(gx, gy, cell_size, n_bins)


def hog_abs_angle(image, cell_size, n_bins):
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    return _hog_from_gradients(np.abs(gx), np.abs(gy), cell_size, n_bins)


# ---------------------------------------------------------------- kmeans_step

def kmeans_right(X, centers):
    distances = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(distances, axis=1)
    new_centers = centers.copy()
    for k in range(len(centers)):
        members = X[labels == k]
        if len(members) > 0:
            new_centers[k] = members.mean(axis=0)
    return labels, new_centers


def kmeans_expanded_distance(X, centers):
    distances = (X ** 2).sum(axis=1)[:, None] - 2 * X @ centers.T + (centers ** 2).sum(axis=1)[None, :]
    labels = distances.argmin(axis=1)
    new_centers = np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else centers[k]
                            for k in range(len(centers))])
    return labels, new_centers


def kmeans_mean_of_empty(X, centers):
    distances = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(distances, axis=1)
    with np.errstate(invalid="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new_centers = np.array([X[labels == k].mean(axis=0) for k in range(len(centers))])
    return labels, new_centers


def kmeans_loop_with_less_equal(X, centers):
    labels = np.zeros(len(X), dtype=int)
    for n, x in enumerate(X):
        best = np.inf
        for k, c in enumerate(centers):
            d = np.sum((x - c) ** 2)
            if d <= best:                      # a tie moves the point to the later centre
                best, labels[n] = d, k
    new_centers = centers.copy()
    for k in range(len(centers)):
        if np.any(labels == k):
            new_centers[k] = X[labels == k].mean(axis=0)
    return labels, new_centers


def kmeans_manhattan(X, centers):
    labels = np.abs(X[:, None, :] - centers[None, :, :]).sum(axis=2).argmin(axis=1)
    new_centers = centers.copy()
    for k in range(len(centers)):
        if np.any(labels == k):
            new_centers[k] = X[labels == k].mean(axis=0)
    return labels, new_centers


def kmeans_zero_for_empty(X, centers):
    labels = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    new_centers = np.zeros_like(centers)
    for k in range(len(centers)):
        if np.any(labels == k):
            new_centers[k] = X[labels == k].mean(axis=0)
    return labels, new_centers


WRONG_ANSWERS = {
    "polar_features": [
        ("np.arctan(y / x)", polar_arctan, "np.arctan2(y, x)"),
        ("np.arctan2(x, y)", polar_swapped_arguments, "takes y first"),
        ("r without the square root", polar_r_squared, "square root"),
        ("θ in column 0", polar_theta_first, "column 0 is the radius"),
        ("θ in degrees", polar_degrees, "radians"),
    ],
    "hue_histogram": [
        ("counts, not fractions", hue_histogram_counts, "fraction"),
        ("hue below 0 for pinks", hue_histogram_without_mod, "mod 6"),
        ("grey pixels divide by zero", hue_histogram_vectorised_nan, "grey pixel"),
        ("np.histogram without a range", hue_histogram_auto_range, "whole hue circle"),
        ("np.histogram with density=True", hue_histogram_density, "fraction of the pixels"),
    ],
    "hog_cell_histograms": [
        ("np.gradient for the differences", hog_np_gradient, "np.gradient halves"),
        ("signed orientations over 2π", hog_signed, "unsigned"),
        ("votes counted, not weighted", hog_counts, "magnitude"),
        ("rows and columns mixed up in the gradients", hog_axes_mixed_up, "arctan2(gy, gx)"),
        ("absolute gradients", hog_abs_angle, "signed gx and gy"),
    ],
    "kmeans_step": [
        ("mean of an empty cluster", kmeans_mean_of_empty, "nan"),
        ("ties go to the later centre", kmeans_loop_with_less_equal, "lowest index"),
        ("Manhattan distance", kmeans_manhattan, "squared euclidean"),
        ("empty centres reset to 0", kmeans_zero_for_empty, "keep its old position"),
    ],
}

# another right answer: the expanded distance ‖x‖² − 2x·c + ‖c‖² rounds differently but must pass
EXTRA_RIGHT_ANSWERS = {"kmeans_step": kmeans_expanded_distance, "hue_histogram": hue_histogram_matplotlib}


# ---------------------------------------------------------------- more bugs seen in learners' code

def polar_angle_wrapped(X):
    theta = np.arctan2(X[:, 1], X[:, 0])
    theta[theta < 0] += 2 * np.pi
    return np.stack([np.hypot(X[:, 0], X[:, 1]), theta], axis=1)


def hog_squared_magnitude(image, cell_size, n_bins):
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    theta = np.arctan2(gy, gx) % np.pi
    bins = np.minimum((theta / np.pi * n_bins).astype(int), n_bins - 1)
    rows, cols = image.shape[0] // cell_size, image.shape[1] // cell_size
    out = np.zeros((rows, cols, n_bins))
    for i in range(rows * cell_size):
        for j in range(cols * cell_size):
            out[i // cell_size, j // cell_size, bins[i, j]] += gx[i, j] ** 2 + gy[i, j] ** 2
    return out


def kmeans_farthest(X, centers):
    d = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    labels = d.argmax(axis=1)
    new = centers.copy()
    for k in range(len(centers)):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return labels, new


WRONG_ANSWERS["polar_features"] += [
    ("θ moved into [0, 2π)", polar_angle_wrapped, "in (−π, π]"),
]
WRONG_ANSWERS["hog_cell_histograms"] += [
    ("votes with the squared magnitude", hog_squared_magnitude, "not with gx² + gy²"),
]
WRONG_ANSWERS["kmeans_step"] += [
    ("argmax of the distances", kmeans_farthest, "NEAREST centre"),
]
