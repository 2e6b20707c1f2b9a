"""Every layer in its three versions: the default (Conv2d and MaxPool2d through dlcourse.fast_layers), the
lecture's code (``fast=False``) and the plain loops (dlcourse.naive): gradient check in float64 and agreement
to 1e-12."""
import functools
import inspect
import types

import numpy as np
import pytest

from dlcourse import fast_layers, layers, naive
from dlcourse.gradcheck import check_layer, numerical_gradient, rel_error

GRAD_TOL = 1e-7
AGREE_TOL = 1e-12

# dlcourse.layers with Conv2d and MaxPool2d running the code the lecture derives instead of fast_layers
readable = types.SimpleNamespace(**{name: getattr(layers, name) for name in dir(layers) if not name.startswith("_")})
readable.Conv2d = functools.partial(layers.Conv2d, fast=False)
readable.MaxPool2d = functools.partial(layers.MaxPool2d, fast=False)
readable.__name__ = "readable"
MODULES = pytest.mark.parametrize("module", [layers, readable, naive], ids=["fast", "readable", "naive"])


def away_from_kinks(x, margin=1e-3):
    """Push entries away from 0, where ReLU-like layers have a kink the centred difference cannot see."""
    return np.where(np.abs(x) < margin, np.sign(x) * margin + (x == 0) * margin, x)


def make(rng, module, kind, shape):
    """(layer, x) for a layer kind and input shape; the same rng state gives the same layer in both modules."""
    if kind == "Affine":
        d = int(np.prod(shape[1:]))
        return module.Affine(rng.standard_normal((d, 5)), rng.standard_normal(5)), rng.standard_normal(shape)
    if kind in ("ReLU", "Sigmoid", "Tanh"):
        return getattr(module, kind)(), away_from_kinks(rng.standard_normal(shape))
    if kind == "LeakyReLU":
        return module.LeakyReLU(0.1), away_from_kinks(rng.standard_normal(shape))
    if kind == "PReLU":
        return module.PReLU(rng.uniform(0.05, 0.3, size=shape[1:])), away_from_kinks(rng.standard_normal(shape))
    if kind == "PReLU-scalar":
        return module.PReLU(0.2), away_from_kinks(rng.standard_normal(shape))
    if kind == "Flatten":
        return module.Flatten(), rng.standard_normal(shape)
    raise ValueError(kind)


DENSE_CASES = [(kind, shape) for kind in ("Affine", "ReLU", "LeakyReLU", "PReLU", "PReLU-scalar", "Sigmoid", "Tanh")
               for shape in ((1, 7), (4, 3), (3, 2, 5))] + [("Flatten", (2, 3, 4)), ("Flatten", (1, 2, 2, 3))]

CONV_CASES = [  # (x shape, W shape, stride, pad)
    ((1, 1, 5, 5), (2, 1, 3, 3), 1, 0),
    ((2, 3, 6, 5), (4, 3, 3, 2), 1, 1),
    ((2, 2, 7, 6), (3, 2, 3, 3), 2, 1),
    ((3, 1, 4, 7), (2, 1, 1, 3), 1, 2),
]

POOL_CASES = [  # (x shape, pool_h, pool_w, stride, pad)
    ((1, 1, 4, 4), 2, 2, None, 0),
    ((2, 3, 6, 5), 2, 2, None, 0),
    ((2, 2, 7, 6), 3, 2, 2, 1),
    ((1, 2, 5, 5), 3, 3, 1, 0),
]


def distinct_values(rng, shape):
    """Random values with gaps of at least 1e-2 between any two, so max pooling has no near-ties."""
    values = rng.permutation(int(np.prod(shape))) * 1e-2 + rng.uniform(0, 1e-3)
    return values.reshape(shape)


@MODULES
@pytest.mark.parametrize("kind, shape", DENSE_CASES)
def test_dense_layers_gradient_check(module, kind, shape):
    layer, x = make(np.random.default_rng(0), module, kind, shape)
    errors = check_layer(layer, x)
    assert max(errors.values()) < GRAD_TOL, errors


