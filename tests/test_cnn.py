"""Lecture 07's answer key agrees with the library: the exercises ask for what dlcourse.layers computes."""
import numpy as np
import pytest

from dlcourse import layers
from dlcourse.checks import cnn as key


@pytest.mark.parametrize("n, c, h, w, fn, fh, fw, stride, pad", [
    (2, 3, 7, 6, 4, 3, 3, 1, 1), (1, 1, 8, 8, 2, 2, 2, 2, 0), (3, 2, 5, 9, 3, 3, 2, 2, 2), (2, 1, 4, 4, 1, 1, 1, 1, 0)])
def test_convolution_references_match_the_layers(n, c, h, w, fn, fh, fw, stride, pad):
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(fn, c, fh, fw)), rng.normal(size=fn)
    np.testing.assert_array_equal(key._im2col(x, fh, fw, stride, pad), layers.im2col(x, fh, fw, stride, pad))
    conv = layers.Conv2d(W, b, stride, pad)
    out = conv.forward(x)
    np.testing.assert_allclose(key._conv2d_naive(x, W, b, stride, pad), out, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dx = conv.backward(dout)
    for ours, theirs in zip(key._conv2d_backward(dout, x, W, stride, pad), (dx, conv.grads["W"], conv.grads["b"])):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
    assert key._conv_output_size(h, fh, stride, pad) == layers.conv_output_size(h, fh, stride, pad) == out.shape[2]


@pytest.mark.parametrize("ph, pw, stride", [(2, 2, 2), (3, 3, 1), (2, 3, 1)])
def test_maxpool_references_match_the_layer(ph, pw, stride):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, size=(2, 3, 7, 8)).astype(np.float64)  # many ties
    pool = layers.MaxPool2d(ph, pw, stride)
    out = pool.forward(x)
    np.testing.assert_array_equal(key._maxpool_forward(x, ph, pw, stride), out)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(key._maxpool_backward(dout, x, ph, pw, stride), pool.backward(dout))


def test_parameter_counts_match_the_layers():
    conv = layers.Conv2d(np.zeros((32, 16, 3, 3)), np.zeros(32))
    counts = key._count_conv_parameters(16, 32, 3, 3)
    assert counts == {"filters": 16 * 32, "weights": 4608, "biases": 32, "total": 4640}
    assert counts["total"] == sum(p.size for p in conv.params.values())
    affine = layers.Affine(np.zeros((64, 10)), np.zeros(10))
    assert key._count_affine_parameters(64, 10) == sum(p.size for p in affine.params.values()) == 650
