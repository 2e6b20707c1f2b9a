"""Tuned kernels for ``dlcourse.layers.Conv2d`` and ``MaxPool2d``: the same numbers (up to round-off), faster.

``dlcourse.layers`` writes every layer the way its lecture derives it. Conv2d and MaxPool2d call the
kernels of this module by default (``fast=True``): the lectures' saved outputs and the timings in
``benchmarks/RESULTS.md`` are theirs. ``Conv2d(..., fast=False)`` and ``MaxPool2d(..., fast=False)``
run the lecture's im2col code instead; ``tests/test_layers.py`` holds the two equal in float64 over
several shapes, strides and pads. Nothing here is needed to follow the lectures.

What makes them faster (each a few times, measured by ``benchmarks/bench_layers.py``):

- **Batch-last layouts.** im2col's matrix is built transposed and with the image index innermost,
  (C·FH·FW, OH·OW·N): a kernel offset is then one copy of long contiguous runs instead of N·C·OH short
  ones, and both operands of the matrix product are contiguous. The output is an (N, FN, OH, OW) view of
  an (FN, OH, OW, N) array, the layout the backward pass wants dout in; ReLU and max pooling keep it.
- **The bias inside the product.** A row of ones under the matrix: [W | b] · [cols; 1] = W · cols + b,
  and db comes out of the dW product as the last column.
- **Blocked sums.** dW sums over N·OH·OW positions; BLAS sums blocks of 4096 positions up to 3× faster
  than one long product.
- **Non-overlapping max pooling on strided views.** For stride = pool size (the usual 2 × 2), the maximum
  along every window row, then across the rows, each a few whole-array operations on views of x; the
  argmax is kept as (row, column) bytes and dx is written in x's memory layout.

Every function takes float arrays whose shapes the calling layer has checked.
"""
import numpy as np

ROWS_PER_BLOCK = 4096  # positions per block of the dW sum


def _output_size(size, filter_size, stride, pad):
    return (size + 2 * pad - filter_size) // stride + 1  # the layer has checked that the filter fits


# ---------------------------------------------------------------- convolution

def im2col_batch_last(x, filter_h, filter_w, stride=1, pad=0, ones_row=False):
    """im2col's matrix, transposed and batch-last: (C·FH·FW, OH·OW·N), plus a row of ones if ones_row.

    Row (c, fh, fw), column (i, j, n) holds xp[n, c, i·S + fh, j·S + fw], xp being x zero-padded. With
    the image index n innermost, a kernel offset is one copy of C·OH runs of OW·N contiguous numbers
    (runs of N when S > 1) instead of N·C·OH runs of OW.
    """
    n, c, h, w = x.shape
    out_h, out_w = _output_size(h, filter_h, stride, pad), _output_size(w, filter_w, stride, pad)
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


def col2im_batch_last(cols, x_shape, filter_h, filter_w, stride=1, pad=0):
    """Inverse bookkeeping of im2col_batch_last: (C·FH·FW, OH·OW·N) -> (N, C, H, W), overlaps added up.

    One add per kernel offset, batch-last; returns an (N, C, H, W) view of a (C, H, W, N) array.
    """
    n, c, h, w = x_shape
    out_h, out_w = _output_size(h, filter_h, stride, pad), _output_size(w, filter_w, stride, pad)
    cols = cols.reshape(c, filter_h, filter_w, out_h, out_w, n)
    dxp = np.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=cols.dtype)
    for i in range(filter_h):  # one add per kernel offset
        for j in range(filter_w):
            dxp[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride] += cols[:, i, j]
    return dxp[:, pad:pad + h, pad:pad + w].transpose(3, 0, 1, 2)


def batch_last_to_rows(cols, n):
    """(C·FH·FW, OH·OW·N) batch-last -> im2col's (N·OH·OW, C·FH·FW), rows ordered (n, i, j)."""
    return cols.reshape(len(cols), -1, n).transpose(2, 1, 0).reshape(-1, len(cols))