@MODULES
@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv2d_gradient_check(module, x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(1)
    layer = module.Conv2d(rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]), stride=stride, pad=pad)
    errors = check_layer(layer, rng.standard_normal(x_shape))
    assert max(errors.values()) < GRAD_TOL, errors


@MODULES
@pytest.mark.parametrize("x_shape, ph, pw, stride, pad", POOL_CASES)
def test_maxpool_gradient_check(module, x_shape, ph, pw, stride, pad):
    rng = np.random.default_rng(2)
    layer = module.MaxPool2d(ph, pw, stride=stride, pad=pad)
    errors = check_layer(layer, distinct_values(rng, x_shape), h=1e-6)
    assert errors["x"] < GRAD_TOL, errors


@MODULES
@pytest.mark.parametrize("n, c", [(1, 4), (5, 3), (3, 10)])
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_gradient_check(module, n, c, one_hot):
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((n, c)), rng.integers(0, c, size=n)
    if one_hot:
        t = np.eye(c)[t]
    layer = module.SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    assert rel_error(dx, numerical_gradient(lambda _: layer.forward(x, t), x)) < GRAD_TOL


@MODULES
@pytest.mark.parametrize("shape", [(1, 6), (4, 3, 2)])
def test_dropout_gradient_check_with_fixed_mask(module, shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    layer = module.Dropout(0.25, seed=7)
    out = layer.forward(x, train=True)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    mask = layer.mask
    # with the mask fixed, the layer is linear: out = x * mask
    assert rel_error(dx, numerical_gradient(lambda z: float(np.sum(z * mask * dout)), x)) < GRAD_TOL
    assert np.allclose(out, x * mask)


def _assert_agree(fast, slow, x, **kwargs):
    rng = np.random.default_rng(5)
    out_fast, out_slow = fast.forward(x, **kwargs), slow.forward(x, **kwargs)
    assert out_fast.shape == out_slow.shape
    assert np.max(np.abs(out_fast - out_slow)) <= AGREE_TOL * max(1.0, np.max(np.abs(out_slow)))
    dout = rng.standard_normal(out_fast.shape)
    dx_fast, dx_slow = fast.backward(dout), slow.backward(dout)
    assert np.max(np.abs(dx_fast - dx_slow)) <= AGREE_TOL * max(1.0, np.max(np.abs(dx_slow)))
    for name in fast.grads:
        scale = max(1.0, np.max(np.abs(slow.grads[name])))
        assert np.max(np.abs(fast.grads[name] - slow.grads[name])) <= AGREE_TOL * scale


@pytest.mark.parametrize("kind, shape", DENSE_CASES)
def test_dense_fast_and_naive_agree(kind, shape):
    fast, x = make(np.random.default_rng(6), layers, kind, shape)
    slow, _ = make(np.random.default_rng(6), naive, kind, shape)
    _assert_agree(fast, slow, x)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "readable"])
@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv2d_fast_and_naive_agree(x_shape, w_shape, stride, pad, fast):
    rng = np.random.default_rng(7)
    W, b, x = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]), rng.standard_normal(x_shape)
    _assert_agree(layers.Conv2d(W, b, stride=stride, pad=pad, fast=fast), naive.Conv2d(W, b, stride=stride, pad=pad), x)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "readable"])
@pytest.mark.parametrize("x_shape, ph, pw, stride, pad", POOL_CASES)
def test_maxpool_fast_and_naive_agree(x_shape, ph, pw, stride, pad, fast):
    x = np.random.default_rng(8).standard_normal(x_shape)
    _assert_agree(layers.MaxPool2d(ph, pw, stride=stride, pad=pad, fast=fast),
                  naive.MaxPool2d(ph, pw, stride=stride, pad=pad), x)


# ---------------------------------------------------------------- fast_layers against the lecture's code

