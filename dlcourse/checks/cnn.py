"""Exercises of lecture 07: output size, naive convolution, im2col, convolution backward, max pooling, parameter counts.

Conventions (those of ``dlcourse.layers``): images are (N, C, H, W); filters W are (FN, C, FH, FW) and
biases b are (FN,); the convolution is a cross-correlation (the filter is not flipped), as in every
deep-learning library.
"""
import numpy as np

from .core import Case, Exercise, Mistake, default_call, register, require

# ---------------------------------------------------------------- references

def _conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) // stride + 1


def _pad(x, pad):
    return np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _conv2d_naive(x, W, b, stride=1, pad=0):
    xp, W, b = _pad(x, pad), np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n, _, h, w = np.shape(x)
    fn, _, fh, fw = W.shape
    oh, ow = _conv_output_size(h, fh, stride, pad), _conv_output_size(w, fw, stride, pad)
    out = np.zeros((n, fn, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]  # (N, C, FH, FW)
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def _im2col(x, filter_h, filter_w, stride=1, pad=0):
    xp = _pad(x, pad)
    n, c, h, w = np.shape(x)
    oh, ow = _conv_output_size(h, filter_h, stride, pad), _conv_output_size(w, filter_w, stride, pad)
    col = np.zeros((n, oh, ow, c, filter_h, filter_w))
    for i in range(oh):
        for j in range(ow):
            col[:, i, j] = xp[:, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w]
    return col.reshape(n * oh * ow, c * filter_h * filter_w)


def _conv2d_backward(dout, x, W, stride=1, pad=0):
    dxp, dW, db = _conv2d_backward_padded(dout, x, W, stride, pad)
    h, w = np.shape(x)[2:]
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db


def _conv2d_backward_padded(dout, x, W, stride=1, pad=0):
    """Like _conv2d_backward, but dx keeps the padding border: (N, C, H + 2·pad, W + 2·pad)."""
    dout, W = np.asarray(dout, dtype=np.float64), np.asarray(W, dtype=np.float64)
    xp = _pad(x, pad)
    n, c, h, w = np.shape(x)
    _, _, fh, fw = W.shape
    _, _, oh, ow = dout.shape
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * stride, i * stride + fh), slice(j * stride, j * stride + fw)
            g = dout[:, :, i, j]  # (N, FN)
            dW += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
            dxp[:, :, rows, cols] += np.tensordot(g, W, axes=([1], [0]))
    return dxp, dW, dout.sum(axis=(0, 2, 3))


def _windows(x, pool_h, pool_w, stride):
    """(N, C, OH, OW, pool_h·pool_w) windows, each flattened row by row."""
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    oh, ow = _conv_output_size(h, pool_h, stride), _conv_output_size(w, pool_w, stride)
    out = np.zeros((n, c, oh, ow, pool_h * pool_w))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].reshape(n, c, -1)
    return out


def _maxpool_forward(x, pool_h, pool_w, stride):
    return _windows(x, pool_h, pool_w, stride).max(axis=-1)


def _maxpool_backward(dout, x, pool_h, pool_w, stride):
    dout = np.asarray(dout, dtype=np.float64)
    first = _windows(x, pool_h, pool_w, stride).argmax(axis=-1)  # the first maximum wins ties
    dx = np.zeros(np.shape(x))
    for index in np.ndindex(dout.shape):
        n, c, i, j = index
        di, dj = divmod(int(first[index]), pool_w)
        dx[n, c, i * stride + di, j * stride + dj] += dout[index]
    return dx


