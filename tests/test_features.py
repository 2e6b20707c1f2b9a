"""dlcourse.features (lecture 08): polar coordinates, hue histograms, HOG, k-means and bags of visual words."""
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import rgb_to_hsv
from matplotlib.figure import Figure

from dlcourse import features
from dlcourse.checks import image_features as key


def test_polar_features_of_known_points():
    X = np.array([[3.0, 4.0], [-2.0, 0.0], [0.0, -1.0], [0.0, 0.0]])
    np.testing.assert_allclose(features.polar_features(X), [[5.0, np.arctan2(4, 3)], [2.0, np.pi], [1.0, -np.pi / 2],
                                                             [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"polar_features: X must be \(N, 2\) points, got shape \(3,\)"):
        features.polar_features(np.zeros(3))


def test_polar_features_make_the_rings_separable_by_a_threshold_on_r():
    from dlcourse.data import make_circles

    X, t = make_circles(n_samples=300, noise=0.05, factor=0.5, seed=0)
    r = features.polar_features(X)[:, 0]
    assert r[t == 1].max() < r[t == 0].min()  # class 1 is the inner ring


def test_rgb_to_hue_matches_matplotlib_and_the_answer_key():
    image = np.random.default_rng(0).uniform(size=(20, 30, 3))
    image[0, :3] = [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]  # greys: hue 0
    hue = features.rgb_to_hue(image)
    np.testing.assert_allclose(hue, rgb_to_hsv(image)[..., 0], atol=1e-12)
    np.testing.assert_allclose(hue, key._hue(image), atol=1e-12)
    assert hue.min() >= 0.0 and hue.max() < 1.0
    assert np.all(hue[0, :3] == 0.0)


def test_hue_histogram_fractions():
    green, red, grey = [0.2, 0.8, 0.3], [0.9, 0.1, 0.1], [0.5, 0.5, 0.5]
    image = np.array([[green, green, red, grey]])
    histogram = features.hue_histogram(image, n_bins=12)
    assert histogram.shape == (12,) and histogram.sum() == pytest.approx(1.0)
    assert histogram[4] == pytest.approx(0.5)        # hue 0.361: the green bin [0.333, 0.417)
    assert histogram[0] == pytest.approx(0.5)        # red (hue 0) and the grey pixel
    kept = features.hue_histogram(image, n_bins=12, min_saturation=0.1)
    assert kept[4] == pytest.approx(2 / 3) and kept[0] == pytest.approx(1 / 3)
    rng = np.random.default_rng(1)
    for n_bins in (5, 12, 36):
        random_image = rng.uniform(size=(9, 11, 3))
        np.testing.assert_allclose(features.hue_histogram(random_image, n_bins),
                                   key._hue_histogram(random_image, n_bins))


def test_hue_colours_follow_the_circle():
    colours = features.hue_colours(6)
    assert colours.shape == (6, 3)
    np.testing.assert_allclose(rgb_to_hsv(colours)[:, 0], (np.arange(6) + 0.5) / 6)


def test_sample_photos_are_the_bundled_jpegs():
    photos = features.sample_photos(shrink=4)
    assert sorted(photos) == ["china", "flower"]
    for image in photos.values():
        assert image.shape == (106, 160, 3)
        assert 0.0 <= image.min() and image.max() <= 1.0
    # the flower photograph is mostly its blue-green background, like the notes' green frog
    histogram = features.hue_histogram(photos["flower"], 12)
    assert histogram.argmax() in (5, 6) and histogram[5:7].sum() > 0.5


def test_grid_patches_cut_non_overlapping_squares():
    image = np.arange(7 * 10 * 3).reshape(7, 10, 3)
    patches = features.grid_patches(image, 3)
    assert patches.shape == (2, 3, 3, 3, 3)                 # 7 // 3 rows, 10 // 3 columns of 3 × 3 squares
    np.testing.assert_array_equal(patches[1, 2], image[3:6, 6:9])
    assert len(np.unique(patches[..., 0])) == patches[..., 0].size   # no pixel appears twice
    np.testing.assert_array_equal(features.grid_patches(image[..., 0], 5)[0, 1], image[:5, 5:10, 0])
    with pytest.raises(ValueError, match=r"at least 8 × 8 pixels, got shape \(7, 10, 3\)"):
        features.grid_patches(image, 8)


def test_image_gradients_are_zero_on_the_border():
    image = np.arange(20.0).reshape(4, 5) ** 1.5
    gx, gy = features.image_gradients(image)
    assert np.all(gx[:, [0, -1]] == 0) and np.all(gy[[0, -1], :] == 0)
    assert gx[2, 2] == image[2, 3] - image[2, 1] and gy[2, 2] == image[3, 2] - image[1, 2]
    with pytest.raises(ValueError, match="grey image"):
        features.image_gradients(np.zeros((2, 3, 3)))


def test_hog_of_edges():
    edge = np.zeros((8, 8))
    edge[:, 4:] = 1.0
    histograms = features.hog_cell_histograms(edge, cell_size=4, n_bins=9)
    assert histograms.shape == (2, 2, 9)
    np.testing.assert_allclose(histograms[..., 0], 4.0)   # 4 rows × magnitude 1 per cell, orientation 0
    assert histograms[..., 1:].sum() == 0
    # bright-to-dark votes for the same bin (unsigned); a horizontal edge votes for π/2 (bin 4 of 9)
    np.testing.assert_allclose(features.hog_cell_histograms(1 - edge, 4, 9), histograms)
    np.testing.assert_allclose(features.hog_cell_histograms(edge.T, 4, 9)[..., 4], 4.0)


def test_hog_matches_the_answer_key_and_drops_partial_cells():
    rng = np.random.default_rng(2)
    for shape, cell, bins in (((13, 17), 4, 9), ((16, 16), 8, 6), ((10, 7), 2, 4)):
        image = rng.uniform(size=shape)
        ours = features.hog_cell_histograms(image, cell, bins)
        assert ours.shape == (shape[0] // cell, shape[1] // cell, bins)
        np.testing.assert_allclose(ours, key._hog_cell_histograms(image, cell, bins), atol=1e-12)


def test_hog_features_are_unit_vectors():
    images = np.random.default_rng(3).uniform(size=(5, 1, 8, 8))
    descriptors = features.hog_features(images, cell_size=4, n_bins=9)
    assert descriptors.shape == (5, 2 * 2 * 9)
    np.testing.assert_allclose(np.linalg.norm(descriptors, axis=1), 1.0)
    np.testing.assert_allclose(features.hog_features(images * 3, 4, 9), descriptors)  # contrast does not matter


def test_hog_block_normalise_l2_and_l2_hys_by_hand():
    cells = np.zeros((2, 2, 2))
    cells[0, 0] = [4.0, 1.0]
    cells[0, 1] = [1.0, 1.0]
    cells[1, 0] = [1.0, 0.0]                      # block vector, cells row by row: [4, 1, 1, 1, 1, 0, 0, 0]
    l2 = features.hog_block_normalise(cells, block_size=2, block_norm="L2")
    assert l2.shape == (1, 1, 8)
    np.testing.assert_allclose(l2[0, 0], np.array([4, 1, 1, 1, 1, 0, 0, 0]) / np.sqrt(20), rtol=1e-9)
    # L2-Hys: 4/√20 = 0.894 and 1/√20 = 0.224 are both clipped to 0.2, so the five votes end up equal, 1/√5
    hys = features.hog_block_normalise(cells, block_size=2)
    np.testing.assert_allclose(hys[0, 0], np.array([1, 1, 1, 1, 1, 0, 0, 0]) / np.sqrt(5), rtol=1e-9)
    np.testing.assert_allclose(features.hog_block_normalise(np.zeros((2, 2, 2)), 2), 0.0)  # eps: no 0/0


def test_hog_blocks_overlap_by_one_cell():
    cells = np.random.default_rng(5).uniform(size=(4, 5, 3))
    blocks = features.hog_block_normalise(cells, block_size=2, block_norm="L2", eps=0.0)
    assert blocks.shape == (3, 4, 2 * 2 * 3)
    expected = np.concatenate([cells[1, 2], cells[1, 3], cells[2, 2], cells[2, 3]])  # block (1, 2)
    np.testing.assert_allclose(blocks[1, 2], expected / np.linalg.norm(expected), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(blocks, axis=-1), 1.0, rtol=1e-12)
    assert features.hog_block_normalise(cells, block_size=3).shape == (2, 3, 27)


def test_block_normalisation_ignores_a_local_change_of_contrast():
    image = np.random.default_rng(6).uniform(size=(32, 32))
    shaded = image.copy()
    shaded[:, 16:] /= 3                           # the right half in a shadow: its gradients are divided by 3
    cells, shaded_cells = (features.hog_cell_histograms(im, 4, 9) for im in (image, shaded))
    # cells 0-2 see only the left half, cells 5-7 only the right half; cells 3 and 4 straddle the border
    np.testing.assert_allclose(shaded_cells[:, 5:], cells[:, 5:] / 3, rtol=1e-12)
    for norm in features.BLOCK_NORMS:
        blocks = features.hog_block_normalise(cells, 2, norm)
        shaded_blocks = features.hog_block_normalise(shaded_cells, 2, norm)
        np.testing.assert_allclose(shaded_blocks[:, :2], blocks[:, :2], rtol=1e-12)
        np.testing.assert_allclose(shaded_blocks[:, 5:], blocks[:, 5:], rtol=1e-8)   # unchanged up to eps
        assert np.abs(shaded_blocks[:, 3] - blocks[:, 3]).max() > 0.05              # the border blocks change
    # one norm for the whole image cannot undo a change in half of it
    whole, shaded_whole = features.hog_features(np.stack([image, shaded]), 4, 9)
    assert np.abs(whole - shaded_whole).max() > 0.05


def test_hog_features_with_blocks():
    images = np.random.default_rng(7).uniform(size=(3, 1, 16, 16))
    descriptors = features.hog_features(images, cell_size=4, n_bins=9, block_size=2)
    assert descriptors.shape == (3, 3 * 3 * 2 * 2 * 9)
    np.testing.assert_allclose(descriptors[1], features.hog_block_normalise(
        features.hog_cell_histograms(images[1, 0], 4, 9), 2, "L2-Hys").reshape(-1))
    np.testing.assert_allclose(np.linalg.norm(descriptors.reshape(3, 9, 36), axis=-1), 1.0, rtol=1e-9)
    l2 = features.hog_features(images, 4, 9, block_size=2, block_norm="L2")
    np.testing.assert_allclose(np.linalg.norm(l2.reshape(3, 9, 36), axis=-1), 1.0, rtol=1e-9)
    with pytest.raises(ValueError, match=r"block_norm must be one of \('L2', 'L2-Hys'\), got 'L1'"):
        features.hog_features(images, 4, 9, block_size=2, block_norm="L1")
    with pytest.raises(ValueError, match=r"block_size must be between 1 and 4 for 4 × 4 cells, got 5"):
        features.hog_features(images, 4, 9, block_size=5)
    with pytest.raises(ValueError, match=r"expected cell histograms \(rows, cols, n_bins\), got shape \(4, 9\)"):
        features.hog_block_normalise(np.zeros((4, 9)))


def test_draw_hog_draws_one_line_per_cell_with_gradients():
    image = np.zeros((16, 24))
    image[:, 12:] = 1.0
    histograms = features.hog_cell_histograms(image, 8, 9)
    ax = Figure().subplots()
    features.draw_hog(ax, image, histograms, 8)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    segments = lines.get_segments()
    assert len(segments) == int((histograms.max(axis=-1) > 0).sum()) == 2  # the middle column of cells
    for segment in segments:  # a vertical edge: the drawn line is vertical
        (x0, y0), (x1, y1) = segment
        assert abs(x1 - x0) < 0.5 * abs(y1 - y0)


def test_kmeans_step_matches_the_answer_key():
    rng = np.random.default_rng(4)
    X, centers = rng.normal(size=(40, 3)), rng.normal(size=(6, 3))
    centers[5] = 100.0  # an empty cluster
    labels, new_centers = features.kmeans_step(X, centers)
    ref_labels, ref_centers = key._kmeans_step(X, centers)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_allclose(new_centers, ref_centers)
    assert np.all(new_centers[5] == 100.0) and labels.dtype == np.int64
    tie_labels, _ = features.kmeans_step(np.array([[2.0, 0.0]]), np.array([[1.0, 0.0], [3.0, 0.0]]))
    assert tie_labels.tolist() == [0]


def test_kmeans_finds_three_blobs():
    rng = np.random.default_rng(5)
    true_centers = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    X = np.concatenate([c + 0.3 * rng.normal(size=(50, 2)) for c in true_centers])
    centers, labels, inertia = features.kmeans(X, 3, n_iters=20, seed=0)
    found = centers[np.argsort(centers[:, 0])]
    np.testing.assert_allclose(found, true_centers[np.argsort(true_centers[:, 0])], atol=0.2)
    assert len(np.unique(labels)) == 3 and inertia < 50 * 3 * 0.3 ** 2 * 2 * 1.5


def test_patches_and_bag_of_words():
    images = np.random.default_rng(6).uniform(size=(4, 1, 8, 8))
    patches = features.dense_patches(images, 3)
    assert patches.shape == (4, 36, 9)
    np.testing.assert_array_equal(patches[1, 7], images[1, 0, 1:4, 1:4].reshape(-1))  # patch (1, 1)
    assert features.dense_patches(images, 4, stride=2).shape == (4, 9, 16)
    sampled = features.random_patches(images, 3, 50, seed=0)
    assert sampled.shape == (50, 9)
    np.testing.assert_array_equal(sampled, features.random_patches(images, 3, 50, seed=0))
    codebook, _, _ = features.kmeans(sampled, 5, seed=0)
    histograms = features.bag_of_words(images, codebook, 3)
    assert histograms.shape == (4, 5)
    np.testing.assert_allclose(histograms.sum(axis=1), 1.0)
    # the bag forgets where a patch sits: with a codebook closed under mirroring (word k + 5 is word k
    # mirrored), the mirrored images have the same histograms with the two halves of the words swapped
    mirrored_codebook = np.concatenate([codebook, codebook.reshape(-1, 3, 3)[:, :, ::-1].reshape(-1, 9)])
    np.testing.assert_allclose(features.bag_of_words(images[..., ::-1], mirrored_codebook, 3),
                               np.roll(features.bag_of_words(images, mirrored_codebook, 3), 5, axis=1))
    with pytest.raises(ValueError, match="grey images"):
        features.dense_patches(np.zeros((2, 3, 8, 8)), 3)


def test_other_right_answers_to_the_exercises_pass(capsys):
    """A hue from matplotlib and distances by ‖x‖² − 2x·c + ‖c‖² round differently and must still pass."""
    from dlcourse.checks import check
    from tests.wrong_answers.image_features import EXTRA_RIGHT_ANSWERS

    for name, answer in EXTRA_RIGHT_ANSWERS.items():
        check(name, answer)
        assert capsys.readouterr().out.startswith(f"✓ {name}")