FAST_CONV_CASES = [  # (x shape, W shape, stride, pad): 1×1 to 5×5 filters, strides 1 to 3, pads 0 to 2
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1),
    ((3, 2, 9, 8), (5, 2, 3, 2), 2, 1),
    ((1, 4, 8, 8), (2, 4, 1, 1), 1, 0),
    ((2, 1, 11, 10), (3, 1, 5, 5), 3, 2),
    ((4, 16, 8, 8), (8, 16, 3, 3), 1, 1),
    ((1, 1, 4, 4), (1, 1, 4, 4), 1, 0),
    ((70, 2, 10, 10), (3, 2, 3, 3), 1, 1),  # 7,000 positions: more than one block of the dW sum
]

FAST_POOL_CASES = [  # (x shape, pool_h, pool_w, stride, pad): the strided-view path and the general one
    ((2, 3, 8, 8), 2, 2, None, 0),
    ((2, 3, 7, 9), 2, 2, None, 0),  # windows leave a margin
    ((2, 2, 9, 9), 3, 3, None, 0),
    ((2, 2, 8, 8), 2, 2, None, 1),
    ((2, 2, 7, 6), 3, 2, 2, 1),
    ((1, 2, 5, 5), 3, 3, 1, 0),
    ((3, 1, 6, 7), 2, 3, 1, 1),
    ((2, 3, 6, 6), 1, 1, None, 0),
]


def _assert_equal_paths(fast, readable_layer, x, dout, exact_forward=False):
    out_fast, out_readable = fast.forward(x), readable_layer.forward(x)
    if exact_forward:  # a max is a copy: no round-off at all
        np.testing.assert_array_equal(out_fast, out_readable)
    np.testing.assert_allclose(out_fast, out_readable, rtol=AGREE_TOL, atol=AGREE_TOL)
    np.testing.assert_allclose(fast.backward(dout), readable_layer.backward(dout), rtol=AGREE_TOL, atol=AGREE_TOL)
    for name in fast.grads:
        np.testing.assert_allclose(fast.grads[name], readable_layer.grads[name], rtol=AGREE_TOL, atol=AGREE_TOL)


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", FAST_CONV_CASES)
def test_conv2d_fast_kernels_equal_the_lecture_code(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(14)
    W, b, x = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]), rng.standard_normal(x_shape)
    fast, slow = layers.Conv2d(W, b, stride, pad), layers.Conv2d(W, b, stride, pad, fast=False)
    out = fast.forward(x)
    _assert_equal_paths(fast, slow, x, rng.standard_normal(out.shape))
    np.testing.assert_array_equal(fast_layers.batch_last_to_rows(fast.fast_cache[0][:-1], len(x)), slow.col)


@pytest.mark.parametrize("x_shape, ph, pw, stride, pad", FAST_POOL_CASES)
@pytest.mark.parametrize("after_conv", [False, True], ids=["contiguous", "batch-last"])
def test_maxpool_fast_kernels_equal_the_lecture_code(x_shape, ph, pw, stride, pad, after_conv):
    rng = np.random.default_rng(15)
    x = rng.integers(0, 4, size=x_shape).astype(np.float64)  # many ties: both must pick the first maximum
    if after_conv:  # the fast path keeps a Conv2d's batch-last layout
        x = layers.Conv2d(np.ones((x_shape[1], 1, 1, 1)), np.zeros(x_shape[1])).forward(x[:, :1]) * x
    fast, slow = layers.MaxPool2d(ph, pw, stride, pad), layers.MaxPool2d(ph, pw, stride, pad, fast=False)
    out = fast.forward(x)
    _assert_equal_paths(fast, slow, x, rng.standard_normal(out.shape), exact_forward=True)
    np.testing.assert_array_equal(fast.argmax, slow.argmax)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_both_paths_keep_the_dtype(dtype):
    rng = np.random.default_rng(16)
    x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
    W, b = rng.standard_normal((4, 3, 3, 3)).astype(dtype), np.zeros(4, dtype=dtype)
    for fast in (True, False):
        conv, pool = layers.Conv2d(W, b, pad=1, fast=fast), layers.MaxPool2d(2, 2, fast=fast)
        out = pool.forward(conv.forward(x))
        dx = conv.backward(pool.backward(np.ones_like(out)))
        assert out.dtype == dx.dtype == conv.grads["W"].dtype == conv.grads["b"].dtype == dtype