def _count_conv_parameters(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": weights, "biases": c_out, "total": weights + c_out}


def _count_affine_parameters(n_in, n_out):
    return n_in * n_out + n_out


def _wrong_defaults(reference, signature):
    """Mistakes for a function whose stride or pad default differs from the stated signature."""
    n_before = signature.count(",") - 1  # positional arguments before stride

    def with_defaults(stride, pad):
        def wrong(*args, **kwargs):
            for k, (name, value) in enumerate((("stride", stride), ("pad", pad))):
                if len(args) <= n_before + k:
                    kwargs.setdefault(name, value)
            return reference(*args, **kwargs)
        return wrong

    return [Mistake(f"default stride={stride}, pad={pad}", with_defaults(stride, pad),
                    f"keep the defaults of the signature you were given, {signature}: a call that leaves stride "
                    f"or pad out must mean stride=1 and pad=0 (yours behaves as if stride={stride}, pad={pad})",
                    raises=("ZeroDivisionError", "ValueError", "IndexError"))
            for stride, pad in ((0, 0), (1, 1), (2, 0), (0, 1), (2, 1))]


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _size_contract(input_size, filter_size, stride=1, pad=0):
    require(all(isinstance(v, int) for v in (input_size, filter_size, stride, pad)), "sizes are ints")
    require(stride >= 1 and pad >= 0 and input_size + 2 * pad >= filter_size >= 1, "the filter fits the padded input")


def _conv_contract(x, W, b, stride=1, pad=0):
    require(np.ndim(x) == 4 and np.ndim(W) == 4 and np.shape(x)[1] == np.shape(W)[1],
            "x (N, C, H, W), W (FN, C, FH, FW)")
    require(np.shape(b) == (np.shape(W)[0],), "b: (FN,)")
    _size_contract(np.shape(x)[2], np.shape(W)[2], stride, pad)
    _size_contract(np.shape(x)[3], np.shape(W)[3], stride, pad)


def _im2col_contract(x, filter_h, filter_w, stride=1, pad=0):
    require(np.ndim(x) == 4, "x: (N, C, H, W)")
    _size_contract(np.shape(x)[2], filter_h, stride, pad)
    _size_contract(np.shape(x)[3], filter_w, stride, pad)


def _conv_backward_contract(dout, x, W, stride=1, pad=0):
    _conv_contract(x, W, np.zeros(np.shape(W)[0]), stride, pad)
    n, _, h, w = np.shape(x)
    fn, _, fh, fw = np.shape(W)
    shape = (n, fn, _conv_output_size(h, fh, stride, pad), _conv_output_size(w, fw, stride, pad))
    require(np.shape(dout) == shape, f"dout must have the output's shape {shape}, got {np.shape(dout)}")


def _pool_forward_contract(x, pool_h, pool_w, stride):
    require(np.ndim(x) == 4, "x: (N, C, H, W)")
    _size_contract(np.shape(x)[2], pool_h, stride)
    _size_contract(np.shape(x)[3], pool_w, stride)


def _pool_backward_contract(dout, x, pool_h, pool_w, stride):
    _pool_forward_contract(x, pool_h, pool_w, stride)
    n, c, h, w = np.shape(x)
    shape = (n, c, _conv_output_size(h, pool_h, stride), _conv_output_size(w, pool_w, stride))
    require(np.shape(dout) == shape, f"dout must have the output's shape {shape}, got {np.shape(dout)}")


def _count_contract(*sizes):
    require(all(isinstance(v, int) and v >= 1 for v in sizes), "sizes: ints >= 1")


def _tied_window(case):
    if case.function != "maxpool_backward":
        return False
    windows = _windows(case.args[1], *case.args[2:])
    return bool(np.any((windows == windows.max(axis=-1, keepdims=True)).sum(axis=-1) > 1))


# ---------------------------------------------------------------- conv_output_size

register(Exercise(
    name="conv_output_size",
    contract=_size_contract,
    boundaries={"stride and pad at their defaults": lambda case: default_call(case, 2),
                "only pad given": lambda case: set(case.kwargs) == {"pad"},
                "only stride given": lambda case: set(case.kwargs) == {"stride"}},
    functions="conv_output_size",
    reference=_conv_output_size,
    points=1,
    public=[
        Case((8, 3, 1, 0), label="an 8×8 digit, 3×3 filter, stride 1, no padding"),
        Case((8, 3, 1, 1), label="an 8×8 digit, 3×3 filter, padding 1 ('same' size)"),
        Case((7, 3, 2, 0), label="7 pixels, 3×3 filter, stride 2"),
        Case((8, 3, 2, 1),
             label="8 pixels, 3×3 filter, stride 2, padding 1 (the filter does not reach the last pixel)"),
        Case((227, 11, 4, 0), label="AlexNet's first layer: 227 pixels, 11×11 filter, stride 4"),
        Case((6, 2, 2, 0), label="2×2 max pooling of a 6×6 map"),
        Case((8, 3), label="stride and pad left at their defaults (stride=1, pad=0)"),
        Case((8, 3), {"pad": 1}, label="pad=1 given by name, stride at its default 1"),
        Case((7, 3), {"stride": 2}, label="stride=2 given by name, pad at its default 0"),
    ],
    hidden=lambda rng: [Case((int(f + rng.integers(0, 30)), int(f), int(s), int(p)), label="random sizes")
                        for f, s, p in zip(rng.integers(1, 8, size=6), rng.integers(1, 5, size=6),
                                           rng.integers(0, 4, size=6))],
    mistakes=[
        Mistake("true division", lambda h, f, s=1, p=0: (h + 2 * p - f) / s + 1,
                "an output size is a whole number of positions: use integer division //, "
                "(H + 2P − F) // S + 1, not /"),
        Mistake("padding counted once", lambda h, f, s=1, p=0: (h + p - f) // s + 1,
                "padding adds P pixels on BOTH sides: the padded size is H + 2P"),
        Mistake("no +1", lambda h, f, s=1, p=0: (h + 2 * p - f) // s,
                "count the first position too: (H + 2P − F) // S steps, plus 1 for where the filter starts"),
        Mistake("rounded up", lambda h, f, s=1, p=0: -(-(h + 2 * p - f) // s) + 1,
                "round DOWN: a filter that would stick out past the (padded) border is not placed, "
                "so use floor division //"),
        *_wrong_defaults(_conv_output_size, "conv_output_size(input_size, filter_size, stride=1, pad=0)"),
    ],
    hides=("fast_layers._output_size", "layers.conv_output_size"),
))


# ---------------------------------------------------------------- conv2d_naive

_SMALL_X = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
_SMALL_W = np.array([[[[1.0, 2.0], [0.0, -1.0]]]])


def _random_conv_case(rng, label):
    n, c, fn = (int(v) for v in rng.integers(1, 4, size=3))
    fh, fw = (int(v) for v in rng.integers(1, 4, size=2))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 3))
    h, w = fh + int(rng.integers(0, 5)), fw + int(rng.integers(0, 5))
    return Case((rng.normal(size=(n, c, h, w)), rng.normal(size=(fn, c, fh, fw)), rng.normal(size=fn), stride, pad),
                label=label)


