"""Typical wrong answers to the lecture-07 exercises, written as learners write them."""
import math

import numpy as np


# ---------------------------------------------------------------- conv_output_size

def output_size_right(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) // stride + 1


def output_size_true_division(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) / stride + 1


def output_size_int_of_float(input_size, filter_size, stride=1, pad=0):
    return int(math.ceil((input_size + 2 * pad - filter_size) / stride)) + 1


def output_size_single_pad(input_size, filter_size, stride=1, pad=0):
    return (input_size + pad - filter_size) // stride + 1


def output_size_no_plus_one(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) // stride


# ---------------------------------------------------------------- conv2d_naive

def conv_right(x, W, b, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    OH = (H + 2 * pad - FH) // stride + 1
    OW = (Wd + 2 * pad - FW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    patch = xp[n, :, i * stride:i * stride + FH, j * stride:j * stride + FW]
                    out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


def conv_flipped(x, W, b, stride=1, pad=0):
    return conv_right(x, W[:, :, ::-1, ::-1], b, stride, pad)


def conv_no_bias(x, W, b, stride=1, pad=0):
    return conv_right(x, W, np.zeros_like(b), stride, pad)


def conv_stride_in_loop_only(x, W, b, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    OH = (H + 2 * pad - FH) // stride + 1
    OW = (Wd + 2 * pad - FW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + FH, j:j + FW] * W[f]) + b[f]
    return out


def conv_pad_one_side(x, W, b, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    OH = (H + 2 * pad - FH) // stride + 1
    OW = (Wd + 2 * pad - FW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    out[n, f, i, j] = np.sum(xp[n, :, i * stride:i * stride + FH,
                                                j * stride:j * stride + FW] * W[f]) + b[f]
    return out


# ---------------------------------------------------------------- im2col

def im2col_right(x, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = x.shape
    OH = (H + 2 * pad - filter_h) // stride + 1
    OW = (W + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = []
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                rows.append(xp[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].reshape(-1))
    return np.array(rows)


def im2col_channels_last(x, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = x.shape
    OH = (H + 2 * pad - filter_h) // stride + 1
    OW = (W + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))).transpose(0, 2, 3, 1)  # channels last
    rows = []
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                rows.append(xp[n, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w, :].reshape(-1))
    return np.array(rows)


def im2col_dlfs_without_transpose(x, filter_h, filter_w, stride=1, pad=0):
    """The 'Deep Learning from Scratch' layout (N, C, FH, FW, OH, OW) reshaped without moving the axes."""
    N, C, H, W = x.shape
    OH = (H + 2 * pad - filter_h) // stride + 1
    OW = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.zeros((N, C, filter_h, filter_w, OH, OW))
    for y in range(filter_h):
        for xx in range(filter_w):
            col[:, :, y, xx, :, :] = img[:, :, y:y + stride * OH:stride, xx:xx + stride * OW:stride]
    return col.reshape(N * OH * OW, -1)


def im2col_positions_outer(x, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = x.shape
    OH = (H + 2 * pad - filter_h) // stride + 1
    OW = (W + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = []
    for i in range(OH):
        for j in range(OW):
            for n in range(N):
                rows.append(xp[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].reshape(-1))
    return np.array(rows)


def im2col_columns(x, filter_h, filter_w, stride=1, pad=0):
    return im2col_right(x, filter_h, filter_w, stride, pad).T


# ---------------------------------------------------------------- conv2d_backward

def conv_backward_right(dout, x, W, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    _, _, OH, OW = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    rs, cs = i * stride, j * stride
                    dW[f] += dout[n, f, i, j] * xp[n, :, rs:rs + FH, cs:cs + FW]
                    dxp[n, :, rs:rs + FH, cs:cs + FW] += dout[n, f, i, j] * W[f]
                    db[f] += dout[n, f, i, j]
    return dxp[:, :, pad:pad + H, pad:pad + Wd], dW, db


def conv_backward_assign(dout, x, W, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    _, _, OH, OW = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                rs, cs = i * stride, j * stride
                for f in range(F):
                    dW[f] += dout[n, f, i, j] * xp[n, :, rs:rs + FH, cs:cs + FW]
                dxp[n, :, rs:rs + FH, cs:cs + FW] = np.tensordot(dout[n, :, i, j], W, axes=1)
    return dxp[:, :, pad:pad + H, pad:pad + Wd], dW, dout.sum(axis=(0, 2, 3))


def conv_backward_db_batch_only(dout, x, W, stride=1, pad=0):
    dx, dW, _ = conv_backward_right(dout, x, W, stride, pad)
    return dx, dW, np.sum(dout, axis=0)


def conv_backward_mean_over_batch(dout, x, W, stride=1, pad=0):
    dx, dW, db = conv_backward_right(dout, x, W, stride, pad)
    return dx, dW / x.shape[0], db / x.shape[0]


def conv_backward_padded_dx(dout, x, W, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, FH, FW = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dxp[n, :, i * stride:i * stride + FH, j * stride:j * stride + FW] += dout[n, f, i, j] * W[f]
    _, dW, db = conv_backward_right(dout, x, W, stride, pad)
    return dxp, dW, db


# ---------------------------------------------------------------- max pooling

def pool_forward_right(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    OH, OW = (H - pool_h) // stride + 1, (W - pool_w) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].max(axis=(2, 3))
    return out


def pool_backward_right(dout, x, pool_h, pool_w, stride):
    dx = np.zeros_like(x, dtype=float)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
                    k = np.argmax(window)
                    dx[n, c, i * stride + k // pool_w, j * stride + k % pool_w] += dout[n, c, i, j]
    return dx


def pool_backward_everywhere(dout, x, pool_h, pool_w, stride):
    dx = np.zeros_like(x, dtype=float)
    N, C, OH, OW = dout.shape
    for i in range(OH):
        for j in range(OW):
            dx[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w] += dout[:, :, i:i + 1, j:j + 1]
    return dx


def pool_backward_mask_of_max(dout, x, pool_h, pool_w, stride):
    dx = np.zeros_like(x, dtype=float)
    N, C, OH, OW = dout.shape
    for i in range(OH):
        for j in range(OW):
            window = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w] += mask * dout[:, :, i:i + 1,
                                                                                                    j:j + 1]
    return dx


def pool_backward_set_not_add(dout, x, pool_h, pool_w, stride):
    dx = np.zeros_like(x, dtype=float)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + a, j * stride + b] = dout[n, c, i, j]
    return dx


def pool_forward_mean(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    OH, OW = (H - pool_h) // stride + 1, (W - pool_w) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].mean(axis=(2, 3))
    return out


# ---------------------------------------------------------------- count_parameters

def conv_count_right(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": weights, "biases": c_out, "total": weights + c_out}


def affine_count_right(n_in, n_out):
    return n_in * n_out + n_out


def conv_count_no_bias(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": weights, "biases": c_out, "total": weights}


def conv_count_3d_filters(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_out, "weights": weights, "biases": c_out, "total": weights + c_out}


def conv_count_bias_per_slice(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": weights, "biases": c_in * c_out, "total": weights + c_in * c_out}


def affine_count_no_bias(n_in, n_out):
    return n_in * n_out


def conv_count_float(c_in, c_out, kh, kw):
    weights = c_in * c_out * kh * kw
    return {"filters": c_in * c_out, "weights": float(weights), "biases": c_out, "total": float(weights + c_out)}


WRONG_ANSWERS = {
    "conv_output_size": [
        ("true division gives a float", output_size_true_division, "use integer division //"),
        ("rounded up with ceil", output_size_int_of_float, "round down"),
        ("padding added on one side only", output_size_single_pad, "both sides"),
        ("the +1 forgotten", output_size_no_plus_one, "plus 1"),
    ],
    "conv2d_naive": [
        ("kernel flipped (textbook convolution)", conv_flipped, "not flip"),
        ("bias forgotten", conv_no_bias, "bias"),
        ("stride not applied to the patch position", conv_stride_in_loop_only, "i·stride"),
        ("all the padding on one side", conv_pad_one_side, "on EACH side"),
    ],
    "im2col": [
        ("columns in (fh, fw, c) order", im2col_channels_last, "channel first"),
        ("DLFS layout reshaped without transposing", im2col_dlfs_without_transpose,
         "transpose it to (N, OH, OW, C, FH, FW)"),
        ("rows ordered by position then image", im2col_positions_outer, "image by image"),
        ("one column per patch", im2col_columns, "one row per patch"),
    ],
    "conv2d_backward": [
        ("dx overwritten where patches overlap", conv_backward_assign, "+="),
        ("db summed over the batch only", conv_backward_db_batch_only, "shape"),
        ("gradients averaged over the batch", conv_backward_mean_over_batch, "dW and db are plain sums"),
        ("dx keeps the padding", conv_backward_padded_dx, "cut the padding off"),
    ],
    "maxpool": [
        ("gradient sent to every input of the window", (pool_forward_right, pool_backward_everywhere),
         "not to every input"),
        ("gradient sent to every tied maximum", (pool_forward_right, pool_backward_mask_of_max), "first one only"),
        ("gradient assigned, overlapping windows overwrite", (pool_forward_right, pool_backward_set_not_add),
         "add the gradients"),
        ("average instead of max", (pool_forward_mean, pool_backward_right), "largest value"),
    ],
    "count_parameters": [
        ("biases left out of the total", (conv_count_no_bias, affine_count_right), "weights + C_out"),
        ("filters counted as C_out 3-D filters", (conv_count_3d_filters, affine_count_right), "C_in·C_out of them"),
        ("one bias per kernel slice", (conv_count_bias_per_slice, affine_count_right), "one bias per output channel"),
        ("fully connected layer without biases", (conv_count_right, affine_count_no_bias), "n_out biases"),
        ("counts as floats", (conv_count_float, affine_count_right), "expected an int"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def output_size_zero_stride_default(input_size, filter_size, stride=0, pad=0):
    return (input_size + 2 * pad - filter_size) // stride + 1


def output_size_pad_default_one(input_size, filter_size, stride=1, pad=1):
    return (input_size + 2 * pad - filter_size) // stride + 1


def conv_true_division(x, W, b, stride=1, pad=0):
    # CS231n's old Python-2 code: / gave an int there, a float here
    N, C, H, Wd = x.shape
    F, _, HH, WW = W.shape
    H_out = 1 + (H + 2 * pad - HH) / stride
    W_out = 1 + (Wd + 2 * pad - WW) / stride
    out = np.zeros((N, F, H_out, W_out))
    return out + b[None, :, None, None]


def conv_pad_default_one(x, W, b, stride=1, pad=1):
    return conv_right(x, W, b, stride, pad)


def im2col_pad_default_one(x, filter_h, filter_w, stride=1, pad=1):
    return im2col_right(x, filter_h, filter_w, stride, pad)


def conv_backward_pad_default_one(dout, x, W, stride=1, pad=1):
    return conv_backward_right(dout, x, W, stride, pad)


def conv_backward_zeros_returned(dout, x, W, stride=1, pad=0):
    # CS231n learners' dx_padded filled, then the untouched dx returned
    dx = np.zeros_like(x)
    _, dW, db = conv_backward_right(dout, x, W, stride, pad)
    return dx, dW, db


def pool_backward_stride_one(dout, x, pool_h, pool_w, stride):
    dx = np.zeros_like(x)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i:i + pool_h, j:j + pool_w]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i + a, j + b] += dout[n, c, i, j]
    return dx


WRONG_ANSWERS["conv_output_size"] += [
    ("stride defaults to 0", output_size_zero_stride_default, "keep the defaults"),
    ("pad defaults to 1", output_size_pad_default_one, "keep the defaults"),
]
WRONG_ANSWERS["conv2d_naive"] += [
    ("sizes from / (old Python-2 code)", conv_true_division, "use integer division"),
    ("pad defaults to 1", conv_pad_default_one, "keep the defaults"),
]
WRONG_ANSWERS["im2col"] += [
    ("pad defaults to 1", im2col_pad_default_one, "keep the defaults"),
]
WRONG_ANSWERS["conv2d_backward"] += [
    ("pad defaults to 1", conv_backward_pad_default_one, "keep the defaults"),
    ("the zeros of dx returned", conv_backward_zeros_returned, "dx is still the array of zeros"),
]
WRONG_ANSWERS["maxpool"] += [
    ("backward windows at stride 1", (pool_forward_right, pool_backward_stride_one), "as in the forward pass"),
]
