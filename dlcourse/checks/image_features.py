"""Exercises of lecture 08: polar coordinates, the hue histogram, HOG cell histograms, one k-means step.

Conventions (those of ``dlcourse.features``): a colour image is (H, W, 3) with values in [0, 1]; a grey image
is (H, W) with rows growing downward; angles are in radians.
"""
import numpy as np

from .core import Case, Exercise, Mistake, register, require

# ---------------------------------------------------------------- references

def _polar_features(X):
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2), np.arctan2(X[:, 1], X[:, 0])])


def _hue(image):
    image = np.asarray(image, dtype=np.float64)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    top = image.max(axis=-1)
    chroma = top - image.min(axis=-1)
    safe = np.where(chroma > 0, chroma, 1.0)
    hue = np.where(top == r, ((g - b) / safe) % 6.0,
                   np.where(top == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0)) / 6.0
    return np.where(chroma > 0, hue, 0.0)


def _bin_of(values, n_bins):
    return np.clip(np.floor(np.asarray(values) * n_bins).astype(np.int64), 0, n_bins - 1)


def _hue_histogram(image, n_bins):
    bins = _bin_of(_hue(image).reshape(-1), n_bins)
    return np.bincount(bins, minlength=n_bins) / bins.size


def _gradients(image):
    image = np.asarray(image, dtype=np.float64)
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    return gx, gy


def _cell_sums(values, bins, cell_size, n_bins):
    rows, cols = values.shape[0] // cell_size, values.shape[1] // cell_size
    out = np.zeros((rows, cols, n_bins))
    for i in range(rows):
        for j in range(cols):
            cell = (slice(i * cell_size, (i + 1) * cell_size), slice(j * cell_size, (j + 1) * cell_size))
            out[i, j] = np.bincount(bins[cell].reshape(-1), weights=values[cell].reshape(-1), minlength=n_bins)
    return out


def _hog_from(gx, gy, cell_size, n_bins, signed=False, weighted=True):
    period = 2 * np.pi if signed else np.pi
    theta = np.arctan2(gy, gx) % period
    bins = np.minimum((theta / (period / n_bins)).astype(np.int64), n_bins - 1)
    values = np.hypot(gx, gy) if weighted else (np.hypot(gx, gy) > 0).astype(np.float64)
    return _cell_sums(values, bins, cell_size, n_bins)


def _hog_cell_histograms(image, cell_size, n_bins):
    return _hog_from(*_gradients(image), cell_size, n_bins)


def _kmeans_step(X, centers):
    X, centers = np.asarray(X, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    distances = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)
    labels = distances.argmin(axis=1)  # ties: the lowest index
    new_centers = centers.copy()
    for k in range(len(centers)):
        if np.any(labels == k):
            new_centers[k] = X[labels == k].mean(axis=0)
    return labels.astype(np.int64), new_centers


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _points_contract(X):
    require(np.ndim(X) == 2 and np.shape(X)[1] == 2, "X: (N, 2)")


def _colour_contract(image, n_bins):
    require(np.ndim(image) == 3 and np.shape(image)[2] == 3 and np.all((0 <= image) & (image <= 1)),
            "(H, W, 3) in [0, 1]")
    require(isinstance(n_bins, int) and n_bins >= 1, "n_bins: int >= 1")


def _grey_contract(image, cell_size, n_bins):
    require(np.ndim(image) == 2 and min(np.shape(image)) >= cell_size >= 1, "a grey (H, W) image, at least one cell")
    require(isinstance(n_bins, int) and n_bins >= 1, "n_bins: int >= 1")


def _kmeans_contract(X, centers):
    require(np.ndim(X) == 2 and np.ndim(centers) == 2 and np.shape(X)[1] == np.shape(centers)[1],
            "X (N, D), centers (K, D)")


def _kmeans_tie(case):
    d = ((case.args[0][:, None, :] - case.args[1][None]) ** 2).sum(axis=-1)
    return bool(np.any((d == d.min(axis=1, keepdims=True)).sum(axis=1) > 1))


