"""Exercises of lecture 05: inverted dropout (forward and backward), random shifts, the L2 penalty.

Randomness is passed in: dropout receives the uniform draws ``u`` (a unit is kept where u >= ratio),
random_shift receives a np.random.Generator and must draw its shifts in the one way the task states.
"""
import numpy as np

from .core import Case, Exercise, Mistake, Rng, register, require


# ---------------------------------------------------------------- references

def _dropout_forward(x, ratio, u, train):
    if not train:
        return np.array(x, dtype=np.float64, copy=True)
    return x * (u >= ratio) / (1.0 - ratio)


def _dropout_backward(dout, ratio, u, train):
    if not train:
        return np.array(dout, dtype=np.float64, copy=True)
    return dout * (u >= ratio) / (1.0 - ratio)


def _shift_all(images, shifts, roll=False):
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    for n, (dy, dx) in enumerate(shifts):
        dy, dx = int(dy), int(dx)
        if roll:
            out[n] = np.roll(images[n], (dy, dx), axis=(0, 1))
            continue
        out[n, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[n, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _random_shift(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    return _shift_all(images, shifts)


def _l2_penalty_and_grad(weights, weight_decay):
    penalty = 0.5 * weight_decay * sum(float(np.sum(W * W)) for W in weights.values())
    return float(penalty), {name: weight_decay * W for name, W in weights.items()}


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _dropout_contract(x, ratio, u, train):
    require(np.shape(u) == np.shape(x), "u has x's shape")
    require(0 <= ratio < 1 and isinstance(train, bool), "0 <= ratio < 1, train a bool")


def _shift_contract(images, max_shift, rng):
    require(np.ndim(images) == 3 and isinstance(max_shift, int) and max_shift >= 0,
            "images (N, H, W), max_shift int >= 0")


def _l2_contract(weights, weight_decay):
    require(isinstance(weights, dict) and all(isinstance(W, np.ndarray) for W in weights.values()), "a dict of arrays")
    require(weight_decay >= 0, "weight_decay >= 0")


# ---------------------------------------------------------------- dropout

X_NOTES = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 2.0, -3.0]])
U_NOTES = np.array([[0.10, 0.60, 0.35, 0.80], [0.90, 0.20, 0.55, 0.40]])  # one draw below 0.25 in each row
U_TIES = np.array([[0.25, 0.60, 0.10, 0.25], [0.90, 0.25, 0.55, 0.00]])  # u == ratio is the boundary: kept


def _dropout_cases(rng, function):
    cases = []
    for shape, ratio, train in (((4, 6), 0.25, True), ((3, 5), 0.5, True), ((2, 3, 4), 0.4, True),
                                ((5, 3), 0.5, False), ((6,), 0.0, True)):
        first = rng.normal(size=shape)
        u = rng.uniform(0.0, 1.0, size=shape)
        cases.append(Case((first, ratio, u, train), label=f"random {shape}, ratio {ratio}, train={train}",
                          function=function))
    return cases


def _non_inverted_forward(x, ratio, u, train):
    return x * (u >= ratio) if train else x * (1 - ratio)


def _non_inverted_backward(dout, ratio, u, train):
    return dout * (u >= ratio) if train else dout * (1 - ratio)


def _keep_probability_forward(x, ratio, u, train):
    return x * (u < ratio) / ratio if train else x


def _keep_probability_backward(dout, ratio, u, train):
    return dout * (u < ratio) / ratio if train else dout


