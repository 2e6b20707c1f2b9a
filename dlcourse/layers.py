"""Layers as nodes of a computational graph (lectures 03, 04, 05 and 07).

Every layer has ``forward(x) -> out`` and ``backward(dout) -> dx``; what backward needs is cached by
forward. Learnable arrays live in ``layer.params`` and their gradients, filled by backward, in
``layer.grads`` under the same keys. Layers that behave differently in training take
``forward(x, train=True)``. No method modifies an array it was handed.

The plain-loop versions of the same layers, with the same signatures, are in ``dlcourse.naive``.
"""
import math

import numpy as np

from ._validate import batchnorm_settings, check_batchnorm_input, float_array, labels_to_indices
from .functions import sigmoid


def _param(value, name, where):
    return float_array(value, name, where).copy()  # the layer owns its parameters


def _floats(x, name, where):
    """float_array(x, ...) with a fast exit for a float ndarray, the case of every training step."""
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x
    return float_array(x, name, where)


class Affine:
    """Fully connected layer: out = x · W + b.

    W: (D, M); b: (M,); x: (N, D), or (N, d1, ..., dk) with d1·...·dk = D, flattened to (N, D).
    Backward: dx = dout · Wᵀ (reshaped like x), dW = xᵀ · dout, db = Σ_n dout (the add node passes
    the gradient on, summed over the batch because b was broadcast). Caches the flattened x.
    """

    def __init__(self, W, b):
        W, b = _param(W, "W", "Affine"), _param(b, "b", "Affine")
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"Affine: W must be (D, M) and b (M,), got W.shape={W.shape}, b.shape={b.shape}")
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.x = None
        self.x_shape = None

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        x = _floats(x, "x", "Affine.forward")
        n_features = math.prod(x.shape[1:]) if x.ndim >= 2 else -1
        if n_features != W.shape[0]:
            raise ValueError(f"Affine.forward: x has {n_features if x.ndim >= 2 else 'no batch axis and'} "
                             f"features, W expects {W.shape[0]} (x.shape={x.shape}, W.shape={W.shape})")
        self.x_shape = x.shape
        self.x = x if x.ndim == 2 else x.reshape(x.shape[0], -1)
        out = self.x @ W
        if np.can_cast(b.dtype, out.dtype):
            out += b  # in place: one array fewer per step
            return out
        return out + b

    def backward(self, dout):
        W = self.params["W"]
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return (dout @ W.T).reshape(self.x_shape)


class ReLU:
    """ReLU(x) = max(0, x). Backward lets dout through where x > 0 and sends 0 elsewhere (the mask).

    Any shape. Caches the boolean mask x > 0.
    """

    def __init__(self):
        self.params, self.grads = {}, {}
        self.mask = None

    def forward(self, x):
        x = _floats(x, "x", "ReLU.forward")
        self.mask = x > 0
        return np.maximum(x, 0.0)  # NaN stays NaN, so a broken input is noticed downstream

    def backward(self, dout):
        # dout · 1 or dout · 0, as in naive.ReLU; a multiply is branch-free, np.where is 10× slower here
        return np.multiply(dout, self.mask)


class LeakyReLU:
    """LeakyReLU(x) = x for x > 0, alpha·x otherwise: a small slope keeps negative units alive.

    Any shape. Backward: dout where x > 0, alpha·dout elsewhere. Caches the mask x > 0.
    """

    def __init__(self, alpha=0.01):
        self.alpha = float(alpha)
        self.params, self.grads = {}, {}
        self.mask = None

    def forward(self, x):
        x = float_array(x, "x", "LeakyReLU.forward")
        self.mask = x > 0
        return np.where(self.mask, x, self.alpha * x)

    def backward(self, dout):
        return np.where(self.mask, dout, self.alpha * dout)


