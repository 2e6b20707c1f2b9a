"""Exercises of lecture 02: numerical gradient, gradient descent, mini-batch indices, a softmax classifier's
gradient, and the multiclass SVM (hinge) loss with its gradient and lecture 02's penalty (λ/2)·‖W‖²."""
import numpy as np

from .core import Case, CaseRule, Exercise, Fn, Mistake, Rng, batches_rule, floored_loss_rule, register, require

# ---------------------------------------------------------------- references

def _numerical_gradient(f, x, h=1e-5):
    """Centred difference (f(x + h e_i) - f(x - h e_i)) / 2h for every entry i; x is restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def _gradient_descent(gradient, x0, learning_rate, steps):
    """x <- x - learning_rate * gradient(x), ``steps`` times; returns (final x, path of steps + 1 points)."""
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for _ in range(steps):
        x = x - learning_rate * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def _minibatch_indices(n, batch_size, rng):
    """One shuffled pass over n samples: order = rng.permutation(n), cut into consecutive batches."""
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _softmax_rows(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_loss_and_grad(W, X, t):
    """Mean cross-entropy of softmax(X @ W) and its gradient dW = X^T (Y - T) / N."""
    n = X.shape[0]
    y = _softmax_rows(X @ W)
    loss = -np.mean(np.log(np.maximum(y[np.arange(n), t], 1e-300)))
    dscores = y.copy()
    dscores[np.arange(n), t] -= 1
    return float(loss), X.T @ dscores / n


# ---------------------------------------------------------------- numerical_gradient

def _ng_forward(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        grad[index] = (f(x) - fx) / h
        x[index] = original
    return grad


def _ng_over_h(f, x, h=1e-5):
    return 2 * _numerical_gradient(f, x, h)


def _ng_not_restored(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += h
        f_plus = f(x)
        x[index] -= 2 * h
        f_minus = f(x)
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def _ng_rows(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        original = x[i].copy()
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _ng_1d(f, x, h=1e-5):
    """The book's 1-D loop: x[i] is a row of a matrix, so it crashes (or shifts whole rows) on 2-D x."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        original = x[i]
        x[i] = float(original) + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
        x[i] = original
    return grad


def _ng_all_at_once(f, x, h=1e-5):
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))


def _ng_h_ignored(f, x, h=1e-5):
    return _numerical_gradient(f, x, 1e-4)


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _ng_contract(f, x, h=1e-5):
    require(isinstance(x, np.ndarray) and x.dtype.kind == "f", "x: a float array of any shape")
    require(isinstance(f(x.copy()), float), "f returns a float")
    require(0 < h <= 0.1, "h: a small positive step")


def _gd_contract(gradient, x0, learning_rate, steps):
    require(np.shape(gradient(np.array(x0, dtype=float))) == np.shape(x0), "gradient(x) has x's shape")
    require(learning_rate > 0 and isinstance(steps, int) and steps >= 0, "learning_rate > 0, steps an int >= 0")


def _mb_contract(n, batch_size, rng):
    require(isinstance(n, int) and isinstance(batch_size, int) and n >= 1 and batch_size >= 1,
            "n, batch_size: ints >= 1")


def _sl_contract(W, X, t):
    require(np.ndim(W) == 2 and np.ndim(X) == 2 and X.shape[1] == W.shape[0], "W: (D, C), X: (N, D)")
    require(np.shape(t) == (len(X),) and np.all((0 <= t) & (t < W.shape[1])), "t: (N,) class indices in [0, C)")


def _zero_probability(case):
    W, X, t = case.args
    return bool(np.any(_softmax_rows(np.asarray(X) @ W)[np.arange(len(X)), t] < 1e-300))