def test_im2col_and_col2im_are_each_others_bookkeeping():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2, 3, 7, 6))
    col = layers.im2col(x, 3, 2, stride=2, pad=1)
    np.testing.assert_array_equal(col, fast_layers.batch_last_to_rows(fast_layers.im2col_batch_last(x, 3, 2, 2, 1), 2))
    # <col2im(c), x> = <c, im2col(x)>: col2im is im2col's transpose, so it adds overlapping patches up
    c = rng.standard_normal(col.shape)
    assert np.sum(layers.col2im(c, x.shape, 3, 2, 2, 1) * x) == pytest.approx(np.sum(c * col), rel=1e-12)
    cols = fast_layers.im2col_batch_last(x, 3, 2, 2, 1)
    np.testing.assert_allclose(fast_layers.col2im_batch_last(cols, x.shape, 3, 2, 2, 1),
                               layers.col2im(fast_layers.batch_last_to_rows(cols, 2), x.shape, 3, 2, 2, 1), rtol=1e-15)


# ---------------------------------------------------------------- one base class, one set of input checks

LAYER_CLASSES = ["Affine", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", "Dropout", "BatchNorm",
                 "SoftmaxWithLoss", "Flatten", "Conv2d", "MaxPool2d"]


@pytest.mark.parametrize("module", [layers, naive], ids=["layers", "naive"])
def test_every_layer_shares_the_base_class(module):
    for name in LAYER_CLASSES:
        assert issubclass(getattr(module, name), layers.Layer), name
    assert {name for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, layers.Layer) and not name.startswith("_")} \
        == set(LAYER_CLASSES) | {"Layer"}


@MODULES
def test_params_and_grads_have_the_same_keys_and_shapes_and_the_layer_owns_its_params(module):
    W = np.ones((3, 2, 3, 3))
    for layer in (module.Affine(np.ones((4, 2)), np.zeros(2)), module.PReLU(np.full(3, 0.1)),
                  module.BatchNorm(np.ones(3), np.zeros(3)), module.Conv2d(W, np.zeros(3)), module.ReLU()):
        assert set(layer.params) == set(layer.grads)
        for name, value in layer.params.items():
            assert value.shape == layer.grads[name].shape and value.dtype == np.float64
    conv = module.Conv2d(W, np.zeros(3))
    conv.params["W"] += 1.0
    assert np.array_equal(W, np.ones((3, 2, 3, 3)))


@MODULES
def test_eval_mode_is_what_train_false_does_and_an_explicit_flag_wins(module):
    rng = np.random.default_rng(18)
    x = rng.standard_normal((6, 4))
    drop = module.Dropout(0.5, seed=0)
    assert drop.training and drop.eval() is drop and not drop.training
    assert np.array_equal(drop.forward(x), x)
    assert not np.array_equal(drop.forward(x, train=True), x)
    assert not np.array_equal(drop.train().forward(x), x)
    bn = module.BatchNorm(np.ones(4), np.zeros(4))
    bn.running_mean, bn.running_var = np.full(4, 0.5), np.full(4, 2.0)
    expected = (x - 0.5) / np.sqrt(2.0 + bn.eps)
    np.testing.assert_allclose(bn.eval().forward(x), expected, rtol=1e-13)
    np.testing.assert_allclose(bn.forward(x, train=False), expected, rtol=1e-13)
    assert np.allclose(bn.forward(x, train=True).mean(axis=0), 0.0)
    np.testing.assert_allclose(bn.backward(np.ones_like(x)), 0.0, atol=1e-12)  # training: Σ dout cancels out