class PReLU:
    """Parametric ReLU: like LeakyReLU, but the slope alpha is learned (``params["alpha"]``).

    alpha: a scalar (one slope shared by all units) or an array broadcastable against one sample,
    e.g. (D,) for x: (N, D). Backward: dx = dout where x > 0 else alpha·dout;
    dalpha = Σ over the broadcast axes of dout·x where x <= 0. Caches x.
    """

    def __init__(self, alpha=0.25):
        self.params = {"alpha": _param(alpha, "alpha", "PReLU")}
        self.grads = {"alpha": np.zeros_like(self.params["alpha"])}
        self.x = None

    def forward(self, x):
        self.x = float_array(x, "x", "PReLU.forward")
        alpha = self.params["alpha"]
        try:
            return np.where(self.x > 0, self.x, alpha * self.x)
        except ValueError:
            raise ValueError(f"PReLU.forward: alpha.shape={alpha.shape} does not broadcast against one "
                             f"sample of x (x.shape={self.x.shape})") from None

    def backward(self, dout):
        alpha = self.params["alpha"]
        negative = self.x <= 0
        dalpha = np.where(negative, dout * self.x, 0.0)
        # sum over the axes along which alpha was broadcast
        extra = dalpha.ndim - alpha.ndim
        dalpha = dalpha.sum(axis=tuple(range(extra)))
        axes = tuple(i for i, size in enumerate(alpha.shape) if size == 1 and dalpha.shape[i] != 1)
        self.grads["alpha"] = dalpha.sum(axis=axes, keepdims=True).reshape(alpha.shape)
        return np.where(negative, alpha * dout, dout)