register(Exercise(
    name="dropout",
    contract={"dropout_forward": _dropout_contract, "dropout_backward": _dropout_contract},
    boundaries={"a draw u exactly equal to ratio": lambda case: np.any(case.args[2] == case.args[1]),
                "evaluation mode": lambda case: case.args[3] is False, "ratio 0": lambda case: case.args[1] == 0},
    functions=("dropout_forward", "dropout_backward"),
    reference={"dropout_forward": _dropout_forward, "dropout_backward": _dropout_backward},
    points=3,
    public=[
        Case((X_NOTES, 0.25, U_NOTES, True), function="dropout_forward",
             label="ratio 0.25 in training: where u < 0.25 the unit is dropped, the others are scaled by 1/0.75"),
        Case((X_NOTES, 0.25, U_NOTES, False), function="dropout_forward",
             label="the same input in evaluation mode (train=False): nothing is dropped or scaled"),
        Case((X_NOTES, 0.5, U_NOTES, True), function="dropout_forward", label="ratio 0.5 in training"),
        Case((np.ones((2, 4)), 0.25, U_NOTES, True), function="dropout_backward",
             label="backward of ratio 0.25 in training: the gradient flows only through the kept units"),
        Case((np.array([[0.5, -1.0, 2.0, 1.0], [1.0, 1.0, -2.0, 0.5]]), 0.25, U_NOTES, False),
             function="dropout_backward",
             label="backward in evaluation mode"),
        Case((X_NOTES, 0.25, U_TIES, True), function="dropout_forward",
             label="draws u exactly equal to ratio 0.25: those units are KEPT (kept where u >= ratio)"),
        Case((np.ones((2, 4)), 0.25, U_TIES, True), function="dropout_backward",
             label="backward with draws u exactly equal to ratio 0.25 (kept)"),
    ],
    hidden=lambda rng: _dropout_cases(rng, "dropout_forward") + _dropout_cases(rng, "dropout_backward"),
    mistakes=[  # narrow mistakes first: the first one explaining every wrong output gives the hint
        Mistake("scaled at test time",
                {"dropout_forward": lambda x, r, u, train: x * (u >= r) / (1 - r) if train else x * (1 - r),
                 "dropout_backward": lambda d, r, u, train: d * (u >= r) / (1 - r) if train else d * (1 - r)},
                "with inverted dropout the scaling already happened in training: in evaluation mode return x "
                "unchanged"),
        Mistake("backward not scaled", {"dropout_backward": lambda d, r, u, train: d * (u >= r) if train else d},
                "the forward pass multiplied by mask/(1 − ratio), so the backward pass must too: dx = dout·(u >= "
                "ratio)/(1 − ratio)"),
        Mistake("backward without the mask", {"dropout_backward": lambda d, r, u, train: d},
                "dropout_backward must multiply dout by the same scaled mask as the forward pass: units that were "
                "dropped get no gradient, kept ones get dout/(1 − ratio)"),
        Mistake("no scaling", {"dropout_forward": lambda x, r, u, train: x * (u >= r) if train else x,
                               "dropout_backward": lambda d, r, u, train: d * (u >= r) if train else d},
                "scale the kept units by 1/(1 − ratio) so the expected output stays x (inverted dropout)"),
        Mistake("not inverted", {"dropout_forward": _non_inverted_forward, "dropout_backward": _non_inverted_backward},
                "this is the old, non-inverted dropout: scale the kept units by 1/(1 − ratio) in TRAINING and leave "
                "evaluation mode untouched (out = x), so nothing changes at test time"),
        Mistake("keep probability and drop probability confused",
                {"dropout_forward": _keep_probability_forward, "dropout_backward": _keep_probability_backward},
                "ratio is the probability of DROPPING a unit (0.25 drops one in four): keep the units where "
                "u >= ratio and scale them by 1/(1 − ratio)"),
        Mistake("dropped where u >= ratio",
                {"dropout_forward": lambda x, r, u, train: x * (u < r) / (1 - r) if train else x,
                 "dropout_backward": lambda d, r, u, train: d * (u < r) / (1 - r) if train else d},
                "keep the units where u >= ratio (a unit is dropped when its draw u is below ratio)"),
        Mistake("u == ratio dropped",
                {"dropout_forward": lambda x, r, u, train: x * (u > r) / (1 - r) if train else x,
                 "dropout_backward": lambda d, r, u, train: d * (u > r) / (1 - r) if train else d},
                "a unit is kept where u >= ratio: a draw exactly equal to ratio keeps its unit (use >=, not >)"),
        Mistake("mask in evaluation mode", {"dropout_forward": lambda x, r, u, train: x * (u >= r) / (1 - r),
                                            "dropout_backward": lambda d, r, u, train: d * (u >= r) / (1 - r)},
                "in evaluation mode (train=False) dropout does nothing: return x (and dout) unchanged, no mask"),
    ],
    hides=("layers.Dropout", "naive.Dropout"),
))


# ---------------------------------------------------------------- random shift

def _images(rng, n, h, w):
    return rng.uniform(0.0, 1.0, size=(n, h, w))


register(Exercise(
    name="random_shift",
    contract=_shift_contract,
    boundaries={"max_shift 0": lambda case: case.args[1] == 0},
    functions="random_shift",
    reference=_random_shift,
    points=2,
    public=[
        Case((np.arange(1.0, 17.0).reshape(1, 4, 4), 1, Rng(0)),
             label="one 4×4 image numbered 1..16, max_shift 1, seed 0"),
        Case((np.arange(1.0, 33.0).reshape(2, 4, 4), 1, Rng(3)), label="two 4×4 images, max_shift 1, seed 3"),
        Case((np.arange(1.0, 37.0).reshape(3, 3, 4), 2, Rng(7)), label="three 3×4 images, max_shift 2, seed 7"),
        Case((np.arange(1.0, 10.0).reshape(1, 3, 3), 0, Rng(1)), label="max_shift 0: every image unchanged"),
    ],
    hidden=lambda rng: [
        Case((_images(rng, 6, 8, 8), 1, Rng(int(rng.integers(1000)))), label="random (6, 8, 8), max_shift 1"),
        Case((_images(rng, 5, 5, 7), 2, Rng(int(rng.integers(1000)))), label="random (5, 5, 7), max_shift 2"),
        Case((_images(rng, 8, 6, 6), 3, Rng(int(rng.integers(1000)))), label="random (8, 6, 6), max_shift 3"),
    ],
    mistakes=[
        Mistake("np.roll wraps around", lambda images, m, rng: _shift_all(
            images, rng.integers(-m, m + 1, size=(len(images), 2)), roll=True),
                "np.roll wraps the pixels that leave one side back in on the other: fill the uncovered border with 0 "
                "instead"),
        Mistake("shift direction reversed", lambda images, m, rng: _shift_all(
            images, -rng.integers(-m, m + 1, size=(len(images), 2))),
                "positive dy moves the picture DOWN and positive dx moves it RIGHT: out[n, y + dy, x + dx] = "
                "images[n, y, x]"),
        Mistake("dy and dx swapped", lambda images, m, rng: _shift_all(
            images, rng.integers(-m, m + 1, size=(len(images), 2))[:, ::-1]),
                "shifts[n] = (dy, dx): the first column moves rows (axis 1 of images), the second moves columns (axis "
                "2)"),
        Mistake("upper bound excluded", lambda images, m, rng: _shift_all(
            images, rng.integers(-m, m, size=(len(images), 2))),
                "rng.integers excludes its upper bound: draw with rng.integers(-max_shift, max_shift + 1, size=(N, 2)) "
                "so +max_shift is possible"),
        Mistake("one shift for all images", lambda images, m, rng: _shift_all(
            images, np.tile(rng.integers(-m, m + 1, size=2), (len(images), 1))),
                "every image gets its own shift: draw all of them at once, rng.integers(-max_shift, max_shift + 1, "
                "size=(N, 2))"),
    ],
    hides=("data.random_shift",),
))