def _conv_mistake_flipped(x, W, b, stride=1, pad=0):
    return _conv2d_naive(x, np.asarray(W)[:, :, ::-1, ::-1], b, stride, pad)


def _conv_mistake_stride_ignored(x, W, b, stride=1, pad=0):
    full = _conv2d_naive(x, W, b, 1, pad)
    n, _, h, w = np.shape(x)
    oh, ow = _conv_output_size(h, np.shape(W)[2], stride, pad), _conv_output_size(w, np.shape(W)[3], stride, pad)
    return full[:, :, :oh, :ow]


def _conv_mistake_one_channel(x, W, b, stride=1, pad=0):
    return _conv2d_naive(np.asarray(x)[:, :1], np.asarray(W)[:, :1], b, stride, pad)


def _conv_mistake_pad_one_side(x, W, b, stride=1, pad=0):
    x = np.asarray(x, dtype=np.float64)
    shifted = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))[:, :, :x.shape[2] + 2 * pad,
                                                                      :x.shape[3] + 2 * pad]
    return _conv2d_naive(shifted, W, b, stride, 0)


def _conv_mistake_true_division(x, W, b, stride=1, pad=0):
    n, fn = np.shape(x)[0], np.shape(W)[0]
    return np.zeros((n, fn, (np.shape(x)[2] + 2 * pad - np.shape(W)[2]) / stride + 1, 1))  # raises TypeError