@pytest.mark.parametrize("module, prefix", [(layers, ""), (naive, "naive.")], ids=["layers", "naive"])
def test_bad_input_gives_the_same_message_in_both_modules(module, prefix):
    with pytest.raises(ValueError) as error:
        module.Affine(np.zeros((64, 10)), np.zeros(10)).forward(np.zeros((32, 63)))
    assert str(error.value) == (f"{prefix}Affine.forward: x has 63 features, W expects 64 "
                                "(x.shape=(32, 63), W.shape=(64, 10))")
    with pytest.raises(ValueError, match=rf"^{prefix}Affine: W must be \(D, M\) and b \(M,\)"):
        module.Affine(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=rf"^{prefix}Dropout: ratio is the probability of dropping a unit and "
                                         r"must be in \[0, 1\), got 1.0$"):
        module.Dropout(1.0)
    with pytest.raises(ValueError, match=rf"^{prefix}Conv2d: stride must be an integer >= 1"):
        module.Conv2d(np.zeros((4, 3, 3, 3)), np.zeros(4), stride=0)
    with pytest.raises(ValueError, match=rf"^{prefix}Conv2d: W must be \(FN, C, FH, FW\) and b \(FN,\)"):
        module.Conv2d(np.zeros((4, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=rf"^{prefix}MaxPool2d: pool sizes and stride must be >= 1"):
        module.MaxPool2d(0, 2)
    with pytest.raises(ValueError, match=rf"^{prefix}MaxPool2d.forward: x must be \(N, C, H, W\), got shape"):
        module.MaxPool2d(2, 2).forward(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=rf"^{prefix}SoftmaxWithLoss.forward: x must be \(N, C\) scores"):
        module.SoftmaxWithLoss().forward(np.zeros(3), np.array([0]))


def test_maxpool_ties_go_to_the_first_maximum_in_both_versions():
    x = np.zeros((1, 1, 2, 2))
    for module in (layers, readable, naive):
        layer = module.MaxPool2d(2, 2)
        layer.forward(x)
        assert np.array_equal(layer.backward(np.ones((1, 1, 1, 1))), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_softmax_with_loss_and_dropout_fast_and_naive_agree():
    rng = np.random.default_rng(9)
    x, t = rng.standard_normal((4, 6)), rng.integers(0, 6, size=4)
    fast, slow = layers.SoftmaxWithLoss(), naive.SoftmaxWithLoss()
    assert abs(fast.forward(x, t) - slow.forward(x, t)) < AGREE_TOL
    assert np.max(np.abs(fast.backward() - slow.backward())) < AGREE_TOL
    fast, slow = layers.Dropout(0.3, seed=1), naive.Dropout(0.3, seed=1)
    _assert_agree(fast, slow, rng.standard_normal((3, 5)), train=True)
    _assert_agree(fast, slow, rng.standard_normal((3, 5)), train=False)


def test_dropout_ratio_is_the_probability_of_dropping_and_test_mode_is_identity():
    x = np.ones((200, 200))
    layer = layers.Dropout(0.25, seed=0)
    out = layer.forward(x, train=True)
    assert abs(np.mean(out == 0) - 0.25) < 0.01           # one unit in four dropped
    assert np.allclose(out[out != 0], 1 / 0.75)             # inverted scaling
    assert abs(out.mean() - 1.0) < 0.02                      # expectation unchanged
    assert np.array_equal(layer.forward(x, train=False), x)  # nothing changes at test time


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_dropout_ratio_outside_range_is_rejected(ratio):
    with pytest.raises(ValueError, match=r"ratio .* must be in \[0, 1\), got"):
        layers.Dropout(ratio)


def test_affine_bad_shapes_say_what_was_expected():
    layer = layers.Affine(np.zeros((64, 10)), np.zeros(10))
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros((32, 63)))
    assert str(error.value) == ("Affine.forward: x has 63 features, W expects 64 "
                                "(x.shape=(32, 63), W.shape=(64, 10))")
    with pytest.raises(ValueError, match=r"b \(M,\)"):
        layers.Affine(np.zeros((4, 3)), np.zeros(4))


def test_bad_dtypes_and_labels_are_rejected():
    with pytest.raises(ValueError, match="real numeric array, got dtype <U1"):
        layers.ReLU().forward(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 2\], got values from 0 to 3"):
        layers.SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="class indices t must be integers, got dtype float64"):
        layers.SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"x has 2 channels, the filters expect 3"):
        layers.Conv2d(np.zeros((4, 3, 3, 3)), np.zeros(4)).forward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"x must be \(N, C, H, W\), got shape \(5, 5\)"):
        layers.MaxPool2d(2, 2).forward(np.zeros((5, 5)))


