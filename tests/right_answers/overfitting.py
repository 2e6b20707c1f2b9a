"""Right answers to the lecture-05 exercises, written the ways learners write them (numpy and stdlib only)."""
import numpy as np


# ---------------------------------------------------------------- dropout

def dropout_forward_mask(x, ratio, u, train):
    if train:
        mask = (u >= ratio) / (1 - ratio)
        return x * mask
    return x.copy()


def dropout_backward_mask(dout, ratio, u, train):
    if not train:
        return dout.copy()
    return dout * (u >= ratio) / (1 - ratio)


class Dropout:
    # the book's layer made inverted: the kept units are scaled in training, nothing happens at test time
    def __init__(self, dropout_ratio):
        self.dropout_ratio, self.mask = dropout_ratio, None

    def forward(self, x, u, train_flg=True):
        if train_flg:
            self.mask = u >= self.dropout_ratio
            return x * self.mask / (1.0 - self.dropout_ratio)
        return x * 1.0

    def backward(self, dout, train_flg=True):
        if train_flg:
            return dout * self.mask / (1.0 - self.dropout_ratio)
        return dout * 1.0


def dropout_forward_class(x, ratio, u, train):
    return Dropout(ratio).forward(x, u, train)


def dropout_backward_class(dout, ratio, u, train):
    layer = Dropout(ratio)
    layer.mask = u >= ratio
    return layer.backward(dout, train)


def dropout_forward_keep_prob(x, ratio, u, train):
    # CS231n's p is the probability of KEEPING a unit
    p = 1 - ratio
    if train:
        out = x.copy()
        out[u < ratio] = 0
        return out / p
    return np.array(x, dtype=float)


def dropout_backward_keep_prob(dout, ratio, u, train):
    p = 1 - ratio
    dx = np.array(dout, dtype=float)
    if train:
        dx[u < ratio] = 0
        dx /= p
    return dx


# ---------------------------------------------------------------- random_shift

def shift_slices(images, max_shift, rng):
    N, H, W = images.shape
    shifts = rng.integers(-max_shift, max_shift + 1, size=(N, 2))
    out = np.zeros_like(images)
    for n in range(N):
        dy, dx = shifts[n]
        src = images[n, max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)]
        out[n, max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def shift_pad_crop(images, max_shift, rng):
    N, H, W = images.shape
    shifts = rng.integers(-max_shift, max_shift + 1, size=(N, 2))
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    out = np.empty_like(images)
    for n, (dy, dx) in enumerate(shifts):
        out[n] = padded[n, m - dy:m - dy + H, m - dx:m - dx + W]
    return out


def shift_pixel_loop(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    out = np.zeros(images.shape)
    N, H, W = images.shape
    for n in range(N):
        for y in range(H):
            for x in range(W):
                y2, x2 = y + shifts[n, 0], x + shifts[n, 1]
                if 0 <= y2 < H and 0 <= x2 < W:
                    out[n, y2, x2] = images[n, y, x]
    return out


def shift_roll_then_zero(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    out = images.copy()
    for n, (dy, dx) in enumerate(shifts):
        out[n] = np.roll(out[n], (dy, dx), axis=(0, 1))
        # what rolled in from the other side is cleared
        if dy > 0:
            out[n, :dy] = 0
        elif dy < 0:
            out[n, dy:] = 0
        if dx > 0:
            out[n, :, :dx] = 0
        elif dx < 0:
            out[n, :, dx:] = 0
    return out


# ---------------------------------------------------------------- l2_penalty_and_grad

def l2_loop(weights, weight_decay):
    penalty = 0.0
    grads = {}
    for key, W in weights.items():
        penalty += 0.5 * weight_decay * np.sum(W ** 2)
        grads[key] = weight_decay * W
    return penalty, grads


def l2_comprehension(weights, weight_decay):
    penalty = weight_decay / 2 * sum(np.sum(W * W) for W in weights.values())
    return float(penalty), {name: weight_decay * W for name, W in weights.items()}


def l2_norms(weights, weight_decay):
    # the squared Frobenius norm of each matrix
    total = sum(np.linalg.norm(W) ** 2 for W in weights.values())
    return [0.5 * weight_decay * total, {k: v * weight_decay for k, v in weights.items()}]


# ---------------------------------------------------------------- float32 (one rounding per value: within tolerance)

def dropout_forward_float32(x, ratio, u, train):
    x = np.asarray(x, dtype=np.float32)
    return x * (u >= ratio) / np.float32(1 - ratio) if train else x.copy()


def dropout_backward_float32(dout, ratio, u, train):
    dout = np.asarray(dout, dtype=np.float32)
    return dout * (u >= ratio) / np.float32(1 - ratio) if train else dout.copy()


RIGHT_ANSWERS = {
    "dropout": [
        ("in float32", (dropout_forward_float32, dropout_backward_float32)),
        ("a scaled mask", (dropout_forward_mask, dropout_backward_mask)),
        ("the book's Dropout class made inverted", (dropout_forward_class, dropout_backward_class)),
        ("CS231n's keep probability p = 1 - ratio", (dropout_forward_keep_prob, dropout_backward_keep_prob)),
    ],
    "random_shift": [
        ("slices of source and destination", shift_slices),
        ("pad, then crop", shift_pad_crop),
        ("a loop over every pixel", shift_pixel_loop),
        ("np.roll, then the wrapped border cleared", shift_roll_then_zero),
    ],
    "l2_penalty_and_grad": [
        ("a loop over the dict", l2_loop),
        ("sum and a dict comprehension", l2_comprehension),
        ("np.linalg.norm squared, returned as a list", l2_norms),
    ],
}