register(Exercise(
    name="conv2d_naive",
    contract=_conv_contract,
    boundaries={"stride and pad at their defaults": lambda case: default_call(case, 3)},
    functions="conv2d_naive",
    reference=_conv2d_naive,
    points=2,
    public=[
        Case((_SMALL_X, _SMALL_W, np.array([0.5]), 1, 0),
             label="one 4×4 image 0..15, one 2×2 filter [[1, 2], [0, −1]], bias 0.5"),
        Case((_SMALL_X, _SMALL_W, np.array([0.0]), 2, 1), label="the same image, stride 2, padding 1"),
        Case((np.arange(2 * 2 * 4 * 5, dtype=np.float64).reshape(2, 2, 4, 5) / 10,
              np.linspace(-1, 1, 3 * 2 * 3 * 3).reshape(3, 2, 3, 3), np.array([0.1, -0.2, 0.3]), 1, 1),
             label="2 images of 2 channels 4×5, 3 filters 3×3, padding 1"),
        Case((_SMALL_X, _SMALL_W, np.array([0.5])), label="the first case with stride and pad left at their defaults"),
    ],
    hidden=lambda rng: [_random_conv_case(rng, "random shapes") for _ in range(5)],
    mistakes=[
        Mistake("flipped filter", _conv_mistake_flipped,
                "deep-learning convolution does not flip the filter (it is a cross-correlation): "
                "out[n, f, i, j] = Σ x_patch · W[f] with W[f] as it is"),
        Mistake("bias forgotten", lambda x, W, b, stride=1, pad=0: _conv2d_naive(x, W, np.zeros_like(b), stride, pad),
                "add the filter's bias b[f] to every output pixel of map f"),
        Mistake("stride ignored in the patch position", _conv_mistake_stride_ignored,
                "output (i, j) looks at the patch starting at row i·stride and column j·stride"),
        Mistake("only the first channel", _conv_mistake_one_channel,
                "a filter spans ALL input channels: sum the products over c, the filter rows and the filter columns"),
        Mistake("no padding", lambda x, W, b, stride=1, pad=0: _conv2d_naive(x, W, b, stride, 0),
                "pad the input with `pad` zeros on every side first: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, "
                "pad)))"),
        *_wrong_defaults(_conv2d_naive, "conv2d_naive(x, W, b, stride=1, pad=0)"),
        Mistake("padding on one side", _conv_mistake_pad_one_side,
                "pad `pad` zeros on EACH side, before and after: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), "
                "not 2·pad on one side"),
        Mistake("sizes from true division", _conv_mistake_true_division,
                "an output size from / is a float, which cannot be an array shape: use integer division, "
                "(H + 2·pad − FH) // stride + 1", raises=("TypeError",)),
    ],
    hides=("fast_layers.conv_forward_fast", "layers.Conv2d", "naive.Conv2d", "widgets.cnn.feature_map"),
))


# ---------------------------------------------------------------- im2col

def _im2col_channels_last(x, fh, fw, stride=1, pad=0):
    n, c = np.shape(x)[:2]
    col = _im2col(x, fh, fw, stride, pad).reshape(-1, c, fh, fw)
    return col.transpose(0, 2, 3, 1).reshape(len(col), -1)


def _im2col_positions_first(x, fh, fw, stride=1, pad=0):
    n, c, h, w = np.shape(x)
    oh, ow = _conv_output_size(h, fh, stride, pad), _conv_output_size(w, fw, stride, pad)
    col = _im2col(x, fh, fw, stride, pad).reshape(n, oh * ow, -1)
    return col.transpose(1, 0, 2).reshape(n * oh * ow, -1)


def _im2col_not_transposed(x, fh, fw, stride=1, pad=0):
    n, c, h, w = np.shape(x)
    oh, ow = _conv_output_size(h, fh, stride, pad), _conv_output_size(w, fw, stride, pad)
    col = _im2col(x, fh, fw, stride, pad).reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    return col.reshape(n * oh * ow, -1)


