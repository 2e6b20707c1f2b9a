"""Datasets, mini-batches and augmentation."""
import numpy as np
import pytest

from dlcourse import data


def test_load_digits_split_is_fixed_stratified_and_scaled():
    split = data.load_digits()
    assert split.X_train.shape == (1257, 64) and split.X_val.shape == (180, 64) and split.X_test.shape == (360, 64)
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0
    assert np.bincount(split.t_test).min() >= 35  # every class present in proportion
    again = data.load_digits()
    assert np.array_equal(split.X_test, again.X_test) and np.array_equal(split.t_train, again.t_train)
    images = data.load_digits(images=True)
    assert images.X_train.shape == (1257, 1, 8, 8)
    assert np.array_equal(images.X_train.reshape(-1, 64), split.X_train)
    X_train, t_train, *_ = split
    assert X_train is split.X_train


def test_load_digits_rejects_bad_fractions():
    with pytest.raises(ValueError, match="fractions must be in"):
        data.load_digits(val_fraction=0.5, test_fraction=0.6)


@pytest.mark.parametrize("maker", [data.make_spiral, data.make_moons, data.make_circles])
def test_toy_sets_are_2d_seeded_and_labelled(maker):
    X, t = maker(seed=3)
    X2, t2 = maker(seed=3)
    assert X.ndim == 2 and X.shape[1] == 2 and len(X) == len(t)
    assert np.array_equal(X, X2) and np.array_equal(t, t2)
    assert t.dtype == np.int64 and set(np.unique(t)) == set(range(t.max() + 1))


def test_minibatches_cover_the_data_once_and_shuffle_with_a_seed():
    X, t = np.arange(10)[:, None] * 1.0, np.arange(10)
    batches = list(data.minibatches(X, t, batch_size=4, seed=1))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    assert all(np.array_equal(xb[:, 0], tb) for xb, tb in batches)
    assert [b[1].tolist() for b in data.minibatches(X, t, 4, seed=1)] == [b[1].tolist() for b in batches]
    assert [b[1].tolist() for b in data.minibatches(X, t, 4, shuffle=False)][0] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        next(data.minibatches(X, t, 0))
    with pytest.raises(ValueError, match="X has 10 samples but t has 9"):
        next(data.minibatches(X, t[:9], 2))


def test_random_shift_moves_content_and_fills_with_zeros():
    image = np.zeros((1, 1, 5, 5))
    image[0, 0, 2, 2] = 1.0
    shifted = data.random_shift(np.repeat(image, 50, axis=0), max_shift=2, seed=0)
    positions = {tuple(np.argwhere(s[0])[0]) for s in shifted}
    assert len(positions) > 5 and all(0 <= i < 5 and 0 <= j < 5 for i, j in positions)
    assert np.all(shifted.sum(axis=(1, 2, 3)) == 1.0)
    assert image.sum() == 1.0  # input untouched
    edge = np.ones((1, 4, 4))
    out = data.random_shift(np.repeat(edge, 20, axis=0), max_shift=1, seed=1)
    assert out.min() == 0.0  # zero fill, no wrap-around


def test_random_crop_and_noise():
    images = np.random.default_rng(0).random((6, 1, 8, 8))
    crops = data.random_crop(images, 8, pad=1, seed=0)
    assert crops.shape == images.shape
    with pytest.raises(ValueError, match="larger than the padded image"):
        data.random_crop(images, 11, pad=1)
    noisy = data.gaussian_noise(images, std=0.1, seed=0)
    assert noisy.shape == images.shape and 0 <= noisy.min() and noisy.max() <= 1
    assert 0.03 < np.std(noisy - images) < 0.12
    with pytest.raises(ValueError, match=r"expected images \(N, H, W\) or \(N, C, H, W\)"):
        data.random_shift(np.zeros(5))
