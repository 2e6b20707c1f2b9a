"""Right answers to the lecture-07 exercises, written the ways learners write them (numpy and stdlib only)."""
import numpy as np


# ---------------------------------------------------------------- conv_output_size

def conv_output_size_formula(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) // stride + 1


def conv_output_size_int(input_size, filter_size, stride=1, pad=0):
    # the book divides with /; int() of a positive quotient rounds down as well
    return int((input_size + 2 * pad - filter_size) / stride) + 1


def conv_output_size_count(input_size, filter_size, stride=1, pad=0):
    # count the positions where the filter fits inside the padded input
    padded = input_size + 2 * pad
    return len(range(0, padded - filter_size + 1, stride))


# ---------------------------------------------------------------- conv2d_naive

def conv_loops(x, W, b, stride=1, pad=0):
    # CS231n's conv_forward_naive: loops over images, filters and output positions
    N, C, H, Wd = x.shape
    F, _, HH, WW = W.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (Wd + 2 * pad - WW) // stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * W[f]) + b[f]
    return out


def _im2col_book(input_data, filter_h, filter_w, stride=1, pad=0):
    # the book's im2col: one strided slice per filter offset
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def conv_im2col(x, W, b, stride=1, pad=0):
    FN, C, FH, FW = W.shape
    N, _, H, Wd = x.shape
    out_h = 1 + (H + 2 * pad - FH) // stride
    out_w = 1 + (Wd + 2 * pad - FW) // stride
    col = _im2col_book(x, FH, FW, stride, pad)
    col_W = W.reshape(FN, -1).T
    out = np.dot(col, col_W) + b
    return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)


def conv_einsum(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    FN, C, FH, FW = W.shape
    OH = (xp.shape[2] - FH) // stride + 1
    OW = (xp.shape[3] - FW) // stride + 1
    out = np.empty((x.shape[0], FN, OH, OW))
    for i in range(OH):
        for j in range(OW):
            patch = xp[:, :, i * stride:i * stride + FH, j * stride:j * stride + FW]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, W)
    return out + b[None, :, None, None]


# ---------------------------------------------------------------- im2col

def im2col_book(x, filter_h, filter_w, stride=1, pad=0):
    return _im2col_book(x, filter_h, filter_w, stride, pad)


def im2col_rows(x, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - filter_h) // stride + 1, (W + 2 * pad - filter_w) // stride + 1
    rows = []
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                rows.append(xp[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].ravel())
    return np.array(rows)


def im2col_fancy_index(x, filter_h, filter_w, stride=1, pad=0):
    # CS231n's get_im2col_indices, arranged so rows are patches and columns (c, fh, fw)
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - filter_h) // stride + 1, (W + 2 * pad - filter_w) // stride + 1
    i0 = np.tile(np.repeat(np.arange(filter_h), filter_w), C)
    i1 = stride * np.repeat(np.arange(OH), OW)
    j0 = np.tile(np.arange(filter_w), filter_h * C)
    j1 = stride * np.tile(np.arange(OW), OH)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), filter_h * filter_w).reshape(-1, 1)
    cols = xp[:, k, i, j]  # (N, C·FH·FW, OH·OW)
    return cols.transpose(0, 2, 1).reshape(N * OH * OW, -1)


# ---------------------------------------------------------------- conv2d_backward

def conv_backward_cs231n(dout, x, W, stride=1, pad=0):
    # CS231n's conv_backward_naive with its cache made of the arguments
    cache = (x, W, None, {"stride": stride, "pad": pad})
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, Wd = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * p - HH) // s
    W_out = 1 + (Wd + 2 * p - WW) // s
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), "constant")
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            db[f] += dout[n, f].sum()
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * s:i * s + HH, j * s:j * s + WW]
                    dw[f] += window * dout[n, f, i, j]
                    dx_pad[n, :, i * s:i * s + HH, j * s:j * s + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, p:p + H, p:p + Wd]
    return dx, dw, db


def _col2im_book(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]


def conv_backward_im2col(dout, x, W, stride=1, pad=0):
    # the book's Convolution.backward: im2col forward, col2im backward
    FN, C, FH, FW = W.shape
    col = _im2col_book(x, FH, FW, stride, pad)
    col_W = W.reshape(FN, -1).T
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    db = np.sum(dout, axis=0)
    dW = np.dot(col.T, dout).transpose(1, 0).reshape(FN, C, FH, FW)
    dcol = np.dot(dout, col_W.T)
    dx = _col2im_book(dcol, x.shape, FH, FW, stride, pad)
    return dx, dW, db


def conv_backward_einsum(dout, x, W, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros(xp.shape)
    dW = np.zeros(W.shape)
    FH, FW = W.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            r, c = i * stride, j * stride
            dW += np.einsum("nf,nchw->fchw", dout[:, :, i, j], xp[:, :, r:r + FH, c:c + FW])
            dxp[:, :, r:r + FH, c:c + FW] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], W)
    H, Wd = x.shape[2:]
    return dxp[:, :, pad:pad + H, pad:pad + Wd], dW, dout.sum(axis=(0, 2, 3))