register(Exercise(
    name="im2col",
    contract=_im2col_contract,
    boundaries={"stride and pad at their defaults": lambda case: default_call(case, 3)},
    functions="im2col",
    reference=_im2col,
    points=2,
    public=[
        Case((np.arange(9, dtype=np.float64).reshape(1, 1, 3, 3), 2, 2, 1, 0),
             label="one 3×3 image 0..8, 2×2 patches: 4 rows of 4 values"),
        Case((np.arange(2 * 2 * 3 * 3, dtype=np.float64).reshape(2, 2, 3, 3), 2, 2, 1, 0),
             label="2 images of 2 channels 3×3, 2×2 patches"),
        Case((np.arange(1 * 2 * 4 * 4, dtype=np.float64).reshape(1, 2, 4, 4), 3, 3, 2, 1),
             label="one image of 2 channels 4×4, 3×3 patches, stride 2, padding 1"),
        Case((np.arange(9, dtype=np.float64).reshape(1, 1, 3, 3), 2, 2),
             label="the first case with stride and pad left at their defaults"),
    ],
    hidden=lambda rng: [Case((rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(1, 4)), 5, 6)),
                              int(fh), int(fw), int(s), int(p)), label="random image batch")
                        for fh, fw, s, p in ((3, 3, 1, 1), (2, 3, 2, 0), (1, 1, 1, 0), (3, 2, 1, 2))],
    mistakes=[
        Mistake("columns ordered (fh, fw, c)", _im2col_channels_last,
                "order each row's values like a filter W[f] flattened: channel first, then filter row, then "
                "filter column, i.e. patch of shape (C, FH, FW) .reshape(-1)"),
        Mistake("rows ordered (position, image)", _im2col_positions_first,
                "rows go image by image: row n·OH·OW + i·OW + j holds the patch of image n under output (i, j)"),
        Mistake("transposed", lambda x, fh, fw, stride=1, pad=0: _im2col(x, fh, fw, stride, pad).T,
                "one ROW per patch: the result has shape (N·OH·OW, C·FH·FW), not its transpose"),
        Mistake("stride ignored", lambda x, fh, fw, stride=1, pad=0: _im2col(
                    x, fh, fw, 1, pad).reshape(np.shape(x)[0], _conv_output_size(np.shape(x)[2], fh, 1, pad),
                                              _conv_output_size(np.shape(x)[3], fw, 1, pad), -1)[
                    :, :_conv_output_size(np.shape(x)[2], fh, stride, pad), :_conv_output_size(np.shape(x)[3], fw,
                                                                                               stride, pad)
                ].reshape(-1, np.shape(x)[1] * fh * fw),
                "output (i, j) takes the patch starting at row i·stride, column j·stride"),
        *_wrong_defaults(_im2col, "im2col(x, filter_h, filter_w, stride=1, pad=0)"),
        Mistake("the book's layout not transposed", _im2col_not_transposed,
                "the book's col array is (N, C, FH, FW, OH, OW): transpose it to (N, OH, OW, C, FH, FW), "
                ".transpose(0, 4, 5, 1, 2, 3), before reshaping to (N·OH·OW, C·FH·FW)"),
    ],
    hides=("fast_layers.batch_last_to_rows", "fast_layers.im2col_batch_last", "layers.im2col"),
))


# ---------------------------------------------------------------- conv2d_backward

def _backward_case(rng, n, c, fn, h, w, fh, fw, stride, pad, label):
    oh, ow = _conv_output_size(h, fh, stride, pad), _conv_output_size(w, fw, stride, pad)
    return Case((rng.normal(size=(n, fn, oh, ow)), rng.normal(size=(n, c, h, w)), rng.normal(size=(fn, c, fh, fw)),
                 stride, pad), label=label)


def _backward_mistake_assign(dout, x, W, stride=1, pad=0):
    """dx written with = instead of +=: where patches overlap, only the last one counts."""
    dout, W = np.asarray(dout, dtype=np.float64), np.asarray(W, dtype=np.float64)
    xp = _pad(x, pad)
    _, _, h, w = np.shape(x)
    fh, fw = W.shape[2:]
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dxp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw] = np.tensordot(dout[:, :, i, j], W,
                                                                                             axes=([1], [0]))
    _, dW, db = _conv2d_backward(dout, x, W, stride, pad)
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db


def _backward_mistake_flipped(dout, x, W, stride=1, pad=0):
    dx, _, db = _conv2d_backward(dout, x, W, stride, pad)
    _, dW, _ = _conv2d_backward(dout, x, W, stride, pad)
    return dx, dW[:, :, ::-1, ::-1], db


def _backward_mistake_last_image(dout, x, W, stride=1, pad=0):
    dx, _, db = _conv2d_backward(dout, x, W, stride, pad)
    _, dW, _ = _conv2d_backward(np.asarray(dout)[-1:], np.asarray(x)[-1:], W, stride, pad)
    return dx, dW, db