def _kmeans_empty(case):
    d = ((case.args[0][:, None, :] - case.args[1][None]) ** 2).sum(axis=-1)
    return len(np.unique(d.argmin(axis=1))) < len(case.args[1])


# ---------------------------------------------------------------- polar_features

_AXES_POINTS = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [0.0, -0.5], [1.0, 1.0], [-1.0, -1.0], [-2.0, 1.0]])

register(Exercise(
    name="polar_features",
    contract=_points_contract,
    boundaries={"the origin": lambda case: np.any(np.all(case.args[0] == 0, axis=1))},
    functions="polar_features",
    reference=_polar_features,
    points=1,
    public=[
        Case((np.array([[3.0, 4.0]]),), label="the point (3, 4): r = 5"),
        Case((_AXES_POINTS,), label="points on the four half-axes and in three quadrants (θ of (−3, 0) is π)"),
        Case((np.array([[0.0, 0.0], [0.5, -0.5]]),), label="the origin (r = 0, θ = 0) and (0.5, −0.5)"),
    ],
    hidden=lambda rng: [Case((rng.normal(size=(n, 2)) * scale,), label="random points")
                        for n, scale in ((20, 1.0), (5, 10.0), (8, 0.1))],
    mistakes=[
        Mistake("arctan of y/x", lambda X: np.column_stack([
                    np.hypot(np.asarray(X)[:, 0], np.asarray(X)[:, 1]),
                    np.arctan(np.asarray(X)[:, 1] / np.asarray(X)[:, 0])]),
                "arctan(y / x) cannot tell (x, y) from (−x, −y) and divides by 0 on the y-axis: use "
                "np.arctan2(y, x), which gives the angle in (−π, π]"),
        Mistake("arguments of arctan2 swapped", lambda X: np.column_stack([
                    np.hypot(np.asarray(X)[:, 0], np.asarray(X)[:, 1]), np.arctan2(np.asarray(X)[:, 0],
                                                                                   np.asarray(X)[:, 1])]),
                "np.arctan2 takes y first: θ = np.arctan2(y, x)"),
        Mistake("squared radius", lambda X: np.column_stack([
                    (np.asarray(X) ** 2).sum(axis=1), np.arctan2(np.asarray(X)[:, 1], np.asarray(X)[:, 0])]),
                "r is the distance to the origin, √(x² + y²): take the square root"),
        Mistake("degrees", lambda X: np.column_stack([
                    np.hypot(np.asarray(X)[:, 0], np.asarray(X)[:, 1]),
                    np.degrees(np.arctan2(np.asarray(X)[:, 1], np.asarray(X)[:, 0]))]),
                "give θ in radians, as np.arctan2 returns it (no conversion to degrees)"),
        Mistake("columns swapped", lambda X: _polar_features(X)[:, ::-1],
                "column 0 is the radius r, column 1 the angle θ"),
        Mistake("θ in [0, 2π)", lambda X: np.column_stack([np.hypot(np.asarray(X)[:, 0], np.asarray(X)[:, 1]),
                                                         np.arctan2(np.asarray(X)[:, 1],
                                                                    np.asarray(X)[:, 0]) % (2 * np.pi)]),
                "give θ as np.arctan2 returns it, in (−π, π]: points below the x-axis have negative angles "
                "(do not map them into [0, 2π))"),
    ],
    hides=("features.polar_features",),
))


# ---------------------------------------------------------------- hue_histogram

def _hue_histogram_without_mod(image, n_bins):
    """(G − B)/C left negative for red-dominant pinks and purples: their hue falls below 0, out of every bin."""
    image = np.asarray(image, dtype=np.float64)
    chroma = np.ptp(image, axis=-1)
    red_top = (image.max(axis=-1) == image[..., 0]) & (chroma > 0)
    raw = (image[..., 1] - image[..., 2]) / np.where(chroma > 0, chroma, 1.0) / 6
    hue = np.where(red_top, raw, _hue(image))
    return np.histogram(hue, bins=n_bins, range=(0, 1))[0] / image[..., 0].size