# ---------------------------------------------------------------- maxpool

def pool_forward_loops(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    OH, OW = (H - pool_h) // stride + 1, (W - pool_w) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w])
    return out


def pool_backward_loops(dout, x, pool_h, pool_w, stride):
    # CS231n's max_pool_backward_naive: the gradient goes to np.argmax's (first) maximum
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x, dtype=float)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx


def pool_forward_im2col(x, pool_h, pool_w, stride):
    # the book's Pooling.forward
    N, C, H, W = x.shape
    out_h = 1 + (H - pool_h) // stride
    out_w = 1 + (W - pool_w) // stride
    col = _im2col_book(x, pool_h, pool_w, stride, 0).reshape(-1, pool_h * pool_w)
    out = np.max(col, axis=1)
    return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)


def pool_backward_im2col(dout, x, pool_h, pool_w, stride):
    # the book's Pooling.backward, col2im adding the overlapping windows
    N, C, H, W = x.shape
    col = _im2col_book(x, pool_h, pool_w, stride, 0).reshape(-1, pool_h * pool_w)
    arg_max = np.argmax(col, axis=1)
    dout = dout.transpose(0, 2, 3, 1)
    pool_size = pool_h * pool_w
    dmax = np.zeros((dout.size, pool_size))
    dmax[np.arange(arg_max.size), arg_max.flatten()] = dout.flatten()
    dmax = dmax.reshape(dout.shape + (pool_size,))
    dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
    return _col2im_book(dcol, x.shape, pool_h, pool_w, stride, 0)


def pool_forward_reshape(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    OH, OW = (H - pool_h) // stride + 1, (W - pool_w) // stride + 1
    windows = np.stack([x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].reshape(N, C, -1)
                        for i in range(OH) for j in range(OW)], axis=2)
    return windows.max(axis=-1).reshape(N, C, OH, OW)


def pool_backward_first_mask(dout, x, pool_h, pool_w, stride):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        rows, cols = slice(i * stride, i * stride + pool_h), slice(j * stride, j * stride + pool_w)
        window = x[n, c, rows, cols]
        mask = np.zeros(window.size, dtype=bool)
        mask[window.argmax()] = True  # only the first maximum, as in the forward pass's choice
        dx[n, c, rows, cols] += mask.reshape(window.shape) * dout[n, c, i, j]
    return dx


# ---------------------------------------------------------------- count_parameters

def count_conv_dict(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": weights, "biases": c_out, "total": weights + c_out}


def count_affine_plain(n_in, n_out):
    return n_in * n_out + n_out


def count_conv_arrays(c_in, c_out, kh, kw):
    # count the entries of the arrays a layer would hold
    W, b = np.zeros((c_out, c_in, kh, kw)), np.zeros(c_out)
    return {"filters": int(np.prod(W.shape[:2])), "weights": int(W.size), "biases": int(b.size),
            "total": int(W.size + b.size)}


def count_affine_arrays(n_in, n_out):
    return int(np.zeros((n_in, n_out)).size + np.zeros(n_out).size)


def count_conv_steps(c_in, c_out, kh, kw):
    result = dict()
    result["filters"] = c_out * c_in
    result["weights"] = result["filters"] * kh * kw
    result["biases"] = c_out
    result["total"] = result["weights"] + result["biases"]
    return result


def count_affine_bias_trick(n_in, n_out):
    return (n_in + 1) * n_out  # a row of biases below the weights


RIGHT_ANSWERS = {
    "conv_output_size": [
        ("floor division", conv_output_size_formula),
        ("int() of a true division", conv_output_size_int),
        ("counting the positions", conv_output_size_count),
    ],
    "conv2d_naive": [
        ("CS231n's four loops", conv_loops),
        ("the book's im2col and one matrix product", conv_im2col),
        ("np.einsum over the patches", conv_einsum),
    ],
    "im2col": [
        ("the book's strided slices", im2col_book),
        ("a list of flattened patches", im2col_rows),
        ("CS231n's fancy indexing", im2col_fancy_index),
    ],
    "conv2d_backward": [
        ("CS231n's naive loops with a cache", conv_backward_cs231n),
        ("the book's im2col and col2im", conv_backward_im2col),
        ("np.einsum per output position", conv_backward_einsum),
    ],
    "maxpool": [
        ("CS231n's loops and np.argmax", (pool_forward_loops, pool_backward_loops)),
        ("the book's im2col Pooling layer", (pool_forward_im2col, pool_backward_im2col)),
        ("stacked windows forward, a first-maximum mask backward", (pool_forward_reshape, pool_backward_first_mask)),
    ],
    "count_parameters": [
        ("the formulas", (count_conv_dict, count_affine_plain)),
        ("sizes of zero arrays", (count_conv_arrays, count_affine_arrays)),
        ("step by step, the bias trick", (count_conv_steps, count_affine_bias_trick)),
    ],
}