register(Exercise(
    name="conv2d_backward",
    contract=_conv_backward_contract,
    boundaries={"stride and pad at their defaults": lambda case: default_call(case, 3),
                "stride > 1 with padding": lambda case: len(case.args) == 5 and case.args[3] > 1 and case.args[4] > 0},
    functions="conv2d_backward",
    reference=_conv2d_backward,
    points=3,
    public=[
        Case((np.ones((1, 1, 3, 3)), np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4), _SMALL_W, 1, 0),
             label="dout all ones on the 3×3 output of the 4×4 image 0..15 and the 2×2 filter [[1, 2], [0, −1]]"),
        Case((np.arange(9, dtype=np.float64).reshape(1, 1, 3, 3), np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4),
              _SMALL_W, 2, 1), label="the same image, stride 2, padding 1 (a 3×3 output)"),
        _backward_case(np.random.default_rng(7), 2, 2, 3, 4, 5, 3, 3, 1, 1,
                       "2 images of 2 channels 4×5, 3 filters 3×3, padding 1"),
        Case((np.ones((1, 1, 3, 3)), np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4), _SMALL_W),
             label="the first case with stride and pad left at their defaults"),
        Case((np.arange(4, dtype=np.float64).reshape(1, 1, 2, 2), np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4),
              _SMALL_W), {"stride": 2}, label="stride=2 given by name, pad at its default 0 (a 2×2 output)"),
    ],
    hidden=lambda rng: [_backward_case(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4)),
                                       int(rng.integers(3, 7)), int(rng.integers(3, 7)), int(fh), int(fw), int(s),
                                       int(p),
                                       "random shapes")
                        for fh, fw, s, p in ((3, 3, 1, 1), (2, 2, 2, 0), (3, 2, 1, 0), (1, 1, 1, 0), (3, 3, 2, 2))],
    mistakes=[
        Mistake("overlaps overwritten", _backward_mistake_assign,
                "where patches overlap, an input pixel feeds several outputs and its gradient is the SUM: "
                "accumulate dx with +=, not ="),
        Mistake("bias gradient summed over the batch only",
                lambda dout, x, W, stride=1, pad=0: (*_conv2d_backward(dout, x, W, stride, pad)[:2],
                                                     np.asarray(dout).sum(axis=0)),
                "the bias b[f] is added at every output pixel of every image: db[f] = Σ over n, i, j of dout[n, f, i, "
                "j], shape (FN,)"),
        Mistake("dW from the last image only", _backward_mistake_last_image,
                "the same filter is shared by every image of the batch: add up the contributions of all N images "
                "to dW"),
        Mistake("dW flipped", _backward_mistake_flipped,
                "dW[f] = Σ dout[n, f, i, j] · (the input patch under output (i, j)), with the patch as it is, not "
                "flipped"),
        Mistake("padding not removed", _conv2d_backward_padded,
                "dx has the shape of x: cut the padding off the padded gradient, dxp[:, :, pad:pad + H, pad:pad + W]"),
        *_wrong_defaults(_conv2d_backward, "conv2d_backward(dout, x, W, stride=1, pad=0)"),
        Mistake("dW and db divided by N", lambda dout, x, W, stride=1, pad=0: (
                    _conv2d_backward(dout, x, W, stride, pad)[0],
                    *(g / np.shape(x)[0] for g in _conv2d_backward(dout, x, W, stride, pad)[1:])),
                "do not divide by N here: dout already carries the 1/N of the averaged loss; dW and db are plain sums"),
        Mistake("dx left at zeros", lambda dout, x, W, stride=1, pad=0: (
                    np.zeros(np.shape(x)), *_conv2d_backward(dout, x, W, stride, pad)[1:]),
                "dx is still the array of zeros you started from: return the gradient you accumulated, "
                "dx_pad[:, :, pad:pad + H, pad:pad + W]"),
    ],
    rtol=1e-6, atol=1e-8,
    hides=("fast_layers.col2im_batch_last", "fast_layers.conv_backward_fast", "layers.Conv2d", "layers.col2im",
           "naive.Conv2d"),
))


# ---------------------------------------------------------------- max pooling

_TIES = np.array([[[[1.0, 1.0, 0.0, 0.5],
                    [0.0, 1.0, 0.5, 0.5],
                    [0.2, 0.0, 0.3, 0.3],
                    [0.1, 0.2, 0.3, 0.3]]]])
_POOL_X = np.array([[[[1.0, 3.0, 2.0, 0.0],
                      [4.0, 2.0, 1.0, 5.0],
                      [0.0, 1.0, 7.0, 2.0],
                      [3.0, 2.0, 1.0, 6.0]]]])


def _pool_case(rng, n, c, h, w, ph, pw, s, label, function):
    x = rng.normal(size=(n, c, h, w))
    if function == "maxpool_forward":
        return Case((x, ph, pw, s), label=label, function=function)
    oh, ow = _conv_output_size(h, ph, s), _conv_output_size(w, pw, s)
    return Case((rng.normal(size=(n, c, oh, ow)), x, ph, pw, s), label=label, function=function)


