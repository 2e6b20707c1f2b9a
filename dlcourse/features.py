"""Hand-designed image features, as used before ConvNets (lecture 08).

A feature transform maps an image (or a point) to a vector on which a linear classifier does well:

- ``polar_features``: (x, y) -> (r, θ), which makes two concentric rings linearly separable;
- ``hue_histogram``: the share of pixels in each hue bin, the colour content of an image;
- ``hog_cell_histograms`` / ``hog_block_normalise`` / ``hog_features``: histograms of oriented gradients
  over small cells, the edges, normalised per overlapping block of cells;
- ``kmeans`` / ``bag_of_words``: a codebook of "visual words" from random patches, and a histogram of the
  words in each image.

Conventions: a colour image is (H, W, 3) with values in [0, 1]; a grey image is (H, W); rows grow
downward. Everything random takes a seed.
"""
import numpy as np


# ---------------------------------------------------------------- points

def polar_features(X):
    """(x, y) points -> (r, θ): r = √(x² + y²), θ = arctan2(y, x) in (−π, π].

    X: (N, 2). Returns (N, 2) floats, column 0 the radius, column 1 the angle in radians.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"polar_features: X must be (N, 2) points, got shape {X.shape}")
    return np.column_stack([np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])])


# ---------------------------------------------------------------- colour

def _colour_image(image, where):
    image = np.asarray(image, dtype=np.float64)
    if image.shape[-1:] != (3,):
        raise ValueError(f"{where}: expected an RGB image (..., 3) with values in [0, 1], got shape {image.shape}")
    return image


def rgb_to_hue(image):
    """Hue of every pixel in [0, 1): 0 red, 1/6 yellow, 1/3 green, 1/2 cyan, 2/3 blue, 5/6 magenta.

    image: (..., 3) RGB in [0, 1]. With M = max, m = min and C = M − m of a pixel's (R, G, B):
    hue = ((G − B)/C mod 6)/6 if M = R, ((B − R)/C + 2)/6 if M = G, ((R − G)/C + 4)/6 if M = B,
    and 0 for grey pixels (C = 0). The same hue as ``matplotlib.colors.rgb_to_hsv``.
    """
    image = _colour_image(image, "rgb_to_hue")
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    top, chroma = image.max(axis=-1), image.max(axis=-1) - image.min(axis=-1)
    safe = np.where(chroma > 0, chroma, 1.0)  # grey pixels: any non-zero divisor, the hue is set to 0 below
    hue = np.where(top == r, ((g - b) / safe) % 6.0,
                   np.where(top == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0)) / 6.0
    return np.where(chroma > 0, hue % 1.0, 0.0)


def saturation(image):
    """Saturation (max − min) / max of every pixel, 0 for black: how far from grey a colour is. (..., 3) -> (...)."""
    image = _colour_image(image, "saturation")
    top = image.max(axis=-1)
    return np.where(top > 0, (top - image.min(axis=-1)) / np.where(top > 0, top, 1.0), 0.0)


def hue_histogram(image, n_bins=12, min_saturation=0.0):
    """Fraction of the pixels whose hue falls in each of ``n_bins`` equal bins of [0, 1).

    image: (H, W, 3) RGB in [0, 1]. Bin k holds the hues in [k/n_bins, (k+1)/n_bins). Returns (n_bins,)
    floats summing to 1. ``min_saturation`` > 0 leaves out the near-grey pixels (whose hue means little);
    the fractions are then of the pixels kept.
    """
    hue = rgb_to_hue(image).reshape(-1)
    if min_saturation > 0:
        hue = hue[saturation(image).reshape(-1) >= min_saturation]
    bins = np.minimum((hue * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins).astype(np.float64)
    return counts / max(len(hue), 1)


def hue_colours(n_bins):
    """The RGB colour at the centre of every hue bin, fully saturated: (n_bins, 3), for drawing histograms."""
    from matplotlib.colors import hsv_to_rgb

    centres = (np.arange(n_bins) + 0.5) / n_bins
    return hsv_to_rgb(np.column_stack([centres, np.ones(n_bins), np.ones(n_bins)]))


def to_grey(image):
    """Luminance 0.299 R + 0.587 G + 0.114 B of an RGB image (..., 3) -> (...)."""
    return _colour_image(image, "to_grey") @ np.array([0.299, 0.587, 0.114])


def sample_photos(shrink=2):
    """The two colour photographs shipped with scikit-learn, as {"china": ..., "flower": ...}.

    Each is (H, W, 3) in [0, 1] (427 × 640 at full size), shrunk ``shrink`` times by averaging
    shrink × shrink blocks. Nothing is downloaded: the JPEG files come with scikit-learn.
    """
    from sklearn.datasets import load_sample_images

    photos, bundle = {}, load_sample_images()
    for path, image in zip(bundle.filenames, bundle.images):
        name = path.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
        image = image.astype(np.float64) / 255.0
        h, w = (image.shape[0] // shrink) * shrink, (image.shape[1] // shrink) * shrink
        photos[name] = image[:h, :w].reshape(h // shrink, shrink, w // shrink, shrink, 3).mean(axis=(1, 3))
    return photos


def grid_patches(image, patch_size):
    """Cut an image into non-overlapping patch_size × patch_size squares, row by row from the top-left corner.

    image: (H, W) or (H, W, C). Returns (H // patch_size, W // patch_size, patch_size, patch_size[, C]):
    patches[i, j] is image[i·p:(i+1)·p, j·p:(j+1)·p]; the pixels beyond the last whole square are left out.
    No two patches share a pixel, so a patch set aside for testing has no pixel in common with the others.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < patch_size:
        raise ValueError(f"grid_patches: expected an image (H, W) or (H, W, C) of at least {patch_size} × "
                         f"{patch_size} pixels, got shape {image.shape}")
    rows, cols = image.shape[0] // patch_size, image.shape[1] // patch_size
    cut = image[:rows * patch_size, :cols * patch_size]
    squares = cut.reshape(rows, patch_size, cols, patch_size, *image.shape[2:])
    return np.swapaxes(squares, 1, 2)


# ---------------------------------------------------------------- HOG

def image_gradients(image):
    """Centred differences of a grey image (H, W): (gx, gy), each (H, W).

    gx[i, j] = I[i, j+1] − I[i, j−1] and gy[i, j] = I[i+1, j] − I[i−1, j] (rows grow downward);
    0 on the border columns (gx) and rows (gy), as in scikit-image's HOG.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image_gradients: expected a grey image (H, W), got shape {image.shape}")
    gx, gy = np.zeros_like(image), np.zeros_like(image)
    gx[:, 1:-1] = image[:, 2:] - image[:, :-2]
    gy[1:-1, :] = image[2:, :] - image[:-2, :]
    return gx, gy


def gradient_orientation(gx, gy):
    """Unsigned orientation arctan2(gy, gx) mod π, in [0, π): a dark-to-bright and a bright-to-dark edge agree."""
    return np.arctan2(gy, gx) % np.pi


def hog_cell_histograms(image, cell_size=8, n_bins=9):
    """Histogram of oriented gradients of every cell_size × cell_size cell of a grey image.

    image: (H, W). Each pixel votes its gradient magnitude √(gx² + gy²) into the bin of its orientation
    θ = arctan2(gy, gx) mod π: bin min(⌊θ / (π / n_bins)⌋, n_bins − 1) (no interpolation between bins).
    Cells are taken row by row from the top-left corner; pixels beyond the last whole cell are left out.
    Returns (H // cell_size, W // cell_size, n_bins).
    """
    gx, gy = image_gradients(image)
    magnitude = np.hypot(gx, gy)
    bins = np.minimum((gradient_orientation(gx, gy) / (np.pi / n_bins)).astype(np.int64), n_bins - 1)
    rows, cols = gx.shape[0] // cell_size, gx.shape[1] // cell_size
    h, w = rows * cell_size, cols * cell_size
    # one-hot over the bins, weighted by the magnitude, then summed inside each cell
    votes = (bins[:h, :w, None] == np.arange(n_bins)) * magnitude[:h, :w, None]
    return votes.reshape(rows, cell_size, cols, cell_size, n_bins).sum(axis=(1, 3))


BLOCK_NORMS = ("L2", "L2-Hys")


def hog_block_normalise(cell_histograms, block_size=2, block_norm="L2-Hys", clip=0.2, eps=1e-5):
    """Dalal and Triggs' block normalisation: overlapping blocks of cells, each normalised on its own.

    cell_histograms: (rows, cols, n_bins), from ``hog_cell_histograms``. A block is block_size × block_size
    neighbouring cells; blocks start at every cell (stride one cell), so they overlap and every inner cell
    appears in block_size² blocks. Each block's histograms, concatenated into v (block_size² · n_bins), become

    - ``"L2"``: v / √(‖v‖² + eps²);
    - ``"L2-Hys"`` (Dalal and Triggs' choice): the L2 result clipped at ``clip`` (0.2), then L2-normalised
      again, so that no single strong edge dominates a block.

    Scaling the image inside a block's region by a factor leaves that block unchanged (up to eps): the
    descriptor no longer depends on local contrast or illumination. The same formulas as scikit-image's
    ``hog(..., block_norm=...)``. Returns (rows − block_size + 1, cols − block_size + 1, block_size² · n_bins).
    """
    cell_histograms = np.asarray(cell_histograms, dtype=np.float64)
    if cell_histograms.ndim != 3:
        raise ValueError("hog_block_normalise: expected cell histograms (rows, cols, n_bins), "
                         f"got shape {cell_histograms.shape}")
    rows, cols, n_bins = cell_histograms.shape
    if not 1 <= block_size <= min(rows, cols):
        raise ValueError(f"hog_block_normalise: block_size must be between 1 and {min(rows, cols)} for "
                         f"{rows} × {cols} cells, got {block_size}")
    if block_norm not in BLOCK_NORMS:
        raise ValueError(f"hog_block_normalise: block_norm must be one of {BLOCK_NORMS}, got {block_norm!r}")
    windows = np.lib.stride_tricks.sliding_window_view(cell_histograms, (block_size, block_size), axis=(0, 1))
    # windows: (rows', cols', n_bins, block, block) -> one vector per block, cells row by row, bins inside
    blocks = windows.transpose(0, 1, 3, 4, 2).reshape(rows - block_size + 1, cols - block_size + 1, -1)
    blocks = blocks / np.sqrt(np.sum(blocks ** 2, axis=-1, keepdims=True) + eps ** 2)
    if block_norm == "L2-Hys":
        blocks = np.minimum(blocks, clip)
        blocks = blocks / np.sqrt(np.sum(blocks ** 2, axis=-1, keepdims=True) + eps ** 2)
    return blocks


def hog_features(images, cell_size=4, n_bins=9, eps=1e-8, block_size=None, block_norm="L2-Hys"):
    """HOG descriptors of a batch of grey images (N, H, W) or (N, 1, H, W).

    ``block_size=None`` (the default): the cell histograms of each image are concatenated and divided by
    their L2 norm, one norm for the whole image, so the descriptor does not depend on the image's overall
    contrast: (N, cells · n_bins). With ``block_size=b``: Dalal and Triggs' block normalisation
    (``hog_block_normalise`` with ``block_norm``), each block of b × b cells normalised on its own, the
    blocks concatenated: (N, blocks · b² · n_bins); the descriptor then does not depend on local contrast.
    """
    images = _grey_batch(images, "hog_features")
    cells = [hog_cell_histograms(image, cell_size, n_bins) for image in images]
    if block_size is not None:
        return np.stack([hog_block_normalise(c, block_size, block_norm).reshape(-1) for c in cells])
    out = np.stack([c.reshape(-1) for c in cells])
    return out / (np.linalg.norm(out, axis=1, keepdims=True) + eps)


def draw_hog(ax, image, histograms, cell_size, color="tab:red", linewidth=1.5):
    """Show a grey image and, in every cell, its dominant edge as a line.

    The edge runs across the gradient, so the line is drawn at the orientation of the strongest bin's
    centre plus 90°; its length grows with that bin's share of the largest bin of the image.
    """
    from matplotlib.collections import LineCollection

    histograms = np.asarray(histograms)
    n_bins = histograms.shape[-1]
    ax.imshow(image, cmap="gray", vmin=0, vmax=max(float(np.max(image)), 1e-12))
    strongest = histograms.max(axis=-1)
    rows, cols = np.nonzero(strongest > 0)
    theta = (histograms.argmax(axis=-1)[rows, cols] + 0.5) * np.pi / n_bins + np.pi / 2  # edge ⟂ gradient
    half = 0.45 * cell_size * strongest[rows, cols] / max(float(strongest.max()), 1e-12)
    cx, cy = (cols + 0.5) * cell_size - 0.5, (rows + 0.5) * cell_size - 0.5
    dx, dy = half * np.cos(theta), half * np.sin(theta)  # rows grow downward, like gy
    segments = np.stack([np.column_stack([cx - dx, cy - dy]), np.column_stack([cx + dx, cy + dy])], axis=1)
    ax.add_collection(LineCollection(segments, colors=color, linewidths=linewidth))
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


# ---------------------------------------------------------------- bag of visual words

def squared_distances(X, centers, chunk=4096):
    """‖x_n − c_k‖² for every point and centre: X (N, D), centers (K, D) -> (N, K).

    Computed from the differences themselves (exact, so ties stay ties), ``chunk`` points at a time to
    bound the memory of the (chunk, K, D) differences.
    """
    X, centers = np.asarray(X, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    out = np.empty((len(X), len(centers)))
    for start in range(0, len(X), chunk):
        out[start:start + chunk] = ((X[start:start + chunk, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)
    return out


def kmeans_step(X, centers):
    """One k-means iteration: assign every point to its nearest centre, then move each centre to its points' mean.

    X: (N, D); centers: (K, D). Nearest by squared Euclidean distance; ties go to the lowest centre
    index (np.argmin). A centre that receives no point stays where it was. Returns (labels (N,) int64,
    new_centers (K, D)).
    """
    X, centers = np.asarray(X, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    labels = squared_distances(X, centers).argmin(axis=1)
    sums = np.zeros_like(centers)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=len(centers))
    new_centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centers)
    return labels.astype(np.int64), new_centers


def kmeans(X, k, n_iters=20, seed=0):
    """k-means: start from k distinct random points of X, then ``n_iters`` kmeans_step's (fewer if it settles).

    Returns (centers (k, D), labels (N,), inertia: the sum of squared distances to the assigned centres).
    """
    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    centers = X[rng.choice(len(X), size=k, replace=False)]
    labels = None
    for _ in range(n_iters):
        new_labels, centers = kmeans_step(X, centers)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
    labels, _ = kmeans_step(X, centers)
    inertia = float(squared_distances(X, centers)[np.arange(len(X)), labels].sum())
    return centers, labels, inertia


def _grey_batch(images, where):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"{where}: expected grey images (N, H, W) or (N, 1, H, W), got shape {images.shape}")
    return images


def dense_patches(images, patch_size, stride=1):
    """Every patch_size × patch_size patch of every image, flattened: (N, P, patch_size²), P patches per image."""
    images = _grey_batch(images, "dense_patches")
    windows = np.lib.stride_tricks.sliding_window_view(images, (patch_size, patch_size), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    return windows.reshape(len(images), -1, patch_size * patch_size)


def random_patches(images, patch_size, n_patches, seed=0):
    """``n_patches`` patches cut at random images and positions: (n_patches, patch_size²)."""
    images = _grey_batch(images, "random_patches")
    rng = np.random.default_rng(seed)
    n, h, w = images.shape
    which = rng.integers(0, n, size=n_patches)
    tops = rng.integers(0, h - patch_size + 1, size=n_patches)
    lefts = rng.integers(0, w - patch_size + 1, size=n_patches)
    return np.stack([images[k, i:i + patch_size, j:j + patch_size].reshape(-1)
                     for k, i, j in zip(which, tops, lefts)])


def bag_of_words(images, codebook, patch_size, stride=1):
    """Histogram of visual words per image: each dense patch counts for its nearest codebook entry.

    images: (N, H, W) or (N, 1, H, W); codebook: (K, patch_size²). Returns (N, K), each row the
    fraction of the image's patches assigned to each word (sums to 1). Where a word sits in the image is
    forgotten, as a bag of words forgets the order of the words.
    """
    patches = dense_patches(images, patch_size, stride)
    n, p, d = patches.shape
    flat, codebook = patches.reshape(-1, d), np.asarray(codebook, dtype=np.float64)
    # ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²: one matrix product; ‖x‖² is the same for every word, so it is left out
    words = (np.sum(codebook ** 2, axis=1) - 2.0 * flat @ codebook.T).argmin(axis=1).reshape(n, p)
    counts = np.stack([np.bincount(row, minlength=len(codebook)) for row in words]).astype(np.float64)
    return counts / p