def test_layers_never_modify_their_arguments():
    rng = np.random.default_rng(10)
    W, b, x = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.standard_normal((3, 6))
    copies = [a.copy() for a in (W, b, x)]
    affine = layers.Affine(W, b)
    dout = rng.standard_normal((3, 4))
    dout_copy = dout.copy()
    affine.forward(x)
    affine.backward(dout)
    affine.params["W"] -= 1.0  # training the layer must not change the caller's W
    for layer in (layers.ReLU(), layers.LeakyReLU(), layers.PReLU(0.1), layers.Sigmoid(), layers.Tanh(),
                  layers.Dropout(0.5, seed=0)):
        layer.forward(x)
        layer.backward(rng.standard_normal(x.shape).copy())
        relu_dout = np.full(x.shape, -2.0)
        relu_dout_copy = relu_dout.copy()
        layer.forward(x)
        layer.backward(relu_dout)
        assert np.array_equal(relu_dout, relu_dout_copy), type(layer).__name__
    for original, current in zip(copies, (W, b, x)):
        assert np.array_equal(original, current)
    assert np.array_equal(dout, dout_copy)


def test_conv_output_size_is_an_integer_and_checks_fit():
    assert layers.conv_output_size(7, 3, stride=2, pad=1) == 4
    assert isinstance(layers.conv_output_size(8, 3, 2, 0), int)
    with pytest.raises(ValueError, match="does not fit"):
        layers.conv_output_size(2, 5)


def test_im2col_rows_are_flattened_patches_in_filter_order():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    col = layers.im2col(x, 2, 3, stride=1, pad=0)
    assert col.shape == (2 * 3 * 3, 3 * 2 * 3)
    assert np.array_equal(col[3 * 3 + 1 * 3 + 2], x[1, :, 1:3, 2:5].ravel())


def test_numerical_gradient_restores_x_and_rejects_integer_arrays():
    x = np.array([[1.0, -2.0, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda z: float(np.sum(z ** 2)), x)
    assert np.array_equal(x, before)
    assert rel_error(grad, 2 * before) < 1e-9
    with pytest.raises(ValueError, match="floating-point ndarray"):
        numerical_gradient(lambda z: 0.0, np.array([1, 2]))


def test_rel_error_floors_the_denominator():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1e-12], [0.0]) == pytest.approx(1e-4)
    assert rel_error([1.0], [1.0 + 1e-9]) < 1e-9


# ---------------------------------------------------------------- batch normalisation

BATCHNORM_SHAPES = [(4, 3), (7, 1), (2, 3, 2, 2), (3, 2, 1, 4)]


def make_batchnorm(module, shape, seed=11, momentum=0.9):
    """A BatchNorm with random γ, β and an input with non-trivial mean and spread per feature."""
    rng = np.random.default_rng(seed)
    channels = shape[1]
    layer = module.BatchNorm(rng.uniform(0.5, 2.0, channels), rng.standard_normal(channels), momentum=momentum)
    x = rng.standard_normal(shape) * 3.0 + rng.standard_normal(channels).reshape((1, -1) + (1,) * (len(shape) - 2))
    return layer, x


