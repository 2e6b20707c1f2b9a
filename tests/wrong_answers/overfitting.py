"""Typical wrong answers to the lecture-05 exercises (dropout, random shift, L2 penalty), written as learners write
them."""
import numpy as np


# ---------------------------------------------------------------- dropout

def dropout_forward_right(x, ratio, u, train):
    if train:
        mask = (u >= ratio) / (1 - ratio)
        return x * mask
    return x


def dropout_backward_right(dout, ratio, u, train):
    if train:
        return dout * (u >= ratio) / (1 - ratio)
    return dout


def dropout_forward_classic(x, ratio, u, train):
    # the original (non-inverted) dropout: drop in training, scale by the keep probability at test time
    if train:
        return x * (u >= ratio)
    return x * (1 - ratio)


def dropout_backward_classic(dout, ratio, u, train):
    if train:
        return dout * (u >= ratio)
    return dout * (1 - ratio)


def dropout_forward_keep_prob(x, ratio, u, train):
    # reads ratio as the probability of KEEPING a unit (the CS231n convention p)
    if train:
        return x * (u < ratio) / ratio
    return x


def dropout_backward_keep_prob(dout, ratio, u, train):
    if train:
        return dout * (u < ratio) / ratio
    return dout


def dropout_forward_always(x, ratio, u, train):
    return x * (u >= ratio) / (1 - ratio)


def dropout_backward_always(dout, ratio, u, train):
    return dout * (u >= ratio) / (1 - ratio)


def dropout_backward_unscaled(dout, ratio, u, train):
    if train:
        return dout * (u >= ratio)
    return dout


def dropout_backward_passthrough(dout, ratio, u, train):
    return dout


def dropout_forward_double_scaling(x, ratio, u, train):
    if train:
        return x * (u >= ratio) / (1 - ratio)
    return x * (1 - ratio)


# ---------------------------------------------------------------- random shift

def random_shift_right(images, max_shift, rng):
    n, h, w = images.shape
    out = np.zeros_like(images)
    for i in range(n):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        for y in range(h):
            for x in range(w):
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    out[i, y + dy, x + dx] = images[i, y, x]
    return out


def random_shift_roll(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    return np.stack([np.roll(img, (dy, dx), axis=(0, 1)) for img, (dy, dx) in zip(images, shifts)])


def random_shift_exclusive_high(images, max_shift, rng):
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    shifts = rng.integers(-max_shift, max_shift, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[i, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def random_shift_backwards(images, max_shift, rng):
    # reads the source at y + dy: the picture moves up for positive dy
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        for y in range(h):
            for x in range(w):
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    out[i, y, x] = images[i, y + dy, x + dx]
    return out


def random_shift_xy(images, max_shift, rng):
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    for i, (dx, dy) in enumerate(shifts):  # (x, y) order, as in plotting
        out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[i, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def random_shift_same_for_all(images, max_shift, rng):
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


# ---------------------------------------------------------------- L2 penalty

def l2_right(weights, weight_decay):
    penalty = 0.0
    grads = {}
    for name, W in weights.items():
        penalty += 0.5 * weight_decay * np.sum(W ** 2)
        grads[name] = weight_decay * W
    return penalty, grads


def l2_no_half(weights, weight_decay):
    penalty = 0.0
    grads = {}
    for name, W in weights.items():
        penalty += weight_decay * np.sum(W ** 2)
        grads[name] = weight_decay * W
    return penalty, grads


def l2_grad_missing_lambda(weights, weight_decay):
    penalty = 0.0
    grads = {}
    for name, W in weights.items():
        penalty += 0.5 * weight_decay * np.sum(W ** 2)
        grads[name] = W
    return penalty, grads


def l2_grad_doubled(weights, weight_decay):
    penalty = 0.0
    grads = {}
    for name, W in weights.items():
        penalty += 0.5 * weight_decay * np.sum(W ** 2)
        grads[name] = 2 * weight_decay * W
    return penalty, grads


def l2_overwrites_penalty(weights, weight_decay):
    grads = {}
    for name, W in weights.items():
        penalty = 0.5 * weight_decay * np.sum(W ** 2)
        grads[name] = weight_decay * W
    return penalty, grads


def l2_mean(weights, weight_decay):
    penalty = sum(0.5 * weight_decay * np.mean(W ** 2) for W in weights.values())
    return penalty, {name: weight_decay * W for name, W in weights.items()}


WRONG_ANSWERS = {
    "dropout": [
        ("non-inverted dropout, scaled at test time", (dropout_forward_classic, dropout_backward_classic),
         "non-inverted"),
        ("ratio read as the keep probability", (dropout_forward_keep_prob, dropout_backward_keep_prob),
         "probability of DROPPING"),
        ("mask applied in evaluation mode too", (dropout_forward_always, dropout_backward_always), "evaluation mode"),
        ("backward forgets the 1/(1 - ratio) scale", (dropout_forward_right, dropout_backward_unscaled),
         "backward pass must too"),
        ("backward passes dout through unchanged", (dropout_forward_right, dropout_backward_passthrough),
         "same scaled mask"),
        ("inverted in training and scaled again at test time", (dropout_forward_double_scaling, dropout_backward_right),
         "return x unchanged"),
    ],
    "random_shift": [
        ("np.roll wraps pixels around", random_shift_roll, "wraps"),
        ("rng.integers upper bound excluded", random_shift_exclusive_high, "excludes its upper bound"),
        ("shift direction reversed", random_shift_backwards, "moves the picture DOWN"),
        ("(dx, dy) order instead of (dy, dx)", random_shift_xy, "shifts[n] = (dy, dx)"),
        ("one shift for the whole batch", random_shift_same_for_all, "its own shift"),
    ],
    "l2_penalty_and_grad": [
        ("penalty without the 1/2", l2_no_half, "(weight_decay / 2)"),
        ("gradient missing weight_decay", l2_grad_missing_lambda, "multiply by weight_decay"),
        ("gradient 2·weight_decay·W", l2_grad_doubled, "cancels the 2"),
        ("penalty overwritten in the loop", l2_overwrites_penalty, "EVERY matrix"),
        ("mean of the squares", l2_mean, "np.sum"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def dropout_forward_strict(x, ratio, u, train):
    return x * (u > ratio) / (1 - ratio) if train else x.copy()


def dropout_backward_strict(dout, ratio, u, train):
    return dout * (u > ratio) / (1 - ratio) if train else dout.copy()


def l2_grad_halved(weights, weight_decay):
    penalty = 0.5 * weight_decay * sum(np.sum(W ** 2) for W in weights.values())
    return penalty, {k: 0.5 * weight_decay * W for k, W in weights.items()}


WRONG_ANSWERS["dropout"] += [
    ("u > ratio drops the draws equal to ratio", (dropout_forward_strict, dropout_backward_strict), "use >=, not >"),
]
WRONG_ANSWERS["l2_penalty_and_grad"] += [
    ("gradient 0.5·weight_decay·W", l2_grad_halved, "cancels the 1/2"),
]
