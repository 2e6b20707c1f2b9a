"""Exercises of lecture 03: the backward pass of Affine, ReLU, Sigmoid and Softmax-with-Loss, then a
two-layer network's gradients.

Conventions (the same as dlcourse.layers): x is (N, D) or (N, d1, ..., dk) flattened to (N, D); W is (D, M);
the loss is averaged over the batch, so the 1/N lives in the gradient of Softmax-with-Loss and nowhere else.
"""
import numpy as np

from .core import Case, Exercise, Mistake, register, require


# ---------------------------------------------------------------- references

def _affine_forward(x, W, b):
    """out = x · W + b, with x flattened to (N, D)."""
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(x.shape[0], -1) @ W + b


def _affine_backward(dout, x, W):
    """(dx, dW, db) = (dout · Wᵀ reshaped like x, xᵀ · dout, Σ_n dout)."""
    x = np.asarray(x, dtype=np.float64)
    x2 = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), x2.T @ dout, dout.sum(axis=0)


def _relu_backward(dout, x):
    """dout where x > 0, 0 elsewhere."""
    return np.where(x > 0, dout, 0.0)


def _sigmoid_backward(dout, y):
    """dout · y · (1 − y), from the forward output y = σ(x) alone."""
    return dout * y * (1.0 - y)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _global_max_softmax(x):
    e = np.exp(np.asarray(x, dtype=np.float64) - np.max(x))
    return e / e.sum(axis=-1, keepdims=True)


def _one_hot(t, n_classes):
    t = np.asarray(t)
    return t.astype(np.float64) if t.ndim == 2 else np.eye(n_classes)[t]


def _softmax_with_loss_backward(x, t):
    """(softmax(x) − t) / N with t one-hot (indices are turned into one-hot rows)."""
    x = np.asarray(x, dtype=np.float64)
    return (_softmax(x) - _one_hot(t, x.shape[1])) / x.shape[0]