# ---------------------------------------------------------------- L2 penalty

def _weights(rng, shapes):
    return {f"W{i + 1}": rng.normal(size=shape) for i, shape in enumerate(shapes)}


register(Exercise(
    name="l2_penalty_and_grad",
    contract=_l2_contract,
    boundaries={"weight_decay 0": lambda case: case.args[1] == 0},
    functions="l2_penalty_and_grad",
    reference=_l2_penalty_and_grad,
    points=2,
    public=[
        Case(({"W1": np.array([[1.0, -2.0], [3.0, 0.5]])}, 0.1), label="one weight matrix, weight_decay 0.1"),
        Case(({"W1": np.array([[1.0, 2.0]]), "W2": np.array([[3.0], [-1.0]])}, 0.01),
             label="two weight matrices, weight_decay 0.01"),
        Case(({"W1": np.array([[1.0, 2.0]]), "W2": np.array([[3.0], [-1.0]])}, 0.0),
             label="weight_decay 0: no penalty"),
    ],
    hidden=lambda rng: [
        Case((_weights(rng, [(4, 3), (3, 2)]), 0.05), label="random, two matrices"),
        Case((_weights(rng, [(64, 16), (16, 16), (16, 10)]), 1e-3), label="random, three matrices"),
        Case((_weights(rng, [(2, 5)]), 0.3), label="random, one matrix"),
    ],
    mistakes=[
        Mistake("no one-half", lambda ws, lam: (lam * sum(float(np.sum(W ** 2)) for W in ws.values()),
                                                {k: lam * W for k, W in ws.items()}),
                "the penalty is (weight_decay / 2)·Σ W²: the 1/2 makes its gradient exactly weight_decay·W"),
        Mistake("gradient without weight_decay", lambda ws, lam: (_l2_penalty_and_grad(ws, lam)[0], {k: W.copy() for k,
                                                                                                     W in ws.items()}),
                "the gradient of (weight_decay / 2)·Σ W² is weight_decay·W: multiply by weight_decay"),
        Mistake("gradient 2·weight_decay·W", lambda ws, lam: (_l2_penalty_and_grad(ws, lam)[0], {k: 2 * lam * W for k,
                                                                                                 W in ws.items()}),
                "the 1/2 in the penalty cancels the 2 from the derivative of W²: the gradient is weight_decay·W"),
        Mistake("mean instead of sum", lambda ws, lam: (0.5 * lam * sum(float(np.mean(W ** 2)) for W in ws.values()),
                                                        {k: lam * W for k, W in ws.items()}),
                "sum the squares of every weight (np.sum), not their mean"),
        Mistake("absolute values (L1)", lambda ws, lam: (0.5 * lam * sum(float(np.sum(np.abs(W))) for W in ws.values()),
                                                         {k: lam * W for k, W in ws.items()}),
                "the L2 penalty squares the weights: (weight_decay / 2)·Σ W², not Σ |W|"),
        Mistake("only the last matrix", lambda ws, lam: (0.5 * lam * float(np.sum(list(ws.values())[-1] ** 2)),
                                                         {k: lam * W for k, W in ws.items()}),
                "add up the penalty of EVERY matrix in the dict (penalty = penalty + ..., not penalty = ...)"),
        Mistake("gradient halved", lambda ws, lam: (_l2_penalty_and_grad(ws, lam)[0], {k: 0.5 * lam * W for k,
                                                                                       W in ws.items()}),
                "the gradient of (weight_decay / 2)·Σ W² is weight_decay·W: the 2 from the derivative of W² cancels "
                "the 1/2"),
    ],
    hides=(),
))