@MODULES
@pytest.mark.parametrize("shape", BATCHNORM_SHAPES)
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_gradient_check(module, shape, train):
    layer, x = make_batchnorm(module, shape)
    if not train:  # running statistics that differ from the batch's, so the two modes are told apart
        layer.running_mean = np.linspace(-1.0, 1.0, shape[1])
        layer.running_var = np.linspace(0.5, 4.0, shape[1])
    errors = check_layer(layer, x, train=train)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < GRAD_TOL, errors


@MODULES
@pytest.mark.parametrize("shape", BATCHNORM_SHAPES)
def test_batchnorm_training_output_has_zero_mean_unit_variance_then_gamma_and_beta(module, shape):
    layer, x = make_batchnorm(module, shape)
    out = layer.forward(x, train=True)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    per_feature = (1, -1) + (1,) * (len(shape) - 2)
    normalised = (out - layer.params["beta"].reshape(per_feature)) / layer.params["gamma"].reshape(per_feature)
    np.testing.assert_allclose(normalised.mean(axis=axes), 0.0, atol=1e-12)
    variance = x.var(axis=axes)  # biased, as the layer uses
    np.testing.assert_allclose(normalised.var(axis=axes), variance / (variance + layer.eps), rtol=1e-12)


@pytest.mark.parametrize("shape", BATCHNORM_SHAPES)
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_fast_and_naive_agree(shape, train):
    fast, x = make_batchnorm(layers, shape)
    slow, _ = make_batchnorm(naive, shape)
    for layer in (fast, slow):
        layer.forward(x * 0.5 + 1.0, train=True)  # move the running statistics away from (0, 1)
    _assert_agree(fast, slow, x, train=train)
    np.testing.assert_allclose(fast.running_mean, slow.running_mean, rtol=AGREE_TOL, atol=AGREE_TOL)
    np.testing.assert_allclose(fast.running_var, slow.running_var, rtol=AGREE_TOL, atol=AGREE_TOL)


@MODULES
@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3)])
def test_batchnorm_running_averages_follow_the_contract(module, shape):
    layer, x = make_batchnorm(module, shape, momentum=0.8)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    assert np.array_equal(layer.running_mean, np.zeros(shape[1]))
    assert np.array_equal(layer.running_var, np.ones(shape[1]))
    expected_mean, expected_var = np.zeros(shape[1]), np.ones(shape[1])
    for step in range(3):
        batch = x + step
        layer.forward(batch, train=True)
        # running = momentum · running + (1 - momentum) · batch, with the biased batch variance
        expected_mean = 0.8 * expected_mean + 0.2 * batch.mean(axis=axes)
        expected_var = 0.8 * expected_var + 0.2 * batch.var(axis=axes)
        np.testing.assert_allclose(layer.running_mean, expected_mean, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(layer.running_var, expected_var, rtol=1e-13)
    before = (layer.running_mean.copy(), layer.running_var.copy())
    layer.forward(x * 10.0, train=False)  # evaluation never changes the running statistics
    assert np.array_equal(layer.running_mean, before[0]) and np.array_equal(layer.running_var, before[1])


@MODULES
def test_batchnorm_evaluation_uses_the_running_statistics_sample_by_sample(module):
    layer, x = make_batchnorm(module, (6, 4))
    layer.running_mean = np.array([1.0, -2.0, 0.5, 0.0])
    layer.running_var = np.array([4.0, 0.25, 1.0, 9.0])
    out = layer.forward(x, train=False)
    gamma, beta = layer.params["gamma"], layer.params["beta"]
    expected = gamma * (x - layer.running_mean) / np.sqrt(layer.running_var + layer.eps) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)
    # a sample's output no longer depends on its batch, and a batch of one is fine
    np.testing.assert_allclose(layer.forward(x[2:3], train=False), expected[2:3], rtol=1e-13, atol=1e-13)
    assert not np.allclose(layer.forward(x, train=True), expected)