class Sigmoid:
    """y = σ(x) = 1 / (1 + e^(-x)). Backward needs only the output: dx = dout · y · (1 - y).

    Any shape. Caches y. The local gradient y(1 - y) is at most 0.25 (at x = 0).
    """

    def __init__(self):
        self.params, self.grads = {}, {}
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Tanh:
    """y = tanh(x), zero-centred. Backward: dx = dout · (1 - y²). Any shape; caches y."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.out = None

    def forward(self, x):
        self.out = np.tanh(float_array(x, "x", "Tanh.forward"))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out ** 2)


class Dropout:
    """Inverted dropout. ``ratio`` is the probability of DROPPING a unit: 0.25 drops one unit in four.

    In training each unit is kept with probability 1 - ratio and the kept ones are scaled by
    1 / (1 - ratio), so the expected activation is unchanged and nothing changes at test time
    (``train=False`` returns x as it is). Any shape. ``seed`` makes the masks reproducible.
    Caches the scaled mask.
    """

    def __init__(self, ratio=0.5, seed=None):
        ratio = float(ratio)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"Dropout: ratio is the probability of dropping a unit and must be in [0, 1), "
                             f"got {ratio}")
        self.ratio = ratio
        self.rng = np.random.default_rng(seed)
        self.params, self.grads = {}, {}
        self.mask = None

    def forward(self, x, train=True):
        x = float_array(x, "x", "Dropout.forward")
        if not train:
            self.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.ratio
        self.mask = keep.astype(x.dtype) / (1.0 - self.ratio)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask


def _per_feature(x):
    """(axes BatchNorm averages over, shape gamma is broadcast as) for x (N, D) or (N, C, H, W).

    (N, D): per feature over the batch, axes (0,), gamma as (1, D). (N, C, H, W): per channel over the batch
    and every position, axes (0, 2, 3), gamma as (1, C, 1, 1).
    """
    return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))


class BatchNorm:
    """Batch normalisation (배치 정규화): normalise every feature over the batch, then scale and shift.

    gamma, beta: (D,) for x: (N, D), or (C,) for x: (N, C, H, W), normalised per channel over N, H and W.
    With m the number of values per feature (N, or N·H·W), forward(x, train=True) computes per feature
        μ = (1/m) Σ x,   σ² = (1/m) Σ (x - μ)²  (biased),   x̂ = (x - μ) / √(σ² + ε),   out = γ·x̂ + β
    and updates the running averages used at test time (``running_mean`` starts at 0, ``running_var`` at 1):
        running = momentum · running + (1 - momentum) · batch value
    (torch.nn.BatchNorm1d/2d's momentum=0.1 is this momentum=0.9; torch's running_var takes the unbiased
    m/(m - 1)·σ² instead, while it too normalises with the biased σ²).
    forward(x, train=False) uses running_mean and running_var instead of μ and σ², so a sample's output no
    longer depends on the rest of its batch. Caches x̂, σ = √(σ² + ε) and the mode.
    Backward: dβ = Σ dout, dγ = Σ dout·x̂, dx̂ = γ·dout, and in training, where μ and σ depend on x too,
        dx = (1/(m·σ)) · (m·dx̂ - Σ dx̂ - x̂·Σ(dx̂·x̂))  =  (γ/σ)/m · (m·dout - Σ dout - x̂·Σ(dout·x̂));
    in evaluation the running statistics are constants and dx = γ·dout / σ.
    Example: BatchNorm(np.ones(64), np.zeros(64)) after an Affine layer with 64 outputs.
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        gamma, beta = batchnorm_settings(gamma, beta, momentum, eps, "BatchNorm")
        self.momentum, self.eps = float(momentum), float(eps)
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": np.zeros_like(gamma), "beta": np.zeros_like(beta)}
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.x_hat = None
        self.std = None
        self.train = None

    def forward(self, x, train=True):
        x = _floats(x, "x", "BatchNorm.forward")
        gamma, beta = self.params["gamma"], self.params["beta"]
        check_batchnorm_input(x, len(gamma), train, "BatchNorm.forward")
        axes, shape = _per_feature(x)
        if train:
            mean = x.mean(axis=axes)
            var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
            self.running_mean = self.momentum * self.running_mean + (1.0 - self.momentum) * mean
            self.running_var = self.momentum * self.running_var + (1.0 - self.momentum) * var
        else:
            mean, var = self.running_mean, self.running_var
        self.train = bool(train)
        self.std = np.sqrt(var + self.eps)
        self.x_hat = (x - mean.reshape(shape)) / self.std.reshape(shape)
        return gamma.reshape(shape) * self.x_hat + beta.reshape(shape)

    def backward(self, dout):
        x_hat = self.x_hat
        axes, shape = _per_feature(dout)
        self.grads["beta"] = dout.sum(axis=axes)
        self.grads["gamma"] = (dout * x_hat).sum(axis=axes)
        dx_hat = dout * self.params["gamma"].reshape(shape)
        std = self.std.reshape(shape)
        if not self.train:
            return dx_hat / std
        m = dout.size // dout.shape[1]
        return (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error, as one node.

    forward(x, t): x (N, C) scores, t one-hot (N, C) or class indices (N,) -> scalar loss averaged over N.
    The loss is computed from log-softmax, so logits of ±1e4 give the exact finite value.
    backward(dout=1.0) -> dx = dout · (y - t) / N, with y the softmax output. Caches y and t.
    """

    def __init__(self):
        self.params, self.grads = {}, {}
        self.y = None
        self.t = None

    def forward(self, x, t):
        x = _floats(x, "x", "SoftmaxWithLoss.forward")
        if x.ndim != 2:
            raise ValueError(f"SoftmaxWithLoss.forward: x must be (N, C) scores, got shape {x.shape}")
        n = x.shape[0]
        self.t = labels_to_indices(t, n, x.shape[1], "SoftmaxWithLoss.forward")
        shifted = x - x.max(axis=1, keepdims=True)  # log-softmax = shifted - log Σ exp(shifted), never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.y = exp / total
        return float((np.log(total).sum() - shifted[np.arange(n), self.t].sum()) / n)

    def backward(self, dout=1.0):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1.0
        return dx * (dout / n)


class Flatten:
    """(N, d1, ..., dk) -> (N, d1·...·dk); backward restores the shape. Caches the input shape."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.x_shape = None

    def forward(self, x):
        x = np.asarray(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.x_shape)


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """Output length of a convolution or pooling along one axis: (H + 2P - F) // S + 1.

    Integer arithmetic; raises ValueError when the filter does not fit.
    """
    span = input_size + 2 * pad - filter_size
    if span < 0:
        raise ValueError(f"filter of size {filter_size} does not fit an input of size {input_size} "
                         f"with padding {pad}")
    return span // stride + 1


def _check_image_batch(x, channels, where):
    if x.ndim != 4:
        raise ValueError(f"{where}: x must be (N, C, H, W), got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where}: x has {x.shape[1]} channels, the filters expect {channels} "
                         f"(x.shape={x.shape})")


def _unfold(x, filter_h, filter_w, stride=1, pad=0, ones_row=False):
    """im2col's matrix, transposed and batch-last: (C·FH·FW, OH·OW·N), plus a row of ones if ones_row.

    Row (c, fh, fw), column (i, j, n) holds xp[n, c, i·S + fh, j·S + fw], xp being x zero-padded. With
    the image index n innermost, a kernel offset is one copy of C·OH runs of OW·N contiguous numbers
    (runs of N when S > 1) instead of N·C·OH runs of OW, and the convolution is one matrix product
    W.reshape(FN, -1) · cols whose operands are contiguous. The row of ones lets the bias ride in the
    same product: [W | b] · [cols; 1] = W · cols + b.
    """
    n, c, h, w = x.shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    if pad:
        xp = np.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=x.dtype)
        xp[:, pad:pad + h, pad:pad + w] = x.transpose(1, 2, 3, 0)
    else:
        xp = np.ascontiguousarray(x.transpose(1, 2, 3, 0))  # no copy when x is already batch-last
    rows = c * filter_h * filter_w
    cols = np.empty((rows + ones_row, out_h * out_w * n), dtype=x.dtype)
    cols[rows:] = 1.0
    patches = cols[:rows].reshape(c, filter_h, filter_w, out_h, out_w, n)
    for i in range(filter_h):  # one copy per kernel offset
        for j in range(filter_w):
            patches[:, i, j] = xp[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
    return cols


def _fold(cols, x_shape, filter_h, filter_w, stride=1, pad=0):
    """Inverse bookkeeping of _unfold: (C·FH·FW, OH·OW·N) -> (N, C, H, W), overlapping patches added up.

    One add per kernel offset, batch-last; returns an (N, C, H, W) view of a (C, H, W, N) array.
    """
    n, c, h, w = x_shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    cols = cols.reshape(c, filter_h, filter_w, out_h, out_w, n)
    dxp = np.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=cols.dtype)
    for i in range(filter_h):  # one add per kernel offset
        for j in range(filter_w):
            dxp[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride] += cols[:, i, j]
    return dxp[:, pad:pad + h, pad:pad + w].transpose(3, 0, 1, 2)


