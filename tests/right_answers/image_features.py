"""Right answers to the lecture-08 exercises, written the ways learners write them (numpy and stdlib only)."""
import colorsys
import math

import numpy as np


# ---------------------------------------------------------------- polar_features

def polar_column_stack(X):
    r = np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2)
    theta = np.arctan2(X[:, 1], X[:, 0])
    return np.column_stack((r, theta))


def polar_loop(X):
    out = np.zeros((len(X), 2))
    for i, (x, y) in enumerate(X):
        out[i] = math.hypot(x, y), math.atan2(y, x)
    return out


def polar_complex(X):
    z = X[:, 0] + 1j * X[:, 1]
    return np.stack([np.abs(z), np.angle(z)], axis=1)


# ---------------------------------------------------------------- hue_histogram

def hue_colorsys(image, n_bins):
    hist = np.zeros(n_bins)
    for r, g, b in image.reshape(-1, 3):
        h, _, _ = colorsys.rgb_to_hsv(r, g, b)
        hist[min(int(h * n_bins), n_bins - 1)] += 1
    return hist / (image.shape[0] * image.shape[1])


def hue_vectorised(image, n_bins):
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    mx, mn = image.max(axis=2), image.min(axis=2)
    c = mx - mn
    h = np.zeros_like(mx)
    nz = c > 0
    rmax = nz & (mx == r)
    gmax = nz & (mx == g) & ~rmax
    bmax = nz & ~rmax & ~gmax
    h[rmax] = ((g - b)[rmax] / c[rmax]) % 6
    h[gmax] = (b - r)[gmax] / c[gmax] + 2
    h[bmax] = (r - g)[bmax] / c[bmax] + 4
    h = h / 6
    counts, _ = np.histogram(h, bins=n_bins, range=(0, 1))
    return counts / h.size


def hue_degrees_bincount(image, n_bins):
    flat = image.reshape(-1, 3).astype(float)
    hues = []
    for r, g, b in flat:
        mx, mn = max(r, g, b), min(r, g, b)
        if mx == mn:
            hue = 0.0
        elif mx == r:
            hue = (60 * ((g - b) / (mx - mn)) + 360) % 360
        elif mx == g:
            hue = 60 * ((b - r) / (mx - mn)) + 120
        else:
            hue = 60 * ((r - g) / (mx - mn)) + 240
        hues.append(hue / 360)
    bins = np.minimum((np.array(hues) * n_bins).astype(int), n_bins - 1)
    return np.bincount(bins, minlength=n_bins) / len(hues)


# ---------------------------------------------------------------- hog_cell_histograms

def hog_loops(image, cell_size, n_bins):
    H, W = image.shape
    gx, gy = np.zeros((H, W)), np.zeros((H, W))
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    mag = np.sqrt(gx ** 2 + gy ** 2)
    ang = np.arctan2(gy, gx) % np.pi
    rows, cols = H // cell_size, W // cell_size
    hist = np.zeros((rows, cols, n_bins))
    for i in range(rows * cell_size):
        for j in range(cols * cell_size):
            k = min(int(ang[i, j] / (np.pi / n_bins)), n_bins - 1)
            hist[i // cell_size, j // cell_size, k] += mag[i, j]
    return hist


def hog_convolve(image, cell_size, n_bins):
    # [-1, 0, 1] differences by slicing a padded copy; the border rows and columns are set to 0
    image = image.astype(np.float64)
    padded = np.pad(image, 1, mode="edge")
    gx = padded[1:-1, 2:] - padded[1:-1, :-2]
    gy = padded[2:, 1:-1] - padded[:-2, 1:-1]
    gx[:, [0, -1]] = 0
    gy[[0, -1], :] = 0
    magnitude = np.hypot(gx, gy)
    orientation = np.mod(np.arctan2(gy, gx), np.pi)
    bin_index = np.floor(orientation / np.pi * n_bins).astype(int)
    bin_index[bin_index == n_bins] = n_bins - 1
    ch, cw = image.shape[0] // cell_size, image.shape[1] // cell_size
    out = np.zeros((ch, cw, n_bins))
    for i in range(ch):
        for j in range(cw):
            sl = np.s_[i * cell_size:(i + 1) * cell_size, j * cell_size:(j + 1) * cell_size]
            for k in range(n_bins):
                out[i, j, k] = magnitude[sl][bin_index[sl] == k].sum()
    return out


def hog_one_hot(image, cell_size, n_bins):
    H, W = image.shape
    gx = np.zeros_like(image, dtype=float)
    gy = np.zeros_like(image, dtype=float)
    gx[:, 1:W - 1] = image[:, 2:] - image[:, :W - 2]
    gy[1:H - 1] = image[2:] - image[:H - 2]
    theta = np.arctan2(gy, gx)
    theta[theta < 0] += np.pi  # unsigned: [0, π)
    theta[theta >= np.pi] -= np.pi
    idx = np.clip((theta * n_bins / np.pi).astype(int), 0, n_bins - 1)
    votes = np.eye(n_bins)[idx] * np.sqrt(gx * gx + gy * gy)[..., None]  # (H, W, n_bins)
    rows, cols = H // cell_size, W // cell_size
    votes = votes[:rows * cell_size, :cols * cell_size]
    return votes.reshape(rows, cell_size, cols, cell_size, n_bins).sum(axis=(1, 3))


# ---------------------------------------------------------------- kmeans_step

def kmeans_broadcast(X, centers):
    d = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d, axis=1)
    new_centers = centers.copy()
    for k in range(len(centers)):
        members = X[labels == k]
        if len(members) > 0:
            new_centers[k] = members.mean(axis=0)
    return labels, new_centers


def kmeans_loops(X, centers):
    labels = np.zeros(len(X), dtype=int)
    for i, x in enumerate(X):
        best, best_d = 0, np.inf
        for k, c in enumerate(centers):
            dist = np.sum((x - c) ** 2)
            if dist < best_d:  # strictly smaller: a tie keeps the lower index
                best, best_d = k, dist
        labels[i] = best
    sums, counts = np.zeros(centers.shape), np.zeros(len(centers))
    for i, k in enumerate(labels):
        sums[k] += X[i]
        counts[k] += 1
    new = np.array(centers, dtype=float)
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled][:, None]
    return labels, new


def kmeans_norm(X, centers):
    dist = np.linalg.norm(X[:, np.newaxis] - centers, axis=-1)
    labels = dist.argmin(axis=1)
    new_centers = np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else centers[k]
                            for k in range(centers.shape[0])])
    return labels, new_centers


# ---------------------------------------------------------------- float32 (one rounding per value: within tolerance)

def polar_float32(X):
    X = X.astype(np.float32)
    return np.stack([np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])], axis=1)


RIGHT_ANSWERS = {
    "polar_features": [
        ("in float32", polar_float32),
        ("np.sqrt and np.arctan2", polar_column_stack),
        ("a loop with math.hypot and math.atan2", polar_loop),
        ("complex numbers", polar_complex),
    ],
    "hue_histogram": [
        ("colorsys.rgb_to_hsv per pixel", hue_colorsys),
        ("vectorised masks and np.histogram", hue_vectorised),
        ("hue in degrees, np.bincount", hue_degrees_bincount),
    ],
    "hog_cell_histograms": [
        ("loops over the pixels", hog_loops),
        ("a padded copy, masks per bin", hog_convolve),
        ("one-hot votes summed per cell", hog_one_hot),
    ],
    "kmeans_step": [
        ("broadcast distances", kmeans_broadcast),
        ("loops with a strict < for ties", kmeans_loops),
        ("np.linalg.norm", kmeans_norm),
    ],
}