# hues (as fractions of the circle) chosen away from every bin edge used in the cases
_SWATCHES = np.array([
    [[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.1, 0.3, 0.9]],      # orange (hue 0.083), green (0.361), blue (0.611)
    [[0.9, 0.1, 0.5], [0.5, 0.5, 0.5], [0.95, 0.9, 0.2]],    # pink (0.917: G < B with R largest), grey, yellow (0.156)
])
_GREENISH = np.array([[[0.2, 0.7, 0.3], [0.1, 0.6, 0.5], [0.3, 0.8, 0.2], [0.2, 0.5, 0.45]],
                      [[0.25, 0.75, 0.1], [0.9, 0.3, 0.2], [0.15, 0.65, 0.35], [0.0, 0.0, 0.0]]])


def _random_image(rng, h, w):
    image = rng.uniform(0, 1, size=(h, w, 3))
    image[0, 0] = 0.4  # one grey pixel in every random image
    return image


register(Exercise(
    name="hue_histogram",
    contract=_colour_contract,
    boundaries={"a grey pixel": lambda case: np.any(np.ptp(case.args[0], axis=-1) == 0)},
    functions="hue_histogram",
    reference=_hue_histogram,
    points=2,
    public=[
        Case((_SWATCHES, 6), label="six swatches (orange, green, blue / pink, grey, yellow), 6 bins"),
        Case((_SWATCHES, 4), label="the same swatches, 4 bins"),
        Case((_GREENISH, 12), label="a mostly green 2×4 image with one red and one black pixel, 12 bins"),
    ],
    hidden=lambda rng: [Case((_random_image(rng, h, w), n), label="random image")
                        for h, w, n in ((5, 7, 12), (8, 8, 10), (3, 4, 5))],
    mistakes=[
        Mistake("counts instead of fractions",
                lambda image, n: _hue_histogram(image, n) * np.asarray(image)[..., 0].size,
                "return the FRACTION of the pixels in each bin: divide the counts by the number of pixels, H·W"),
        Mistake("no mod 6 for red-dominant colours", _hue_histogram_without_mod,
                "when R is the largest, (G − B)/C is negative for pinks and purples: take it mod 6 "
                "(Python's % does), so the hue lands in [0, 1) near 1, not below 0"),
        Mistake("grey pixels lost", lambda image, n: np.histogram(
                    np.where(np.ptp(np.asarray(image), -1) > 0, _hue(image), np.nan), bins=n, range=(0, 1))[0]
                    / np.asarray(image)[..., 0].size,
                "a grey pixel (C = max − min = 0) has no hue: the formulas divide by 0 and give nan; "
                "give it hue 0 (bin 0) as the task says"),
        Mistake("bins over the range of the image", lambda image, n: np.histogram(_hue(image).reshape(-1), bins=n)[0]
                    / np.asarray(image)[..., 0].size,
                "the bins must cover the whole hue circle [0, 1), whatever the image: "
                "np.histogram(..., bins=n_bins, range=(0, 1)) or ⌊hue·n_bins⌋"),
        Mistake("hue of the wrong channel order", lambda image, n: _hue_histogram(np.asarray(image)[..., ::-1], n),
                "the last axis is (R, G, B) in that order: image[..., 0] is red"),
    ],
    atol=1e-9,
    hides=("features.hue_histogram", "features.rgb_to_hue"),
))


# ---------------------------------------------------------------- hog_cell_histograms

def _edge(bright_right=True, size=8):
    image = np.zeros((size, size))
    image[:, size // 2:] = 1.0
    return image if bright_right else 1.0 - image


def _hog_numpy_gradient(image, cell_size, n_bins):
    gy, gx = np.gradient(np.asarray(image, dtype=np.float64))
    return _hog_from(gx, gy, cell_size, n_bins)


def _hog_ceil_cells(image, cell_size, n_bins):
    image = np.asarray(image, dtype=np.float64)
    h = -(-image.shape[0] // cell_size) * cell_size
    w = -(-image.shape[1] // cell_size) * cell_size
    gx, gy = _gradients(image)
    def grow(a):
        return np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])))
    return _hog_from(grow(gx), grow(gy), cell_size, n_bins)