def _rows_first(cols, n):
    """(C·FH·FW, OH·OW·N) batch-last -> im2col's (N·OH·OW, C·FH·FW), rows ordered (n, i, j)."""
    return cols.reshape(len(cols), -1, n).transpose(2, 1, 0).reshape(-1, len(cols))


def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """Unfold every receptive field of x (N, C, H, W) into a row: (N·OH·OW, C·FH·FW).

    Row n·OH·OW + i·OW + j holds the patch under output (i, j) of image n, ordered (c, fh, fw) like
    a filter W[f] flattened, so the convolution becomes one matrix product col · W.reshape(FN, -1)ᵀ.
    (Conv2d builds the same numbers transposed and batch-last, which is faster: see ``_unfold``.)
    """
    return _rows_first(_unfold(x, filter_h, filter_w, stride, pad), x.shape[0])


def col2im(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    """Inverse bookkeeping of im2col: add every row of col back onto the pixels it came from.

    col: (N·OH·OW, C·FH·FW) -> (N, C, H, W). Overlapping patches add up, as gradients must.
    """
    col = np.asarray(col)
    cols = col.reshape(x_shape[0], -1, col.shape[1]).transpose(2, 1, 0).reshape(col.shape[1], -1)
    return _fold(cols, x_shape, filter_h, filter_w, stride, pad)


class Conv2d:
    """2-D convolution (cross-correlation, as in every deep-learning library) via im2col.

    W: (FN, C, FH, FW) filters; b: (FN,); x: (N, C, H, W) -> out: (N, FN, OH, OW) with
    OH = (H + 2·pad - FH) // stride + 1. Backward: dW = doutᵀ · col, db = Σ dout, dx = col2im(dout · W).
    Caches x's shape and the im2col matrix (``col``; stored transposed and batch-last, with a row of ones
    for the bias, as ``cols``).
    Inside, arrays are batch-last (see ``_unfold``): out is an (N, FN, OH, OW) view of an (FN, OH, OW, N)
    array, which is the layout backward wants dout in, and ReLU and MaxPool2d keep it.
    """

    def __init__(self, W, b, stride=1, pad=0):
        W, b = _param(W, "W", "Conv2d"), _param(b, "b", "Conv2d")
        if W.ndim != 4 or b.shape != (W.shape[0],):
            raise ValueError(f"Conv2d: W must be (FN, C, FH, FW) and b (FN,), got W.shape={W.shape}, "
                             f"b.shape={b.shape}")
        if int(stride) != stride or stride < 1 or int(pad) != pad or pad < 0:
            raise ValueError(f"Conv2d: stride must be an integer >= 1 and pad >= 0, got stride={stride}, pad={pad}")
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.stride, self.pad = int(stride), int(pad)
        self.x_shape = None
        self.cols = None

    @property
    def col(self):
        """The im2col matrix of the last forward, (N·OH·OW, C·FH·FW)."""
        return None if self.cols is None else _rows_first(self.cols[:-1], self.x_shape[0])

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        x = _floats(x, "x", "Conv2d.forward")
        _check_image_batch(x, W.shape[1], "Conv2d.forward")
        fn, _, fh, fw = W.shape
        n, _, h, w = x.shape
        out_h = conv_output_size(h, fh, self.stride, self.pad)
        out_w = conv_output_size(w, fw, self.stride, self.pad)
        self.x_shape = x.shape
        self.cols = _unfold(x, fh, fw, self.stride, self.pad, ones_row=True)
        weights = np.concatenate([W.reshape(fn, -1), b[:, None]], axis=1)  # b: the weight of the ones row
        out = weights @ self.cols  # (FN, OH·OW·N): the whole layer is one matrix product
        return out.reshape(fn, out_h, out_w, n).transpose(3, 0, 1, 2)

    def backward(self, dout):
        W = self.params["W"]
        fn, c, fh, fw = W.shape
        dout = dout.transpose(1, 2, 3, 0).reshape(fn, -1)  # (FN, OH·OW·N); no copy when dout is batch-last
        # (FN, C·FH·FW + 1) = Σ over positions; BLAS sums blocks of 4096 positions up to 3× faster than one long sum
        grads = sum(self.cols[:, i:i + 4096] @ dout[:, i:i + 4096].T for i in range(0, dout.shape[1], 4096)).T
        self.grads["W"] = grads[:, :-1].reshape(W.shape)
        self.grads["b"] = grads[:, -1].astype(dout.dtype)  # Σ dout over positions, from the row of ones
        return _fold(W.reshape(fn, -1).T @ dout, self.x_shape, fh, fw, self.stride, self.pad)


def _tiles(a, size, out_h, out_w):
    """View of a (N, C, H, W) as (N, C, OH, size, OW, size): the non-overlapping size × size windows."""
    s0, s1, s2, s3 = a.strides
    return np.lib.stride_tricks.as_strided(a, shape=(*a.shape[:2], out_h, size, out_w, size),
                                           strides=(s0, s1, size * s2, s2, size * s3, s3))


def _in_order(new, shape, order, dtype):
    """new(...) array of `shape` whose axes lie in memory in `order`, outermost first."""
    return new([shape[axis] for axis in order], dtype=dtype).transpose(np.argsort(order))


def _max_and_argmax(arrays):
    """Elementwise maximum of two or more equally shaped arrays and the index of the first one holding it."""
    best, arg = arrays[0], None
    for k in range(1, len(arrays)):
        later = arrays[k] > best  # strictly greater: ties go to the first array
        arg = later.view(np.uint8) if arg is None else np.maximum(arg, later * np.uint8(k))
        best = np.maximum(best, arrays[k])
    return best, arg


class MaxPool2d:
    """Max pooling over pool_h × pool_w windows; stride defaults to the pool size.

    x: (N, C, H, W) -> (N, C, OH, OW). Backward routes each dout entry to the position that held the
    maximum of its window (the first one on ties) and 0 elsewhere. Caches x's shape and the argmax
    (``argmax``: (N, C, OH, OW), the row-major index of the maximum inside its window).
    Non-overlapping windows (stride = pool_h = pool_w, e.g. the usual 2 × 2) take a fast path: the
    maximum along every window row, then across the rows, each a few whole-array operations.
    """

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        self.pool_h, self.pool_w = int(pool_h), int(pool_w)
        self.stride = self.pool_h if stride is None else int(stride)
        self.pad = int(pad)
        if min(self.pool_h, self.pool_w, self.stride) < 1 or self.pad < 0:
            raise ValueError(f"MaxPool2d: pool sizes and stride must be >= 1 and pad >= 0, got "
                             f"pool=({pool_h}, {pool_w}), stride={stride}, pad={pad}")
        self.params, self.grads = {}, {}
        self.x_shape = None
        self._argmax = None
        self._row_arg = self._col_arg = None  # the fast path's argmax, split into window row and column
        self._order = (0, 1, 2, 3)  # x's axes from outermost to innermost in memory

    @property
    def argmax(self):
        if self._argmax is None and self._row_arg is not None:
            col = np.take_along_axis(self._col_arg, self._row_arg[:, :, :, None], axis=3)[:, :, :, 0]
            self._argmax = self._row_arg.astype(np.intp) * self.pool_w + col
        return self._argmax

    def forward(self, x):
        x = _floats(x, "x", "MaxPool2d.forward")
        _check_image_batch(x, None, "MaxPool2d.forward")
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        out_h = conv_output_size(x.shape[2], ph, s, p)
        out_w = conv_output_size(x.shape[3], pw, s, p)
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf) if p else x
        self.x_shape = x.shape
        self._argmax = self._row_arg = self._col_arg = None
        if s == ph == pw > 1:
            self._order = tuple(sorted(range(4), key=lambda axis: -xp.strides[axis]))
            tiles = _tiles(xp, s, out_h, out_w)
            row_max, self._col_arg = _max_and_argmax([tiles[..., j] for j in range(s)])  # (N, C, OH, s, OW)
            out, self._row_arg = _max_and_argmax([row_max[:, :, :, i] for i in range(s)])
            return out
        windows = np.lib.stride_tricks.sliding_window_view(xp, (ph, pw), axis=(2, 3))
        windows = windows[:, :, ::s, ::s][:, :, :out_h, :out_w].reshape(*x.shape[:2], out_h, out_w, ph * pw)
        self._argmax = windows.argmax(axis=-1)
        return np.take_along_axis(windows, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        n, c, h, w = self.x_shape
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        out_h, out_w = dout.shape[2:]
        dtype = np.result_type(dout, np.float32)
        if self._row_arg is not None:
            return self._backward_tiles(dout, dtype)
        dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=dtype)
        for k in range(ph * pw):  # one strided add per window offset
            i, j = divmod(k, pw)
            dxp[:, :, i:i + s * out_h:s, j:j + s * out_w:s] += np.where(self._argmax == k, dout, 0.0)
        return dxp[:, :, p:p + h, p:p + w]

    def _backward_tiles(self, dout, dtype):
        n, c, h, w = self.x_shape
        s, p = self.stride, self.pad
        out_h, out_w = dout.shape[2:]
        hp, wp = h + 2 * p, w + 2 * p
        # every pixel lies in a window unless the windows leave a margin: only then start from zeros
        new = np.empty if (out_h * s, out_w * s) == (hp, wp) else np.zeros
        # dx gets x's memory layout (batch-last after a Conv2d), so the layer below reads it without a copy;
        # dout too, first, if it came in another layout (a whole-array operation with mixed layouts is slow)
        if tuple(sorted(range(4), key=lambda axis: -dout.strides[axis])) != self._order:
            reordered = _in_order(np.empty, dout.shape, self._order, dout.dtype)
            reordered[...] = dout
            dout = reordered
        dxp = _in_order(new, (n, c, hp, wp), self._order, dtype)
        rows_order = [k for axis in self._order for k in {0: (0,), 1: (1,), 2: (2, 3), 3: (4,)}[axis]]
        d_rows = _in_order(np.empty, (n, c, out_h, s, out_w), rows_order, dtype)
        # dout · 1 at the maximum, dout · 0 elsewhere: first to the window row, then to the column
        for i in range(s):
            np.multiply(dout, self._row_arg == i, out=d_rows[:, :, :, i])
        tiles = _tiles(dxp, s, out_h, out_w)
        for j in range(s):
            np.multiply(d_rows, self._col_arg == j, out=tiles[..., j])
        return dxp[:, :, p:p + h, p:p + w]