def _pool_hidden(rng):
    cases = []
    for ph, pw, s in ((2, 2, 2), (3, 3, 2), (2, 3, 1), (3, 3, 3)):
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(4, 8)), int(rng.integers(4, 8)))
        cases.append(_pool_case(rng, *shape, ph, pw, s, "random maps", "maxpool_forward"))
        cases.append(_pool_case(rng, *shape, ph, pw, s, "random maps", "maxpool_backward"))
    return cases


def _every_input(dout, x, ph, pw, s):
    dx = np.zeros(np.shape(x))
    for n, c, i, j in np.ndindex(np.shape(dout)):
        dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += dout[n, c, i, j]
    return dx


def _every_maximum(dout, x, ph, pw, s):
    x = np.asarray(x, dtype=np.float64)
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(np.shape(dout)):
        window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
        dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += (window == window.max()) * dout[n, c, i, j]
    return dx


def _last_maximum(dout, x, ph, pw, s):
    x = np.asarray(x, dtype=np.float64)
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(np.shape(dout)):
        window = x[n, c, i * s:i * s + ph, j * s:j * s + pw].reshape(-1)
        k = len(window) - 1 - int(np.argmax(window[::-1]))
        dx[n, c, i * s + k // pw, j * s + k % pw] += dout[n, c, i, j]
    return dx


def _pool_assign(dout, x, ph, pw, s):
    first = _windows(x, ph, pw, s).argmax(axis=-1)
    dx = np.zeros(np.shape(x))
    for index in np.ndindex(np.shape(dout)):
        n, c, i, j = index
        di, dj = divmod(int(first[index]), pw)
        dx[n, c, i * s + di, j * s + dj] = dout[index]
    return dx


def _pool_backward_stride_one(dout, x, ph, pw, s):
    dx = np.zeros(np.shape(x))
    for n, c, i, j in np.ndindex(np.shape(dout)):
        window = np.asarray(x, dtype=np.float64)[n, c, i:i + ph, j:j + pw].reshape(-1)
        k = int(np.argmax(window))
        dx[n, c, i + k // pw, j + k % pw] += dout[n, c, i, j]
    return dx


register(Exercise(
    name="maxpool",
    contract={"maxpool_forward": _pool_forward_contract, "maxpool_backward": _pool_backward_contract},
    boundaries={"tied maxima in a window": _tied_window,
                "overlapping windows": lambda case: case.args[-1] < case.args[-2]},
    functions=("maxpool_forward", "maxpool_backward"),
    reference={"maxpool_forward": _maxpool_forward, "maxpool_backward": _maxpool_backward},
    points=2,
    public=[
        Case((_POOL_X, 2, 2, 2), label="a 4×4 map, 2×2 pooling, stride 2", function="maxpool_forward"),
        Case((_POOL_X, 3, 3, 1), label="the same map, 3×3 pooling, stride 1 (overlapping windows)",
             function="maxpool_forward"),
        Case((np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), _POOL_X, 2, 2, 2),
             label="dout [[1, 2], [3, 4]] back through 2×2 pooling of the 4×4 map", function="maxpool_backward"),
        Case((np.ones((1, 1, 2, 2)), _POOL_X, 3, 3, 1),
             label="dout all ones through overlapping 3×3 windows (the 7 is the maximum of all four)",
             function="maxpool_backward"),
        Case((np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), _TIES, 2, 2, 2),
             label="windows with tied maxima: the FIRST maximum (row by row) gets the gradient",
             function="maxpool_backward"),
    ],
    hidden=_pool_hidden,
    mistakes=[
        Mistake("gradient to every input", {"maxpool_backward": _every_input},
                "only the input that was the maximum influenced the output: route dout to that one position "
                "(the others get 0), not to every input of the window"),
        Mistake("gradient to every tied maximum", {"maxpool_backward": _every_maximum},
                "when several inputs tie for the maximum, send dout to the FIRST one only (np.argmax's choice), "
                "as the forward pass took one value"),
        Mistake("gradient to the last tied maximum", {"maxpool_backward": _last_maximum},
                "on ties, the FIRST maximum in row-by-row order gets the gradient (np.argmax of the flattened window)"),
        Mistake("gradient averaged", {"maxpool_backward": lambda dout, x, ph, pw, s: _every_input(dout, x, ph, pw,
                                                                                                  s) / (ph * pw)},
                "that is the backward pass of AVERAGE pooling; max pooling sends the whole dout to the maximum"),
        Mistake("overlapping windows overwrite", {"maxpool_backward": _pool_assign},
                "with overlapping windows one input can be the maximum of several windows: add the gradients (+=)"),
        Mistake("average pooling", {"maxpool_forward": lambda x, ph, pw, s: _windows(x, ph, pw, s).mean(axis=-1)},
                "max pooling keeps the LARGEST value of each window, not the mean"),
        Mistake("stride ignored", {"maxpool_forward": lambda x, ph, pw, s: _windows(x, ph, pw, 1)[
                    :, :, :_conv_output_size(np.shape(x)[2], ph, s), :_conv_output_size(np.shape(x)[3], pw,
                                                                                        s)].max(axis=-1)},
                "window (i, j) starts at row i·stride and column j·stride"),
        Mistake("stride ignored in backward", {"maxpool_backward": lambda dout, x, ph, pw, s: _maxpool_backward(
                    dout, x, ph, pw, 1) if s == 1 else _pool_backward_stride_one(dout, x, ph, pw, s)},
                "window (i, j) of the backward pass starts at row i·stride and column j·stride, as in the forward "
                "pass"),
    ],
    hides=("fast_layers.max_pool_argmax", "fast_layers.max_pool_backward_fast", "fast_layers.max_pool_forward_fast",
           "layers.MaxPool2d", "naive.MaxPool2d"),
))