def _hog_squared(image, cell_size, n_bins):
    gx, gy = _gradients(image)
    theta = np.arctan2(gy, gx) % np.pi
    bins = np.minimum((theta / (np.pi / n_bins)).astype(np.int64), n_bins - 1)
    return _cell_sums(gx ** 2 + gy ** 2, bins, cell_size, n_bins)


register(Exercise(
    name="hog_cell_histograms",
    contract=_grey_contract,
    boundaries={"partial cells left out": lambda case: any(s % case.args[1] for s in np.shape(case.args[0]))},
    functions="hog_cell_histograms",
    reference=_hog_cell_histograms,
    points=3,
    public=[
        Case((_edge(True), 4, 9), label="a vertical edge, dark left / bright right, 8×8, cells of 4, 9 bins "
                                        "(the gradient points right: θ = 0)"),
        Case((_edge(False), 4, 9), label="the same edge bright left / dark right (θ = π, the same bin as 0)"),
        Case((_edge(True).T.copy(), 4, 9), label="a horizontal edge, dark top / bright bottom (θ = π/2)"),
        Case((np.add.outer(np.arange(6.0), np.arange(6.0)) / 10, 3, 9),
             label="a diagonal ramp I[i, j] = (i + j)/10, cells of 3 (θ = π/4 inside)"),
        Case((np.add.outer(np.arange(6.0), -np.arange(6.0)) / 10, 3, 9),
             label="the other diagonal I[i, j] = (i − j)/10 (θ = 3π/4 inside)"),
        Case((np.arange(70.0).reshape(7, 10) % 7 / 7, 3, 6),
             label="a 7×10 pattern, cells of 3: the last row and column are left out; 6 bins"),
    ],
    hidden=lambda rng: [Case((rng.uniform(0, 1, size=(h, w)), c, b), label="random image")
                        for h, w, c, b in ((8, 8, 4, 9), (12, 9, 3, 6), (16, 16, 8, 9), (10, 7, 2, 4))],
    mistakes=[
        Mistake("np.gradient", _hog_numpy_gradient,
                "np.gradient halves the centred difference and uses one-sided differences on the border; the task "
                "asks for gx = I[:, j+1] − I[:, j−1] (not halved) with gx = 0 on the first and last column, "
                "gy likewise on the rows"),
        Mistake("signed orientation", lambda image, c, b: _hog_from(*_gradients(image), c, b, signed=True),
                "HOG uses UNSIGNED orientations: θ = arctan2(gy, gx) mod π, so a dark-to-bright and a "
                "bright-to-dark edge vote for the same bin; the bins split [0, π), not [0, 2π)"),
        Mistake("votes counted, not weighted", lambda image, c, b: _hog_from(*_gradients(image), c, b, weighted=False),
                "each pixel votes with its gradient MAGNITUDE √(gx² + gy²), not with 1"),
        Mistake("gx and gy swapped", lambda image, c, b: _hog_from(*_gradients(image)[::-1], c, b),
                "θ = arctan2(gy, gx): gy (the change down the rows) first, gx (along a row) second"),
        Mistake("partial cells kept", _hog_ceil_cells,
                "keep only whole cells: H // cell_size rows and W // cell_size columns of cells"),
        Mistake("rows and columns of cells swapped",
                lambda image, c, b: _hog_cell_histograms(image, c, b).transpose(1, 0, 2),
                "the result is (H // cell_size, W // cell_size, n_bins): cell (i, j) covers rows "
                "i·cell_size ... and columns j·cell_size ..."),
        Mistake("absolute gradients", lambda image, c, b: _hog_from(*(np.abs(g) for g in _gradients(image)), c, b),
                "use the signed gx and gy in arctan2(gy, gx): their absolute values fold every orientation into "
                "[0, π/2]"),
        Mistake("squared magnitude", _hog_squared,
                "each pixel votes with its gradient magnitude √(gx² + gy²), not with gx² + gy²"),
    ],
    atol=1e-9,
    hides=("features.gradient_orientation", "features.hog_cell_histograms", "features.hog_features",
           "features.image_gradients"),
))