register(Exercise(
    name="numerical_gradient",
    contract=_ng_contract,
    boundaries={"h left at its default": lambda case: "h" not in case.kwargs and len(case.args) == 2,
                "x a matrix": lambda case: np.ndim(case.args[1]) == 2,
                "x of 3 dimensions": lambda case: np.ndim(case.args[1]) == 3},
    functions="numerical_gradient",
    reference=_numerical_gradient,
    points=2,
    public=[
        Case((Fn("quadratic"), np.array([3.0, 4.0])), label="f(x) = x0² + x1² at (3, 4): expected (6, 8)"),
        Case((Fn("quadratic"), np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])), label="f(x) = Σ x² on a 2×3 matrix"),
        Case((Fn("sin_cubic"), np.array([0.3, -1.2, 2.0, 0.0])), label="f(x) = Σ sin x + 0.1 x³ at 4 points"),
        Case((Fn("coupled_quadratic"), np.array([1.0, -2.0, 0.5, 3.0])), {"h": 0.01},
             label="f(x) = Σ x² + (Σ x)² with h = 0.01 (entries are coupled: x must be restored after each one)"),
        Case((Fn("shifted_quadratic"), np.array([[[0.0, 1.0], [2.0, 3.0]], [[-1.0, 0.5], [1.5, 4.0]]])), {"h": 0.01},
             label="f(x) = Σ (x - 1.5)² + 0.5 Σ x on a 2×2×2 array with h = 0.01"),
        Case((Fn("sin_cubic"), np.array([0.5, 1.0])), {"h": 0.1},
             label="f(x) = Σ sin x + 0.1 x³ with a large step h = 0.1"),
    ],
    hidden=lambda rng: [
        Case((Fn(name), rng.normal(size=shape)), {"h": h}, label=f"random {name} at shape {shape}")
        for name, shape, h in (("coupled_quadratic", (2, 3), 0.01), ("sin_cubic", (5,), 0.05),
                               ("elongated_bowl", (3, 2), 0.01), ("quadratic", (2, 2, 3), 1e-4))],
    mistakes=[
        Mistake("1-D only", _ng_1d,
                "any shape: iterate over every index, not over range(x.size) or range(len(x)) (on a matrix x[i] is "
                "a whole row): `for index in np.ndindex(x.shape):` (or np.nditer with multi_index) visits "
                "x[index] entry by entry",
                raises=("TypeError", "IndexError", "ValueError")),
        Mistake("forward difference", _ng_forward,
                "that is the forward difference (f(x + h) - f(x)) / h, whose error grows like h: use the centred "
                "difference (f(x + h) - f(x - h)) / (2h), whose error grows like h²"),
        Mistake("divided by h", _ng_over_h,
                "the two points x + h and x - h are 2h apart: divide f(x + h) - f(x - h) by 2 * h, not by h"),
        Mistake("x not restored", _ng_not_restored,
                "after measuring entry i, put x[i] back to its original value before moving on; otherwise the "
                "later entries are measured at a shifted point (and the caller's x is left changed)"),
        Mistake("rows instead of entries", _ng_rows,
                "range(len(x)) walks over the rows of a matrix and shifts a whole row at once: visit every entry "
                "of any shape, e.g. `for index in np.ndindex(x.shape):` (or np.nditer with multi_index)"),
        Mistake("all entries shifted at once", _ng_all_at_once,
                "shift one entry at a time: f(x + h) with x + h moving every entry gives one number (a directional "
                "derivative), not the partial derivative of each entry"),
        Mistake("h argument ignored", _ng_h_ignored,
                "use the step h you are given: numerical_gradient(f, x, h=0.1) must step by 0.1 (the default "
                "h=1e-5 applies only when no h is passed)"),
        Mistake("/ 2 * h", lambda f, x, h=1e-5: _numerical_gradient(f, x, h) * h * h,  # (Δf / 2) · h = (Δf / 2h) · h²
                "(f(x + h) - f(x - h)) / 2 * h divides by 2 and then MULTIPLIES by h: write / (2 * h) with "
                "parentheses"),
    ],
    rtol=1e-6, atol=1e-6,  # any step from 1e-7 to 1e-4 is fine where h is not given
    hides=("gradcheck.numerical_gradient",),
))


# ---------------------------------------------------------------- gradient_descent