def conv_forward_fast(x, W, b, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (FN, C, FH, FW) and b (FN,) -> (out (N, FN, OH, OW), cache).

    out is an (N, FN, OH, OW) view of an (FN, OH, OW, N) array. cache = (cols, x_shape, stride, pad),
    cols being im2col_batch_last(x, ..., ones_row=True).
    """
    fn, _, fh, fw = W.shape
    n, _, h, w = x.shape
    out_h, out_w = _output_size(h, fh, stride, pad), _output_size(w, fw, stride, pad)
    cols = im2col_batch_last(x, fh, fw, stride, pad, ones_row=True)
    weights = np.concatenate([W.reshape(fn, -1), b[:, None]], axis=1)  # b: the weight of the ones row
    out = weights @ cols  # (FN, OH·OW·N): the whole layer is one matrix product
    return out.reshape(fn, out_h, out_w, n).transpose(3, 0, 1, 2), (cols, x.shape, stride, pad)


def conv_backward_fast(dout, W, cache):
    """(dx (N, C, H, W), dW (FN, C, FH, FW), db (FN,)) from dout (N, FN, OH, OW) and conv_forward_fast's cache."""
    cols, x_shape, stride, pad = cache
    fn, _, fh, fw = W.shape
    dout = dout.transpose(1, 2, 3, 0).reshape(fn, -1)  # (FN, OH·OW·N); no copy when dout is batch-last
    grads = sum(cols[:, i:i + ROWS_PER_BLOCK] @ dout[:, i:i + ROWS_PER_BLOCK].T
                for i in range(0, dout.shape[1], ROWS_PER_BLOCK)).T  # (FN, C·FH·FW + 1)
    dW = grads[:, :-1].reshape(W.shape)
    db = grads[:, -1].astype(dout.dtype)  # Σ dout over positions, from the row of ones
    dx = col2im_batch_last(W.reshape(fn, -1).T @ dout, x_shape, fh, fw, stride, pad)
    return dx, dW, db


# ---------------------------------------------------------------- max pooling

def _tiles(a, size, out_h, out_w):
    """View of a (N, C, H, W) as (N, C, OH, size, OW, size): the non-overlapping size × size windows."""
    s0, s1, s2, s3 = a.strides
    return np.lib.stride_tricks.as_strided(a, shape=(*a.shape[:2], out_h, size, out_w, size),
                                           strides=(s0, s1, size * s2, s2, size * s3, s3))


def _in_order(new, shape, order, dtype):
    """new(...) array of `shape` whose axes lie in memory in `order`, outermost first."""
    return new([shape[axis] for axis in order], dtype=dtype).transpose(np.argsort(order))


def _memory_order(a):
    """a's axes from outermost to innermost in memory."""
    return tuple(sorted(range(a.ndim), key=lambda axis: -a.strides[axis]))


def _max_and_argmax(arrays):
    """Elementwise maximum of two or more equally shaped arrays and the index of the first one holding it."""
    best, arg = arrays[0], None
    for k in range(1, len(arrays)):
        later = arrays[k] > best  # strictly greater: ties go to the first array
        arg = later.view(np.uint8) if arg is None else np.maximum(arg, later * np.uint8(k))
        best = np.maximum(best, arrays[k])
    return best, arg


def max_pool_forward_fast(x, pool_h, pool_w, stride, pad=0):
    """Max pooling of x (N, C, H, W) -> (out (N, C, OH, OW), cache); the first maximum wins ties.

    Non-overlapping windows (stride = pool_h = pool_w > 1) take the strided-view path; other windows one
    argmax over sliding_window_view. cache is a dict: x_shape, the settings, and the argmax either as
    ``argmax`` (N, C, OH, OW) or split into window row ``row_arg`` and column ``col_arg`` (see max_pool_argmax).
    """
    ph, pw, s, p = pool_h, pool_w, stride, pad
    out_h, out_w = _output_size(x.shape[2], ph, s, p), _output_size(x.shape[3], pw, s, p)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf) if p else x
    cache = {"x_shape": x.shape, "pool": (ph, pw, s, p), "argmax": None, "row_arg": None, "col_arg": None}
    if s == ph == pw > 1:
        cache["order"] = _memory_order(xp)
        tiles = _tiles(xp, s, out_h, out_w)
        row_max, cache["col_arg"] = _max_and_argmax([tiles[..., j] for j in range(s)])  # (N, C, OH, s, OW)
        out, cache["row_arg"] = _max_and_argmax([row_max[:, :, :, i] for i in range(s)])
        return out, cache
    windows = np.lib.stride_tricks.sliding_window_view(xp, (ph, pw), axis=(2, 3))
    windows = windows[:, :, ::s, ::s][:, :, :out_h, :out_w].reshape(*x.shape[:2], out_h, out_w, ph * pw)
    cache["argmax"] = windows.argmax(axis=-1)
    return np.take_along_axis(windows, cache["argmax"][..., None], axis=-1)[..., 0], cache