# ---------------------------------------------------------------- count_parameters

register(Exercise(
    name="count_parameters",
    contract={"count_conv_parameters": _count_contract, "count_affine_parameters": _count_contract},
    functions=("count_conv_parameters", "count_affine_parameters"),
    reference={"count_conv_parameters": _count_conv_parameters, "count_affine_parameters": _count_affine_parameters},
    points=1,
    public=[
        Case((1, 16, 3, 3), label="the digits' 1 grey channel to 16 channels, 3×3 kernels",
             function="count_conv_parameters"),
        Case((16, 32, 3, 3), label="16 channels to 32 channels, 3×3 kernels", function="count_conv_parameters"),
        Case((3, 96, 11, 11), label="AlexNet's first layer: RGB to 96 channels, 11×11 kernels",
             function="count_conv_parameters"),
        Case((3, 8, 5, 3), label="3 channels to 8 channels, 5×3 kernels", function="count_conv_parameters"),
        Case((64, 10), label="a fully connected layer from 64 pixels to 10 classes",
             function="count_affine_parameters"),
        Case((16 * 8 * 8, 32 * 8 * 8), label="fully connected from 16×8×8 to 32×8×8 values",
             function="count_affine_parameters"),
    ],
    hidden=lambda rng: [Case(tuple(int(v) for v in rng.integers(1, 65, size=2))
                             + tuple(int(v) for v in rng.integers(1, 8, size=2)),
                             label="random layer", function="count_conv_parameters") for _ in range(3)]
                       + [Case(tuple(int(v) for v in rng.integers(1, 5000, size=2)), label="random layer",
                               function="count_affine_parameters") for _ in range(2)],
    mistakes=[
        Mistake("biases forgotten", {"count_conv_parameters": lambda ci, co, kh, kw: {
                    **_count_conv_parameters(ci, co, kh, kw), "total": ci * co * kh * kw}},
                "the total includes one bias per OUTPUT channel: total = weights + C_out"),
        Mistake("one bias per kernel slice", {"count_conv_parameters": lambda ci, co, kh, kw: {
                    **_count_conv_parameters(ci, co, kh, kw), "biases": ci * co, "total": ci * co * kh * kw + ci * co}},
                "there is one bias per output channel (C_out of them), shared by all its C_in kernel slices"),
        Mistake("filters counted per output channel", {"count_conv_parameters": lambda ci, co, kh, kw: {
                    **_count_conv_parameters(ci, co, kh, kw), "filters": co}},
                "as in the notes, count the 2-D kernel slices: every pair (input channel, output channel) has "
                "its own kh×kw filter, so there are C_in·C_out of them"),
        Mistake("input channels forgotten", {"count_conv_parameters": lambda ci, co, kh, kw: {
                    "filters": co, "weights": co * kh * kw, "biases": co, "total": co * kh * kw + co}},
                "each output channel looks at ALL C_in input channels: weights = C_in·C_out·kh·kw"),
        Mistake("affine biases forgotten", {"count_affine_parameters": lambda n_in, n_out: n_in * n_out},
                "a fully connected layer has n_in·n_out weights PLUS n_out biases"),
    ],
    hides=(),
))