def test_batchnorm_trains_inside_a_sequential_and_predicts_with_running_statistics():
    from dlcourse.network import Sequential
    from dlcourse.optim import SGD

    rng = np.random.default_rng(12)
    x, t = rng.standard_normal((32, 5)), rng.integers(0, 3, size=32)
    net = Sequential([layers.Affine(rng.standard_normal((5, 8)), np.zeros(8)),
                      layers.BatchNorm(np.ones(8), np.zeros(8)),
                      layers.ReLU(), layers.Affine(rng.standard_normal((8, 3)), np.zeros(3))])
    assert {"1.gamma", "1.beta"} <= set(net.params)
    first = net.loss(x, t)
    optimizer = SGD(0.1)
    for _ in range(30):
        net.loss(x, t)
        net.backward()
        optimizer.update(net.params, net.grads)
    assert net.loss(x, t) < 0.8 * first
    assert not np.allclose(net.layers[1].params["gamma"], 1.0)  # the optimiser updated γ in place
    np.testing.assert_allclose(net.forward(x[:1]), net.forward(x)[:1], rtol=1e-12)  # evaluation: per sample


@pytest.mark.parametrize("module, where", [(layers, "BatchNorm"), (naive, "naive.BatchNorm")], ids=["fast", "naive"])
def test_batchnorm_bad_input_says_what_was_expected(module, where):
    layer = module.BatchNorm(np.ones(4), np.zeros(4))
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros((8, 5)))
    assert str(error.value) == (f"{where}.forward: x has 5 features, gamma expects 4 "
                                "(x.shape=(8, 5), gamma.shape=(4,))")
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros((2, 3, 5, 5)))
    assert str(error.value) == (f"{where}.forward: x has 3 channels, gamma expects 4 "
                                "(x.shape=(2, 3, 5, 5), gamma.shape=(4,))")
    with pytest.raises(ValueError, match=rf"^{where}.forward: x must be \(N, D\) or \(N, C, H, W\), "
                                         r"got shape \(2, 4, 3\)$"):
        layer.forward(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=rf"^{where}.forward: training needs more than one value per feature .* "
                                         r"got x.shape=\(1, 4\); use train=False"):
        layer.forward(np.zeros((1, 4)))
    assert layer.forward(np.zeros((1, 4)), train=False).shape == (1, 4)
    with pytest.raises(ValueError, match=rf"^{where}.forward: x must be a real numeric array, got dtype <U1"):
        layer.forward(np.array([["a"] * 4] * 2))
    with pytest.raises(ValueError, match=rf"^{where}: gamma and beta must be \(D,\) or \(C,\) of the same shape, "
                                         r"got gamma.shape=\(4,\), beta.shape=\(3,\)$"):
        module.BatchNorm(np.ones(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"gamma.shape=\(2, 2\)"):
        module.BatchNorm(np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=rf"^{where}: momentum .* must be in \[0, 1\], got 1.5$"):
        module.BatchNorm(np.ones(4), np.zeros(4), momentum=1.5)
    with pytest.raises(ValueError, match=rf"^{where}: eps .* must be > 0, got 0$"):
        module.BatchNorm(np.ones(4), np.zeros(4), eps=0)


@MODULES
def test_batchnorm_never_modifies_its_arguments(module):
    rng = np.random.default_rng(13)
    gamma, beta, x, dout = np.ones(3), np.zeros(3), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    copies = [a.copy() for a in (gamma, beta, x, dout)]
    layer = module.BatchNorm(gamma, beta)
    layer.forward(x)
    layer.backward(dout)
    layer.params["gamma"] -= 1.0  # training the layer must not change the caller's gamma
    for original, current in zip(copies, (gamma, beta, x, dout)):
        assert np.array_equal(original, current)