def max_pool_argmax(cache):
    """(N, C, OH, OW): the row-major index of each window's maximum, from max_pool_forward_fast's cache."""
    if cache["argmax"] is None:
        col = np.take_along_axis(cache["col_arg"], cache["row_arg"][:, :, :, None], axis=3)[:, :, :, 0]
        cache["argmax"] = cache["row_arg"].astype(np.intp) * cache["pool"][1] + col
    return cache["argmax"]


def max_pool_backward_fast(dout, cache):
    """dx (N, C, H, W) from dout (N, C, OH, OW): each dout entry goes to its window's maximum."""
    n, c, h, w = cache["x_shape"]
    ph, pw, s, p = cache["pool"]
    out_h, out_w = dout.shape[2:]
    dtype = np.result_type(dout, np.float32)
    if cache["row_arg"] is not None:
        return _max_pool_backward_tiles(dout, cache, dtype)
    dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=dtype)
    for k in range(ph * pw):  # one strided add per window offset
        i, j = divmod(k, pw)
        dxp[:, :, i:i + s * out_h:s, j:j + s * out_w:s] += np.where(cache["argmax"] == k, dout, 0.0)
    return dxp[:, :, p:p + h, p:p + w]


def _max_pool_backward_tiles(dout, cache, dtype):
    n, c, h, w = cache["x_shape"]
    _, _, s, p = cache["pool"]
    order, row_arg, col_arg = cache["order"], cache["row_arg"], cache["col_arg"]
    out_h, out_w = dout.shape[2:]
    hp, wp = h + 2 * p, w + 2 * p
    # every pixel lies in a window unless the windows leave a margin: only then start from zeros
    new = np.empty if (out_h * s, out_w * s) == (hp, wp) else np.zeros
    # dx gets x's memory layout (batch-last after a Conv2d), so the layer below reads it without a copy;
    # dout too, first, if it came in another layout (a whole-array operation with mixed layouts is slow)
    if _memory_order(dout) != order:
        reordered = _in_order(np.empty, dout.shape, order, dout.dtype)
        reordered[...] = dout
        dout = reordered
    dxp = _in_order(new, (n, c, hp, wp), order, dtype)
    rows_order = [k for axis in order for k in {0: (0,), 1: (1,), 2: (2, 3), 3: (4,)}[axis]]
    d_rows = _in_order(np.empty, (n, c, out_h, s, out_w), rows_order, dtype)
    # dout · 1 at the maximum, dout · 0 elsewhere: first to the window row, then to the column
    for i in range(s):
        np.multiply(dout, row_arg == i, out=d_rows[:, :, :, i])
    tiles = _tiles(dxp, s, out_h, out_w)
    for j in range(s):
        np.multiply(d_rows, col_arg == j, out=tiles[..., j])
    return dxp[:, :, p:p + h, p:p + w]