# ---------------------------------------------------------------- kmeans_step

def _moved(X, centers, labels):
    """Centres moved to the mean of their points (the reference's update) for the given labels."""
    X, new_centers = np.asarray(X, dtype=np.float64), np.array(centers, dtype=np.float64)
    for k in range(len(new_centers)):
        if np.any(labels == k):
            new_centers[k] = X[labels == k].mean(axis=0)
    return labels, new_centers


def _squared(X, centers):
    X, centers = np.asarray(X, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    return ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)


def _kmeans_last_tie(X, centers):
    distances = _squared(X, centers)
    return _moved(X, centers, distances.shape[1] - 1 - distances[:, ::-1].argmin(axis=1))


def _kmeans_farthest(X, centers):
    return _moved(X, centers, _squared(X, centers).argmax(axis=1))


def _kmeans_empty_to_nan(X, centers):
    labels, new_centers = _kmeans_step(X, centers)
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        means = np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else np.full(X.shape[1], np.nan)
                          for k in range(len(new_centers))])
    return labels, means


def _kmeans_empty_to_zero(X, centers):
    labels, new_centers = _kmeans_step(X, centers)
    empty = np.bincount(labels, minlength=len(new_centers)) == 0
    new_centers[empty] = 0.0
    return labels, new_centers


def _kmeans_l1(X, centers):
    X, centers = np.asarray(X, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    return _moved(X, centers, np.abs(X[:, None, :] - centers[None, :, :]).sum(axis=-1).argmin(axis=1))


_TWO_BLOBS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [6.0, 5.0], [5.0, 6.0]])

register(Exercise(
    name="kmeans_step",
    contract=_kmeans_contract,
    boundaries={"a tie": _kmeans_tie, "an empty cluster": _kmeans_empty},
    functions="kmeans_step",
    reference=_kmeans_step,
    points=2,
    public=[
        Case((_TWO_BLOBS, np.array([[1.0, 1.0], [4.0, 4.0]])),
             label="two blobs of 3 points, centres (1, 1) and (4, 4)"),
        Case((np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]]), np.array([[1.0, 0.0], [3.0, 0.0]])),
             label="the point (2, 0) is exactly halfway between both centres: the tie goes to centre 0"),
        Case((_TWO_BLOBS, np.array([[0.5, 0.5], [5.5, 5.5], [50.0, 50.0]])),
             label="a third centre (50, 50) far from every point: it gets no point and stays where it is"),
        Case((np.array([[2.0, 0.0], [0.0, 0.5], [3.5, 1.5], [-1.0, 0.0]]), np.array([[0.0, 0.0], [3.3, 1.3]])),
             label="(2, 0) is nearer to centre 1 in Euclidean distance but not in the sum of |differences|"),
    ],
    hidden=lambda rng: [Case((rng.normal(size=(n, d)) * 2, rng.normal(size=(k, d))), label="random points and centres")
                        for n, d, k in ((30, 2, 3), (50, 4, 5), (10, 3, 6))],
    mistakes=[
        Mistake("farthest centre", _kmeans_farthest,
                "assign every point to its NEAREST centre: argmin of the distances, not argmax"),
        Mistake("empty cluster becomes nan", _kmeans_empty_to_nan,
                "the mean of no points is nan: a centre that gets no point must keep its old position"),
        Mistake("empty cluster moved to 0", _kmeans_empty_to_zero,
                "a centre that gets no point must keep its old position, not move to the origin"),
        Mistake("ties to the last centre", _kmeans_last_tie,
                "on a tie, the point goes to the centre with the LOWEST index (np.argmin's choice)"),
        Mistake("L1 distance", _kmeans_l1,
                "use the squared Euclidean distance Σ_d (x_d − c_d)², not the sum of absolute differences"),
        Mistake("centres not moved", lambda X, C: (_kmeans_step(X, C)[0], np.asarray(C, dtype=np.float64)),
                "after assigning, move every centre to the mean of its points"),
    ],
    hides=("features.kmeans", "features.kmeans_step", "features.squared_distances"),
))