def _gd_ascent(gradient, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x + learning_rate * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def _gd_no_start(gradient, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = []
    for _ in range(steps):
        x = x - learning_rate * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def _gd_aliased_path(gradient, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(steps):
        x -= learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def _gd_gradient_once(gradient, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    g = gradient(x)
    path = [x.copy()]
    for _ in range(steps):
        x = x - learning_rate * g
        path.append(x.copy())
    return x, np.array(path)


def _gd_one_step_more(gradient, x0, learning_rate, steps):
    return _gradient_descent(gradient, x0, learning_rate, steps + 1)


register(Exercise(
    name="gradient_descent",
    contract=_gd_contract,
    boundaries={"0 steps": lambda case: case.args[3] == 0},
    functions="gradient_descent",
    reference=_gradient_descent,
    points=2,
    public=[
        Case((Fn("elongated_bowl_gradient"), np.array([-4.0, 1.5]), 0.05, 20),
             label="f = 0.5 x0² + 5 x1², start (-4, 1.5), learning rate 0.05, 20 steps"),
        Case((Fn("elongated_bowl_gradient"), np.array([-4.0, 1.5]), 0.21, 10),
             label="the same bowl with learning rate 0.21 (too large: x1 diverges)"),
        Case((Fn("shifted_quadratic_gradient"), np.array([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]]), 0.1, 5),
             label="f = Σ (x - 1.5)² + 0.5 Σ x on a 2×3 matrix, 5 steps"),
        Case((Fn("tilted_double_well_gradient"), np.array([-1.5, -0.2, 0.2, 1.5]), 0.05, 30),
             label="non-convex f = Σ (x² - 1)² + 0.3 x from four starts, 30 steps (two minima)"),
        Case((Fn("elongated_bowl_gradient"), np.array([1.0, 1.0]), 0.1, 0),
             label="0 steps: the path is just the start"),
    ],
    hidden=lambda rng: [
        Case((Fn("elongated_bowl_gradient"), rng.normal(size=2) * 3, float(rng.uniform(0.01, 0.15)), 15),
             label="random start on the bowl"),
        Case((Fn("tilted_double_well_gradient"), rng.uniform(-1.8, 1.8, size=(2, 2)), 0.03, 25),
             label="random starts, non-convex"),
        Case((Fn("shifted_quadratic_gradient"), rng.normal(size=4), 0.3, 8), label="random start, shifted bowl"),
    ],
    mistakes=[
        Mistake("plus sign", _gd_ascent,
                "the gradient points uphill: step against it, x = x - learning_rate * gradient(x) (a plus sign "
                "climbs the loss instead of descending)"),
        Mistake("path without the start", _gd_no_start,
                "the path starts with x0: it holds steps + 1 points, path[0] = x0 and path[-1] = the final x"),
        Mistake("path entries share one array", _gd_aliased_path,
                "every point of the path is the same array updated in place (x -= ...), so they all show the "
                "final x: append a copy (path.append(x.copy())) or build a new array with x = x - ..."),
        Mistake("gradient computed once", _gd_gradient_once,
                "compute the gradient again at the current x in every step; the slope changes as x moves"),
        Mistake("one step too many", _gd_one_step_more,
                "take exactly `steps` updates: the path then has steps + 1 points, the first one being x0"),
        Mistake("one step too few", lambda gradient, x0, lr, steps: _gradient_descent(gradient, x0, lr,
                                                                                      max(steps - 1, 0)),
                "take exactly `steps` updates (for _ in range(steps)): the path then has steps + 1 points, the first "
                "one being x0"),
    ],
    rtol=1e-9, atol=1e-9,
    hides=("optim.SGD", "widgets.gradient_descent.descent_path"),
))


# ---------------------------------------------------------------- minibatch_indices

def _mb_with_replacement(n, batch_size, rng):
    order = rng.integers(0, n, size=n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _mb_no_shuffle(n, batch_size, rng):
    order = np.arange(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _mb_drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n // batch_size)]


def _mb_choice(n, batch_size, rng):
    order = rng.choice(n, size=n, replace=False)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _mb_independent_batches(n, batch_size, rng):
    return [rng.choice(n, size=min(batch_size, n - start), replace=False) for start in range(0, n, batch_size)]


register(Exercise(
    name="minibatch_indices",
    contract=_mb_contract,
    boundaries={"batch_size > n": lambda case: case.args[1] > case.args[0],
                "a last, smaller batch": lambda case: case.args[0] % case.args[1] != 0,
                "batch_size 1": lambda case: case.args[1] == 1},
    functions="minibatch_indices",
    reference=_minibatch_indices,
    points=1,
    public=[
        Case((10, 3, Rng(0)), label="n = 10, batch_size = 3: batches of 3, 3, 3 and 1"),
        Case((12, 4, Rng(1)), label="n = 12, batch_size = 4: three full batches"),
        Case((5, 1, Rng(2)), label="batch_size = 1 (SGD): one sample per batch"),
        Case((6, 8, Rng(3)), label="batch_size larger than n: one batch with everything (full-batch GD)"),
        Case((1257, 128, Rng(0)), label="the digits' 1,257 training samples in batches of 128"),
    ],
    hidden=lambda rng: [Case((int(n), int(b), Rng(int(rng.integers(1000)))), label=f"n = {n}, batch_size = {b}")
                        for n, b in ((int(rng.integers(20, 60)), 7), (int(rng.integers(100, 300)), 32), (9, 9))],
    mistakes=[
        Mistake("sampling with replacement", _mb_with_replacement,
                "drawing indices with replacement (rng.integers / rng.choice with replace=True) repeats some samples "
                "and skips others: one epoch must visit every sample once, so shuffle with rng.permutation(n)"),
        Mistake("no shuffling", _mb_no_shuffle,
                "the batches must come from a shuffled order: order = rng.permutation(n), then consecutive slices"),
        Mistake("last batch dropped", _mb_drop_last,
                "keep the last, smaller batch: cut with range(0, n, batch_size) so every sample is used "
                "(n = 10 with batch_size 3 gives 4 batches)"),
        Mistake("rng.choice instead of rng.permutation", _mb_choice,
                "rng.choice(n, n, replace=False) is a permutation too but draws a different one from the same seed: "
                "call rng.permutation(n) exactly once, as specified, so the batches are reproducible"),
        Mistake("each batch drawn independently", _mb_independent_batches,
                "drawing each batch on its own lets batches overlap: shuffle once (rng.permutation(n)) and cut "
                "that order into consecutive slices"),
        Mistake("np.array_split", lambda n, batch_size, rng: np.array_split(rng.permutation(n), max(n // batch_size,
                                                                                                    1)),
                "np.array_split(order, n // batch_size) spreads the samples over fewer, larger batches: cut "
                "consecutive "
                "slices order[i:i + batch_size] for i in range(0, n, batch_size), the last one smaller"),
        Mistake("reshaped to a matrix", lambda n, batch_size, rng: rng.permutation(n).reshape(-1, batch_size),
                "n need not be a multiple of batch_size: return a LIST of index arrays (the last one smaller), "
                "not order.reshape(-1, batch_size)", raises=("ValueError",)),
        Mistake("a fresh draw per batch", lambda n, batch_size, rng: [
                    rng.choice(n, batch_size, replace=False) if batch_size <= n else rng.permutation(n)
                    for _ in range(0, n, batch_size)],
                "drawing each batch on its own lets batches overlap: shuffle once (rng.permutation(n)) and cut "
                "that order into consecutive slices"),
    ],
    compare=CaseRule(lambda case: case.args[0], batches_rule),  # n
    hides=("data.minibatches",),
))


# ---------------------------------------------------------------- softmax_loss_and_grad

def _sl_sum_not_mean(W, X, t):
    loss, dW = _softmax_loss_and_grad(W, X, t)
    return loss, dW * X.shape[0]


def _sl_all_summed(W, X, t):
    loss, dW = _softmax_loss_and_grad(W, X, t)
    return loss * X.shape[0], dW * X.shape[0]


def _sl_no_minus_target(W, X, t):
    loss, _ = _softmax_loss_and_grad(W, X, t)
    return loss, X.T @ _softmax_rows(X @ W) / X.shape[0]


def _sl_sign(W, X, t):
    loss, dW = _softmax_loss_and_grad(W, X, t)
    return loss, -dW


def _sl_transposed(W, X, t):
    loss, dW = _softmax_loss_and_grad(W, X, t)
    return loss, dW.T


def _sl_no_shift(W, X, t):
    scores = X @ W
    e = np.exp(scores)
    y = e / e.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.mean(np.log(y[np.arange(n), t]))
    dscores = y.copy()
    dscores[np.arange(n), t] -= 1
    return float(loss), X.T @ dscores / n


def _sl_no_floor(W, X, t):
    n = X.shape[0]
    y = _softmax_rows(X @ W)
    dscores = y.copy()
    dscores[np.arange(n), t] -= 1
    return float(-np.mean(np.log(y[np.arange(n), t]))), X.T @ dscores / n


def _zero_probability_floor(case):
    """Where a true-class probability is exactly 0, any floor up to 1e-4 is right: the least loss that allows."""
    W, X, t = case.args
    y = _softmax_rows(np.asarray(X, dtype=np.float64) @ W)[np.arange(len(X)), t]
    zero = y < 1e-300
    if not zero.any():
        return None
    return {"least": float((-np.log(y[~zero]).sum() - zero.sum() * np.log(1e-4)) / len(X)), "pair": True}


SMALL_W = np.array([[0.5, 1.0, 0.8], [0.9, 0.0, 0.7]])

register(Exercise(
    name="softmax_loss_and_grad",
    contract=_sl_contract,
    boundaries={"a true-class probability of 0": _zero_probability,
                "scores near 1000": lambda case: np.abs(np.asarray(case.args[1]) @ case.args[0]).max() >= 500},
    functions="softmax_loss_and_grad",
    reference=_softmax_loss_and_grad,
    points=3,
    public=[
        Case((SMALL_W, np.array([[0.6, 0.9]]), np.array([2])),
             label="a 2×3 W, one input (0.6, 0.9) of class 2: dW has W's shape (2, 3)"),
        Case((np.zeros((3, 3)), np.array([[1.0, 2.0, 1.0], [0.5, -1.0, 1.0], [-2.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
              np.array([0, 1, 2, 1])),
             label="W = 0 (every class equally likely: loss ln 3), a batch of 4 with a bias column of ones"),
        Case((np.array([[1.0, -1.0], [0.5, 2.0], [-0.5, 0.0]]),
              np.array([[2.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, -3.0, 1.0]]), np.array([1, 1, 0])),
             label="3 samples, 2 features + bias, 2 classes"),
        Case((np.array([[100.0, 99.5, 99.0], [98.5, 100.0, 99.7]]), np.array([[10.0, 0.0], [0.0, 10.0]]),
              np.array([1, 2])),
             label="scores near 1000 (exp would overflow without subtracting the row maximum)"),
        Case((np.array([[1.0, 0.0, -1.0], [0.0, 0.5, 0.0]]), np.array([[800.0, 1.0], [0.5, 1.0]]), np.array([2, 0])),
             label="sample 0's true class has probability exactly 0 (e^-1600): the loss must stay finite"),
    ],
    hidden=lambda rng: [
        Case((rng.normal(size=(d, c)) * scale, rng.normal(size=(n, d)), rng.integers(0, c, size=n)),
             label=f"random W ({d}, {c}), X ({n}, {d})")
        for n, d, c, scale in ((8, 5, 4, 0.5), (1, 3, 2, 0.5), (16, 65, 10, 0.1))],
    mistakes=[
        Mistake("gradient not averaged", _sl_sum_not_mean,
                "the loss is the mean over the batch, so its gradient is too: divide X.T @ (Y - T) by N"),
        Mistake("loss and gradient summed", _sl_all_summed,
                "average over the batch: the loss is -(1/N) Σ log y[n, t_n] and dW = X.T @ (Y - T) / N"),
        Mistake("target not subtracted", _sl_no_minus_target,
                "the gradient of the scores is Y - T (softmax output minus one-hot target): subtract 1 at each "
                "sample's true class before multiplying by X.T"),
        Mistake("sign flipped", _sl_sign,
                "dL/dscores = Y - T (not T - Y): raising the true class's score lowers the loss, so its gradient "
                "entry is negative"),
        Mistake("dW transposed", _sl_transposed,
                "dW must have W's shape (D, C): compute X.T @ (Y - T), not (Y - T).T @ X"),
        Mistake("no max shift", _sl_no_shift,
                "exp of large scores overflows (inf / inf = nan): subtract each row's maximum score before exp"),
        Mistake("log of zero", _sl_no_floor,
                "a true-class probability of exactly 0 gives log(0) = -inf: floor it before the log, "
                "np.log(np.maximum(p, 1e-300)) (or add a small delta such as 1e-7)"),
        Mistake("loss not averaged", lambda W, X, t: (_softmax_loss_and_grad(W, X, t)[0] * X.shape[0],
                                                      _softmax_loss_and_grad(W, X, t)[1]),
                "average the loss over the batch as you did the gradient: -(1/N) Σ log y[n, t_n] (np.mean, not "
                "np.sum)"),
    ],
    rtol=1e-4, atol=1e-6,  # a delta such as 1e-7 inside the log is fine
    compare=CaseRule(_zero_probability_floor, floored_loss_rule),
    hides=("layers.SoftmaxWithLoss", "naive.SoftmaxWithLoss", "widgets.gradient_descent.softmax_loss_and_grads"),
))


# ---------------------------------------------------------------- svm_loss_and_grad

def _svm_margins(W, X, t):
    """(N, C) hinge terms max(0, s_j − s_t + 1) with 0 in each true class's column, and the scores."""
    scores = X @ W
    n = X.shape[0]
    margins = np.maximum(0.0, scores - scores[np.arange(n), t][:, np.newaxis] + 1.0)
    margins[np.arange(n), t] = 0.0  # the sum runs over j ≠ t: the true class never charges itself Δ
    return margins, scores


def _svm_loss_and_grad(W, X, t, reg):
    """Mean multiclass SVM loss with Δ = 1 plus (reg/2)·‖W‖², and dW = Xᵀ·dS / N + reg·W.

    dS[n, j] = 1 where the margin of a wrong class j is violated (> 0; 0 at the kink, where it is exactly 0),
    and dS[n, t_n] = −(number of violated margins of sample n)."""
    n = X.shape[0]
    margins, _ = _svm_margins(W, X, t)
    dscores = (margins > 0).astype(np.float64)
    dscores[np.arange(n), t] = -dscores.sum(axis=1)
    loss = margins.sum() / n + 0.5 * reg * np.sum(W * W)
    return float(loss), X.T @ dscores / n + reg * W


def _svm_contract(W, X, t, reg):
    require(np.ndim(W) == 2 and np.ndim(X) == 2 and X.shape[1] == W.shape[0], "W: (D, C), X: (N, D)")
    require(np.shape(t) == (len(X),) and np.asarray(t).dtype.kind in "iu" and np.all((0 <= t) & (t < W.shape[1])),
            "t: (N,) class indices in [0, C)")
    require(isinstance(reg, float) and reg >= 0, "reg: a float >= 0")


def _margin_exactly_met(case):
    W, X, t, _ = case.args
    scores = np.asarray(X) @ W
    wrong = np.ones(scores.shape, dtype=bool)
    wrong[np.arange(len(X)), t] = False
    return bool(np.any((scores - scores[np.arange(len(X)), t][:, np.newaxis] + 1.0 == 0) & wrong))


def _svm_variant(loss=None, dscores=None, reg_loss=0.5, reg_grad=1.0, averaged=True, kink=False):
    """The reference with one step changed, as learners change it."""
    def wrong(W, X, t, reg):
        n = X.shape[0]
        margins, scores = _svm_margins(W, X, t)
        violated = (scores - scores[np.arange(n), t][:, np.newaxis] + 1.0 >= 0) if kink else margins > 0
        violated[np.arange(n), t] = False
        ds = violated.astype(np.float64)
        ds[np.arange(n), t] = -ds.sum(axis=1)
        data_loss = margins.sum() if loss is None else loss(margins, n)
        if dscores is not None:
            ds = dscores(ds, margins, n, t)
        scale = n if averaged else 1
        return (float(data_loss / scale + reg_loss * reg * np.sum(W * W)), X.T @ ds / scale + reg_grad * reg * W)
    return wrong


def _svm_true_class_counted(W, X, t, reg):
    # a learner's vectorised version without the j ≠ t exclusion: the true class's own margin is Δ = 1 > 0
    n = X.shape[0]
    scores = X @ W
    margins = np.maximum(0.0, scores - scores[np.arange(n), t][:, np.newaxis] + 1.0)
    mask = (margins > 0).astype(np.float64)
    mask[np.arange(n), t] = -mask.sum(axis=1)
    return float(margins.sum() / n + 0.5 * reg * np.sum(W * W)), X.T @ mask / n + reg * W


def _minus_one_at_true_class(ds, margins, n, t):
    ds = ds.copy()
    ds[np.arange(n), t] = -1.0
    return ds


X_SVM = np.array([[1.0, 2.0, 1.0], [2.0, -1.0, 1.0], [0.0, 1.0, 1.0], [-1.0, 0.0, 1.0]])  # last column: bias trick
W_SVM = np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -0.5], [0.0, 0.5, 1.0]])


def _svm_hidden(rng):
    cases = []
    for n, d, c, scale, reg in ((8, 5, 4, 1.0, 0.1), (1, 3, 3, 2.0, 0.0), (20, 10, 6, 0.5, 0.05)):
        cases.append(Case((rng.normal(size=(d, c)) * scale, rng.normal(size=(n, d)), rng.integers(0, c, size=n),
                           reg), label=f"random W ({d}, {c}), X ({n}, {d}), reg {reg}"))
    # whole numbers put some margins exactly at the kink
    W, X = rng.integers(-2, 3, size=(4, 5)).astype(float), rng.integers(-2, 3, size=(10, 4)).astype(float)
    cases.append(Case((W, X, rng.integers(0, 5, size=10), 0.2), label="whole-number W and X: some margins exactly 0"))
    return cases


register(Exercise(
    name="svm_loss_and_grad",
    contract=_svm_contract,
    boundaries={"a margin exactly met (the hinge's kink)": _margin_exactly_met,
                "reg = 0": lambda case: case.args[3] == 0, "reg > 0": lambda case: case.args[3] > 0,
                "every margin met (data loss 0)": lambda case: _svm_margins(*case.args[:3])[0].sum() == 0},
    functions="svm_loss_and_grad",
    reference=_svm_loss_and_grad,
    points=3,
    public=[
        Case((np.array([[3.2, 5.1, -1.7]]), np.array([[1.0]]), np.array([0]), 0.0),
             label="the notes' scores (3.2, 5.1, −1.7) for true class 0 (X = [[1]], so S = W): loss 2.9"),
        Case((W_SVM, X_SVM, np.array([0, 2, 1, 0]), 0.1),
             label="a batch of 4 with a bias column, reg 0.1; sample 1's class-0 margin is exactly met (the kink)"),
        Case((W_SVM, X_SVM, np.array([0, 2, 1, 0]), 0.0), label="the same batch, reg 0"),
        Case((np.array([[4.0, 0.0, 1.0], [0.0, 3.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]), 0.5),
             label="every margin met (data loss 0), reg 0.5: only the regularisation is left"),
    ],
    hidden=_svm_hidden,
    mistakes=[
        Mistake("true class counted", _svm_true_class_counted,
                "the sum runs over the WRONG classes j ≠ t only: the true class's own margin s_t − s_t + Δ = Δ "
                "must not be counted (set margins[np.arange(N), t] = 0)"),
        Mistake("kink counted", _svm_variant(kink=True),
                "where a margin is exactly met (s_j − s_t + 1 == 0) the hinge is at its kink: the task takes the "
                "subgradient 0 there, so count only margins > 0, not >= 0"),
        Mistake("no 1/N", _svm_variant(averaged=False),
                "the data loss is the MEAN over the batch: divide the summed margins and the data part of dW by N"),
        Mistake("gradient not averaged", _svm_variant(dscores=lambda ds, margins, n, t: ds * n),
                "the loss is averaged over the batch, so its gradient is too: X.T @ dS / N"),
        Mistake("regularisation λ‖W‖²", _svm_variant(reg_loss=1.0, reg_grad=2.0),
                "lecture 02's penalty is (reg/2)·‖W‖² (weight decay), whose gradient is reg·W: "
                "0.5 * reg * np.sum(W * W) in the loss"),
        Mistake("regularisation gradient 2·reg·W", _svm_variant(reg_grad=2.0),
                "the derivative of (reg/2)·‖W‖² is reg·W: the ½ cancels the 2"),
        Mistake("regularisation gradient halved", _svm_variant(reg_grad=0.5),
                "the derivative of (reg/2)·‖W‖² is reg·W, not (reg/2)·W"),
        Mistake("no regularisation in the gradient", _svm_variant(reg_grad=0.0),
                "the loss has the term (reg/2)·‖W‖², so dW gets + reg * W"),
        Mistake("no regularisation in the loss", _svm_variant(reg_loss=0.0),
                "add the regularisation term 0.5 * reg * np.sum(W * W) to the loss"),
        Mistake("sign of the data gradient", _svm_variant(dscores=lambda ds, margins, n, t: -ds),
                "a violated margin raises the loss with s_j and lowers it with s_t: dW[:, j] += x and "
                "dW[:, t] −= x for each violated j (dS = +1 at j, −count at t)"),
        Mistake("true class not given −count", _svm_variant(dscores=_minus_one_at_true_class),
                "the true class's column gets −1 for EACH violated margin of its sample: −(number of violated "
                "margins), not −1"),
        Mistake("dW transposed", lambda W, X, t, reg: (_svm_loss_and_grad(W, X, t, reg)[0],
                                                       _svm_loss_and_grad(W, X, t, reg)[1].T),
                "dW must have W's shape (D, C): X.T @ dS, not dS.T @ X"),
    ],
    hides=("functions._hinge_margins", "functions.svm_loss", "functions.svm_loss_and_grad_scores",
           "widgets.gradient_descent.svm_loss_and_grads"),
))