def _two_layer_net_gradients(params, X, t):
    """Affine → ReLU → Affine → Softmax-with-Loss: forward, then backward right to left."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    scores = h @ W2 + b2
    dscores = _softmax_with_loss_backward(scores, t)
    dh = dscores @ W2.T
    da = np.where(a > 0, dh, 0.0)
    return {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _flat_features(x):
    return int(np.prod(np.shape(x)[1:]))


def _affine_forward_contract(x, W, b):
    require(np.ndim(W) == 2 and _flat_features(x) == W.shape[0],
            f"x {np.shape(x)} must flatten to (N, {np.shape(W)[0]})")
    require(np.shape(b) == (W.shape[1],), f"b must have shape (M,) = ({W.shape[1]},), got {np.shape(b)}")


def _affine_backward_contract(dout, x, W):
    require(_flat_features(x) == W.shape[0], f"x {np.shape(x)} must flatten to (N, {W.shape[0]})")
    require(np.shape(dout) == (np.shape(x)[0], W.shape[1]), f"dout must be (N, M) = ({len(x)}, {W.shape[1]})")


def _same_shape(*arrays):
    require(len({np.shape(a) for a in arrays}) == 1,
            f"the arrays must share one shape, got {[np.shape(a) for a in arrays]}")


def _sigmoid_backward_contract(dout, y):
    _same_shape(dout, y)
    require(np.all((0 <= y) & (y <= 1)), "y is a sigmoid output, in [0, 1]")


def _targets_contract(x, t):
    """x: (N, C) scores; t: (N,) class indices in [0, C) or one-hot (N, C)."""
    require(np.ndim(x) == 2, f"x must be (N, C), got {np.shape(x)}")
    n, c = np.shape(x)
    t = np.asarray(t)
    if t.shape == (n,):
        require(t.dtype.kind in "iu" and np.all((0 <= t) & (t < c)), "class indices must be ints in [0, C)")
    else:
        require(t.shape == (n, c) and np.all(t.sum(axis=1) == 1), f"one-hot targets must be (N, C) = ({n}, {c})")


def _net_contract(params, X, t):
    d, h = params["W1"].shape
    c = params["W2"].shape[1]
    require(params["b1"].shape == (h,) and params["W2"].shape == (h, c) and params["b2"].shape == (c,),
            "params: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)")
    require(np.shape(X)[1] == d, f"X must be (N, {d})")
    require(np.shape(t) == (len(X),) and np.all((0 <= t) & (t < c)), "t: (N,) class indices in [0, C)")


def _has_kink(case):
    dout, x = case.args[:2]
    return bool(np.any((np.asarray(x) == 0) & (np.asarray(dout) != 0)))


def _row_maxima_apart(case):
    x = np.asarray(case.args[0])
    return x.ndim == 2 and len(x) > 1 and np.ptp(x.max(axis=1)) >= 500


# ---------------------------------------------------------------- affine

X_23 = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
W_32 = np.array([[0.2, -0.5], [1.0, 0.3], [-0.4, 0.8]])
B_2 = np.array([0.1, -0.2])
DOUT_22 = np.array([[1.0, -2.0], [0.5, 3.0]])


def _arange_array(shape, scale=0.1, shift=0.0):
    return (np.arange(np.prod(shape), dtype=np.float64).reshape(shape) - shift) * scale


def _affine_hidden(rng):
    cases = []
    for n, d, m in ((5, 4, 3), (1, 6, 2), (8, 3, 7)):
        x, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
        cases.append(Case((x, W, b), label=f"random forward ({n}, {d}) · ({d}, {m})", function="affine_forward"))
        cases.append(Case((rng.standard_normal((n, m)), x, W), label=f"random backward N={n}, D={d}, M={m}",
                          function="affine_backward"))
    x = rng.standard_normal((3, 2, 2, 2))
    cases.append(Case((rng.standard_normal((3, 4)), x, rng.standard_normal((8, 4))), label="random images (3, 2, 2, 2)",
                      function="affine_backward"))
    return cases


def _affine_backward_mistake(dx=None, dW=None, db=None):
    def wrong(dout, x, W):
        right_dx, right_dW, right_db = _affine_backward(dout, x, W)
        x2 = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        return (right_dx if dx is None else dx(dout, x, x2, W), right_dW if dW is None else dW(dout, x2, W),
                right_db if db is None else db(dout))
    return {"affine_backward": wrong}


register(Exercise(
    name="affine",
    contract={"affine_forward": _affine_forward_contract, "affine_backward": _affine_backward_contract},
    boundaries={"x of more than 2 dimensions (flattened)": lambda case: np.ndim(case.args[-2]) > 2},
    functions=("affine_forward", "affine_backward"),
    reference={"affine_forward": _affine_forward, "affine_backward": _affine_backward},
    points=2,
    public=[
        Case((X_23, W_32, B_2), label="x (2, 3), W (3, 2), b (2,)", function="affine_forward"),
        Case((_arange_array((2, 2, 3)), _arange_array((6, 4), 0.1, 12), np.array([0.5, 0.0, -0.5, 1.0])),
             label="x of shape (2, 2, 3) flattened to (2, 6), W (6, 4)", function="affine_forward"),
        Case((DOUT_22, X_23, W_32), label="dout (2, 2), x (2, 3), W (3, 2)", function="affine_backward"),
        Case((_arange_array((4, 5), 0.25, 9), _arange_array((4, 3), 0.5, 5), _arange_array((3, 5), 0.1, 7)),
             label="a batch of 4: dout (4, 5), x (4, 3), W (3, 5)", function="affine_backward"),
        Case((_arange_array((2, 4), 0.5, 3), _arange_array((2, 2, 3), 0.1, 6), _arange_array((6, 4), 0.1, 12)),
             label="x of shape (2, 2, 3): dx must have x's shape", function="affine_backward"),
    ],
    hidden=_affine_hidden,
    mistakes=[
        Mistake("no bias", {"affine_forward": lambda x, W, b: np.asarray(x).reshape(len(x), -1) @ W},
                "the affine layer is x · W + b: add the bias b (it broadcasts over the batch)"),
        Mistake("dW = doutᵀ · x", _affine_backward_mistake(dW=lambda dout, x2, W: dout.T @ x2),
                "dW must have W's shape (D, M): dW = xᵀ · dout (x.T @ dout), not dout.T @ x"),
        Mistake("db not summed", _affine_backward_mistake(db=lambda dout: dout.copy()),
                "b was added to every row of the batch, so db = Σ over the batch: dout.sum(axis=0), shape (M,)"),
        Mistake("db averaged", _affine_backward_mistake(db=lambda dout: dout.mean(axis=0)),
                "db is the SUM of dout over the batch (axis 0), not the mean: the 1/N is already inside dout"),
        Mistake("db summed over the wrong axis", _affine_backward_mistake(db=lambda dout: dout.sum(axis=1)),
                "sum dout over the batch axis (axis=0) so db has b's shape (M,)"),
        Mistake("dx not reshaped", _affine_backward_mistake(dx=lambda dout, x, x2, W: dout @ W.T),
                "dx must have the shape of the x that came in: (dout @ W.T).reshape(x.shape)"),
        Mistake("dW divided by N", _affine_backward_mistake(dW=lambda dout, x2, W: x2.T @ dout / len(x2)),
                "do not divide by N in the affine layer: dout already carries the 1/N of the averaged loss"),
        Mistake("x not flattened", {"affine_forward": lambda x, W, b: np.dot(x, W) + b},
                "flatten each sample first: x.reshape(x.shape[0], -1) @ W + b, because x may be (N, d1, ..., dk)",
                raises=("ValueError",)),
        Mistake("dW and db divided by N", _affine_backward_mistake(dW=lambda dout, x2, W: x2.T @ dout / len(x2),
                                                                   db=lambda dout: dout.sum(axis=0) / len(dout)),
                "do not divide by N in the affine layer: dout already carries the 1/N of the averaged loss"),
    ],
    hides=("layers.Affine", "naive.Affine", "widgets.gradient_descent.linear_scores"),
))


# ---------------------------------------------------------------- relu_backward

def _with_zeros(rng, shape):
    """Random inputs with about a quarter of them exactly 0 (the kink)."""
    x = rng.standard_normal(shape)
    return np.where(rng.uniform(size=shape) < 0.25, 0.0, x)


X_RELU = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0]])
DOUT_RELU = np.array([[1.0, 2.0, -3.0, 4.0], [-0.5, 0.5, 1.5, -2.5]])

register(Exercise(
    name="relu_backward",
    contract=_same_shape,
    boundaries={"x == 0 (the kink) with a nonzero dout": _has_kink},
    functions="relu_backward",
    reference=_relu_backward,
    points=1,
    public=[
        Case((DOUT_RELU, X_RELU), label="dout and x of shape (2, 4), dout negative where x > 0 in places"),
        Case((np.array([0.3, -0.7, 2.0]), np.array([1.5, 2.5, -0.1])), label="one sample of 3"),
        Case((_arange_array((2, 2, 3), 0.5, 5), _arange_array((2, 2, 3), 1.0, 6.5)[:, ::-1]),
             label="any shape: (2, 2, 3)"),
        Case((np.array([[2.0, -1.5, 0.5, 3.0]]), np.array([[0.0, 0.0, 1.0, -0.0]])),
             label="x exactly 0 at the kink (and -0.0): the gradient is 0 there, whatever dout"),
    ],
    hidden=lambda rng: [Case((rng.standard_normal(shape), _with_zeros(rng, shape)), label=f"random {shape}, some x = 0")
                        for shape in ((4, 5), (10,), (2, 3, 4))],
    mistakes=[
        Mistake("mask from dout", lambda dout, x: np.where(dout > 0, dout, 0.0),
                "the mask comes from the forward input x (x > 0), not from dout: ReLU lets the gradient through "
                "where its input was positive, whatever the sign of the gradient"),
        Mistake("mask only", lambda dout, x: (x > 0).astype(np.float64),
                "(x > 0) is only the local derivative: multiply it by dout (chain rule: downstream = dout · local)"),
        Mistake("mask reversed", lambda dout, x: np.where(x <= 0, dout, 0.0),
                "pass dout where x > 0 and send 0 where x <= 0, not the other way round"),
        Mistake("times x", lambda dout, x: np.where(x > 0, dout * x, 0.0),
                "the derivative of max(0, x) is 1 for x > 0: pass dout as it is, do not multiply by x"),
        Mistake("gradient passed at x == 0", lambda dout, x: np.where(x < 0, 0.0, dout),
                "at exactly x == 0 the gradient must be 0 too: zero dout where x <= 0 (mask = x > 0), "
                "not only where x < 0"),
    ],
    hides=("layers.LeakyReLU", "layers.PReLU", "layers.ReLU", "naive.LeakyReLU", "naive.PReLU", "naive.ReLU"),
))


# ---------------------------------------------------------------- sigmoid_backward

Y_SIGMOID = np.array([[0.5, 0.1, 0.9], [0.99, 0.25, 0.7]])
DOUT_SIGMOID = np.array([[1.0, 2.0, -1.0], [0.5, -4.0, 3.0]])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


register(Exercise(
    name="sigmoid_backward",
    contract=_sigmoid_backward_contract,
    boundaries={"saturated outputs (y near 0 or 1)": lambda case: np.any(np.abs(case.args[1] - 0.5) > 0.49)},
    functions="sigmoid_backward",
    reference=_sigmoid_backward,
    points=1,
    public=[
        Case((DOUT_SIGMOID, Y_SIGMOID), label="dout (2, 3) and the forward output y = σ(x)"),
        Case((np.array([1.0, 1.0, 1.0]), np.array([0.5, 0.0001, 0.9999])),
             label="dout = 1 at y = 0.5 (largest slope) and at saturated outputs"),
    ],
    hidden=lambda rng: [Case((rng.standard_normal(shape), _sigmoid(3 * rng.standard_normal(shape))),
                             label=f"random {shape}") for shape in ((4, 5), (7,), (2, 3, 2))],
    mistakes=[
        Mistake("sigmoid applied to y again", lambda dout, y: dout * _sigmoid(y) * (1 - _sigmoid(y)),
                "the argument is the forward OUTPUT y = σ(x), not x: use dout * y * (1 - y) directly, "
                "without applying the sigmoid again"),
        Mistake("dout forgotten", lambda dout, y: y * (1 - y),
                "y(1 − y) is only the local derivative: multiply it by dout"),
        Mistake("tanh's derivative", lambda dout, y: dout * (1 - y ** 2),
                "1 − y² is the derivative of tanh; the sigmoid's is y(1 − y)"),
        Mistake("half the derivative", lambda dout, y: dout * (1 - y),
                "the local derivative of the sigmoid is y · (1 − y): both factors"),
        Mistake("minus sign", lambda dout, y: -dout * y * (1 - y),
                "σ is increasing, so dx has the sign of dout: dout * y * (1 - y) with no minus"),
    ],
    hides=("layers.Sigmoid", "naive.Sigmoid"),
))


# ---------------------------------------------------------------- softmax_with_loss_backward

NOTES_LOGITS = np.array([[0.7, 1.3, 5.1, 2.2, 1.1]])
X_SCORES = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [0.2, 0.2, 0.2], [2.0, -2.0, 1.0]])


def _softmax_with_loss_hidden(rng):
    cases = []
    for n, c, scale in ((6, 4, 1.0), (3, 10, 5.0), (5, 3, 300.0)):
        x = rng.standard_normal((n, c)) * scale
        cases.append(Case((x, rng.integers(0, c, size=n)), label=f"random scores ({n}, {c}), class indices"))
    x = rng.standard_normal((4, 6))
    cases.append(Case((x, np.eye(6)[rng.integers(0, 6, size=4)]), label="random scores (4, 6), one-hot"))
    return cases


def _swl_indices_only(x, t):
    dx = _softmax(np.asarray(x, dtype=np.float64))
    dx[np.arange(len(dx)), t] -= 1
    return dx / len(dx)


register(Exercise(
    name="softmax_with_loss_backward",
    contract=_targets_contract,
    boundaries={"extreme scores (|x| >= 500)": lambda case: np.abs(case.args[0]).max() >= 500,
                "rows whose maxima are 500 apart": _row_maxima_apart,
                "one-hot targets": lambda case: np.ndim(case.args[1]) == 2,
                "class indices": lambda case: np.ndim(case.args[1]) == 1},
    functions="softmax_with_loss_backward",
    reference=_softmax_with_loss_backward,
    points=2,
    public=[
        Case((NOTES_LOGITS, np.array([2])), label="the notes' scores [0.7, 1.3, 5.1, 2.2, 1.1], true class 2"),
        Case((X_SCORES, np.array([1, 2, 0, 0])), label="a batch of 4 scores over 3 classes, class indices"),
        Case((X_SCORES, np.eye(3)[[1, 2, 0, 0]]), label="the same batch with one-hot targets"),
        Case((np.array([[1000.0, 0.0, -1000.0], [0.0, 1001.0, 1000.0]]), np.array([0, 2])),
             label="scores of ±1000 (exp must not overflow)"),
        Case((np.array([[1000.0, 1001.0, 999.0], [0.5, -0.5, 0.0]]), np.array([1, 2])),
             label="one row near 1000 and one near 0: each row needs its own maximum"),
    ],
    hidden=_softmax_with_loss_hidden,
    mistakes=[
        Mistake("no 1/N", lambda x, t: _softmax_with_loss_backward(x, t) * len(x),
                "the loss is averaged over the batch, so its gradient is (y − t) / N: divide by N = x.shape[0]"),
        Mistake("scores instead of softmax", lambda x, t: (np.asarray(x) - _one_hot(t, np.shape(x)[1])) / len(x),
                "subtract t from the softmax probabilities y = softmax(x), not from the scores x"),
        Mistake("sign", lambda x, t: -_softmax_with_loss_backward(x, t),
                "the gradient is (y − t) / N: probabilities minus targets, not targets minus probabilities"),
        Mistake("divided by C", lambda x, t: _softmax_with_loss_backward(x, t) * len(x) / np.shape(x)[1],
                "divide by the number of samples N (x.shape[0]), not the number of classes"),
        Mistake("no max shift", lambda x, t: (np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
                                              - _one_hot(t, np.shape(x)[1])) / len(x),
                "exp overflows for large scores (e^1000 = inf, inf/inf = nan): subtract each row's maximum "
                "before exp"),
        Mistake("max over the whole batch",
                lambda x, t: (_global_max_softmax(x) - _one_hot(t, np.shape(x)[1])) / len(x),
                "subtract each ROW's maximum (x.max(axis=1, keepdims=True)), not the maximum of the whole batch: "
                "a row far below the batch maximum underflows to exp = 0 and gives 0 / 0 = nan"),
        Mistake("indices not one-hot", lambda x, t: (_softmax(np.asarray(x, dtype=float)) - np.reshape(t, (len(x), -1)))
                / len(x),
                "class indices must become one-hot rows (np.eye(C)[t]) before subtracting; one-hot targets can "
                "be used as they are"),
        Mistake("class indices only", _swl_indices_only,
                "t may also be one-hot rows (N, C): use them as they are, (y − t) / N; only class indices need "
                "dx[np.arange(N), t] -= 1", raises=("IndexError",)),
    ],
    atol=1e-9,
    hides=("layers.SoftmaxWithLoss", "naive.SoftmaxWithLoss"),
))


# ---------------------------------------------------------------- two_layer_net_gradients

def _net_case(rng, n, d, h, c, label):
    params = {"W1": rng.standard_normal((d, h)) * 0.5, "b1": rng.standard_normal(h) * 0.1,
              "W2": rng.standard_normal((h, c)) * 0.5, "b2": rng.standard_normal(c) * 0.1}
    return Case((params, rng.standard_normal((n, d)), rng.integers(0, c, size=n)), label=label)


def _net_public():
    rng = np.random.default_rng(3)
    dead = _net_case(rng, 5, 3, 4, 3, "hidden unit 1 has a pre-activation of exactly 0 (its W1 column and b1 entry are "
                                      "0): the ReLU passes no gradient there")
    dead.args[0]["W1"][:, 1], dead.args[0]["b1"][1] = 0.0, 0.0
    return [_net_case(rng, 4, 3, 5, 3, "N=4 samples, D=3 inputs, H=5 hidden units, C=3 classes"),
            _net_case(rng, 8, 6, 4, 5, "N=8, D=6, H=4, C=5"), dead]


def _zero_preactivation(case):
    params, X, _ = case.args
    return bool(np.any(X @ params["W1"] + params["b1"] == 0))


def _net_mistake(change):
    """A two-layer backward pass with one step changed; ``change`` names the step."""
    def wrong(params, X, t):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        a = X @ W1 + b1
        h = np.maximum(a, 0.0)
        dscores = _softmax_with_loss_backward(h @ W2 + b2, t)
        if change == "no 1/N":
            dscores = dscores * len(X)
        dh = dscores @ W2.T
        da = dh if change == "no relu mask" else np.where(dh > 0 if change == "mask from dh" else a > 0, dh, 0.0)
        grads = {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
        if change == "dW2 from a":
            grads["W2"] = a.T @ dscores
        if change == "db not summed":
            grads["b1"], grads["b2"] = da, dscores
        return grads
    return wrong


register(Exercise(
    name="two_layer_net_gradients",
    contract=_net_contract,
    boundaries={"a pre-activation of exactly 0": _zero_preactivation},
    functions="two_layer_net_gradients",
    reference=_two_layer_net_gradients,
    points=3,
    public=_net_public(),
    hidden=lambda rng: [_net_case(rng, n, d, h, c, f"random network N={n}, D={d}, H={h}, C={c}")
                        for n, d, h, c in ((10, 4, 6, 3), (3, 8, 5, 10), (16, 5, 7, 4))],
    mistakes=[
        Mistake("no 1/N", _net_mistake("no 1/N"),
                "the loss is the mean over the batch: the gradient at the scores is (softmax − t) / N"),
        Mistake("no relu mask", _net_mistake("no relu mask"),
                "the gradient must go back through the ReLU: zero dh where the hidden pre-activation "
                "a = X·W1 + b1 was <= 0"),
        Mistake("dW2 from a", _net_mistake("dW2 from a"),
                "dW2 = hᵀ · dscores uses the ReLU OUTPUT h (the input of the second affine layer), not the "
                "pre-activation a"),
        Mistake("db not summed", _net_mistake("db not summed"),
                "db1 and db2 are sums over the batch (axis 0) with the shapes of b1 and b2"),
        Mistake("keys named dW1 ...", lambda params, X, t: {"d" + k: v for k,
                                                            v in _two_layer_net_gradients(params, X, t).items()},
                "name each gradient like its parameter, with the keys W1, b1, W2, b2 (not dW1, db1, ...)"),
        Mistake("ReLU mask from the gradient", _net_mistake("mask from dh"),
                "the ReLU mask comes from the forward pass, the pre-activation a = X·W1 + b1 > 0, not from the "
                "sign of the gradient dh"),
    ],
    hides=("gradcheck.check_layer", "gradcheck.numerical_gradient", "network.Sequential"),
))
