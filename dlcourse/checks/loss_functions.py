"""Exercises of lecture 01: softmax, cross-entropy, squared error, binary cross-entropy."""
import numpy as np

from .core import Case, CaseRule, Exercise, Mistake, floored_loss_rule, register, require

NOTES_LOGITS = np.array([0.7, 1.3, 5.1, 2.2, 1.1])


# ---------------------------------------------------------------- references

def _softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _batch(y, t):
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(t)
    if y.ndim == 1:
        y, t = y[None], (t[None] if t.ndim <= 1 else t)
        if t.ndim == 2 and t.shape != y.shape:
            t = t.reshape(1, -1)
    if t.shape != y.shape:  # indices -> one-hot
        t = np.eye(y.shape[1])[t.reshape(-1)]
    return y, t.astype(np.float64)


def _cross_entropy_error(y, t):
    y, t = _batch(y, t)
    return float(-(t * np.log(np.maximum(y, 1e-300))).sum() / y.shape[0])


def _mean_squared_error(y, t):
    y, t = _batch(y, t)
    return float(0.5 * ((y - t) ** 2).sum() / y.shape[0])


def _binary_cross_entropy(p, t):
    p, t = np.asarray(p, dtype=np.float64), np.asarray(t, dtype=np.float64)
    p = np.clip(p, 1e-300, 1 - 1e-16)
    return float(-(t * np.log(p) + (1 - t) * np.log(1 - p)).mean())


def _zero_probability_floor(case):
    """Where a true-class probability is exactly 0, any floor up to 1e-4 is right: the least loss that allows."""
    y, t = _batch(*case.args)
    zero = np.any((y == 0) & (t > 0), axis=1)
    if not zero.any():
        return None
    others = -(t[~zero] * np.log(y[~zero])).sum()
    return {"least": float((others - zero.sum() * np.log(1e-4)) / len(y)), "pair": False}


def _cee_book(y, t):
    """"Deep Learning from Scratch"'s version: right, except that a plain int t has no .reshape."""
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return float(-np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7)) / y.shape[0])


def _cee_unfloored(y, t):
    y, t = _batch(y, t)
    return float(-(t * np.log(y)).sum() / y.shape[0]) if np.all(y > 0) else np.inf


def _bce_with_clip(p, t, tiny):
    """Binary cross-entropy with p clipped into [tiny, 1 − tiny] (tiny = 0: no clip, log 0 reached)."""
    p, t = np.asarray(p, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if tiny:
        p = np.clip(p, tiny, 1 - 1e-16)
    with np.errstate(all="ignore"):
        return float(-(t * np.log(p) + (1 - t) * np.log(1 - p)).mean())


def _mse_book(y, t):
    """A batch-only version that does not expect a plain int t."""
    if t.ndim == 1 and t.shape != y.shape:
        t = np.eye(y.shape[-1])[t]
    y, t = np.atleast_2d(y), np.atleast_2d(t)
    return float(0.5 * np.sum((y - t) ** 2) / y.shape[0])


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _probabilities_contract(y, t):
    """y: (C,) or (N, C) probabilities; t: one-hot shaped like y, or class indices (int for (C,), (N,) for a batch)."""
    y, t_array = np.asarray(y), np.asarray(t)
    require(y.ndim in (1, 2) and np.all((0 <= y) & (y <= 1)), "y: (C,) or (N, C) probabilities")
    if t_array.shape == y.shape:
        require(np.all(t_array.reshape(-1, y.shape[-1]).sum(axis=1) == 1), "one-hot rows sum to 1")
        return
    expected = () if y.ndim == 1 else (len(y),)
    require(t_array.shape == expected, f"class indices must have shape {expected}, got {t_array.shape}")
    require(t_array.dtype.kind in "iu" and np.all((0 <= t_array) & (t_array < y.shape[-1])), "indices in [0, C)")


def _binary_contract(p, t):
    require(np.shape(p) == np.shape(t), "p and t have one shape")
    require(np.all((0 <= p) & (p <= 1)) and np.all((t == 0) | (t == 1)), "p in [0, 1], t 0 or 1")


def _plain_int_target(case):
    return type(case.args[1]) is int


def _zero_true_probability(case):
    y, t = _batch(*case.args)
    return bool(np.any((y == 0) & (t > 0)))


def _row_maxima_apart(case):
    x = np.asarray(case.args[0])
    return x.ndim == 2 and len(x) > 1 and np.ptp(x.max(axis=1)) >= 500


def _tied_logits(case):
    x = np.atleast_2d(case.args[0])
    return any(len(set(row)) < len(row) for row in x.tolist())


# ---------------------------------------------------------------- cases

def _random_probabilities(rng, n, c):
    return _softmax(rng.normal(size=(n, c)))


register(Exercise(
    name="softmax",
    contract=lambda x: require(np.ndim(x) in (1, 2), "x: (C,) or (N, C)"),
    boundaries={"logits of ±1000": lambda case: np.abs(case.args[0]).max() >= 1000,
                "rows whose maxima are 500 apart": _row_maxima_apart, "tied logits": _tied_logits},
    functions="softmax",
    reference=_softmax,
    points=2,
    public=[
        Case((NOTES_LOGITS,), label="the notes' logits [0.7, 1.3, 5.1, 2.2, 1.1]"),
        Case((np.array([1000.0, 1001.0]),), label="logits [1000, 1001]"),
        Case((np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 5.0]]),), label="a batch of 2 rows of 3 logits"),
        Case((np.array([[-1000.0, 0.0, 1000.0]]),), label="a batch of one row with logits ±1000"),
        Case((np.array([[1000.0, 1001.0, 999.0], [0.5, -0.5, 0.0]]),),
             label="one row near 1000 and one near 0: each row needs its own maximum"),
        Case((np.array([[2.0, 2.0, 2.0], [-1.0, 3.0, 3.0]]),), label="ties: equal logits get equal probabilities"),
    ],
    hidden=lambda rng: [Case((rng.normal(size=(n, c)) * scale,), label=f"random logits ({n}, {c})")
                        for n, c, scale in ((4, 3, 3.0), (1, 10, 50.0), (6, 5, 1.0), (3, 7, 400.0))],
    mistakes=[
        Mistake("no max shift", lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
                "exp overflows for large logits (e^1000 = inf, inf/inf = nan): subtract the maximum of each "
                "row before exp, x - x.max(axis=-1, keepdims=True); it does not change the result"),
        Mistake("sum over all entries", lambda x: np.exp(x - np.max(x)) / np.exp(x - np.max(x)).sum(),
                "each row must sum to 1: normalise with .sum(axis=-1, keepdims=True), not the sum of the whole batch"),
        Mistake("max over the whole batch",
                lambda x: np.exp(x - np.max(x)) / np.exp(x - np.max(x)).sum(axis=-1, keepdims=True),
                "take the maximum per row (x.max(axis=-1, keepdims=True)); one row's large logit must not "
                "push another row's exp to 0"),
        Mistake("no normalisation", lambda x: np.exp(x - np.max(x, axis=-1, keepdims=True)),
                "exp alone is not a probability: divide by the sum of the row so it adds up to 1"),
        Mistake("sum over axis 0", lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True),
                "sum over the class axis (the last one, axis=-1), not over the batch (axis=0)"),
        Mistake("max and sum without keepdims",
                lambda x: np.exp(x - np.max(x, axis=-1)) / np.sum(np.exp(x - np.max(x, axis=-1)), axis=-1),
                "without keepdims=True, x.max(axis=-1) and the sum have shape (N,), which does not line up with the "
                "rows of an (N, C) batch: use x.max(axis=-1, keepdims=True) and .sum(axis=-1, keepdims=True)",
                raises=("ValueError",)),
    ],
    hides=("functions.log_softmax", "functions.softmax", "layers.SoftmaxWithLoss", "naive.SoftmaxWithLoss"),
))


register(Exercise(
    name="cross_entropy_error",
    contract=_probabilities_contract,
    boundaries={"a plain int target": _plain_int_target, "a true-class probability of 0": _zero_true_probability,
                "one-hot targets": lambda case: np.shape(case.args[1]) == np.shape(case.args[0])},
    functions="cross_entropy_error",
    reference=_cross_entropy_error,
    points=2,
    public=[
        Case((_softmax(NOTES_LOGITS), np.array([0, 0, 1, 0, 0])),
             label="the notes' example, one-hot target for the 3rd class (−log 0.9025 ≈ 0.103)"),
        Case((_softmax(NOTES_LOGITS), 2), label="the notes' example with the class index 2 (a plain int)"),
        Case((np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), np.array([1, 0])),
             label="a batch of 2 with class indices [1, 0]"),
        Case((np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), np.array([[0, 0, 1], [0, 1, 0]])),
             label="a batch of 2 with one-hot targets"),
        Case((np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([1, 0])),
             label="probability exactly 0 for the true class (log 0 must not be reached)"),
    ],
    hidden=lambda rng: [
        Case((_random_probabilities(rng, 8, 5), rng.integers(0, 5, size=8)), label="random batch (8, 5), indices"),
        Case((_random_probabilities(rng, 3, 10), np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=3)]),
             label="random batch (3, 10), one-hot"),
        Case((_random_probabilities(rng, 1, 4), rng.integers(0, 4, size=1)), label="batch of one"),
    ],
    mistakes=[
        Mistake("plain int target not handled", _cee_book,
                "t may be a plain Python int (one sample's class index), which has no .reshape, .ndim or .size: "
                "turn it into an array first, t = np.asarray(t), then treat it like an index array",
                raises=("AttributeError", "TypeError", "IndexError")),
        Mistake("sum instead of mean", lambda y, t: _cross_entropy_error(y, t) * np.atleast_2d(y).shape[0],
                "average over the batch: divide the sum by the number of samples N"),
        Mistake("all classes charged", lambda y, t: float(-(np.log(np.maximum(_batch(y, t)[0], 1e-300))).sum()
                                                          / _batch(y, t)[0].shape[0]),
                "cross-entropy charges only the true class: multiply log y by the one-hot target (or pick "
                "y[n, t_n]) before summing"),
        Mistake("missing minus sign", lambda y, t: -_cross_entropy_error(y, t),
                "E = −Σ t·log y: the logarithm of a probability is negative, so the loss needs the minus sign"),
        Mistake("log of zero", _cee_unfloored,
                "a probability of exactly 0 gives log(0) = −inf: floor y with a tiny value, np.maximum(y, 1e-300) "
                "(or add a small delta like 1e-7) before the log"),
        Mistake("class indices used as one-hot",
                lambda y, t: float(-np.sum(np.asarray(t) * np.log(np.maximum(y, 1e-300)))
                                                                    / np.atleast_2d(y).shape[0]),
                "t may also hold class indices (an int, or an (N,) array): when t is not shaped like y, pick "
                "y[np.arange(N), t] (or make t one-hot with np.eye(C)[t]) instead of multiplying by t"),
    ],
    rtol=1e-4, atol=1e-6,  # a delta such as 1e-7 added inside the log is fine
    compare=CaseRule(_zero_probability_floor, floored_loss_rule),
    hides=("functions.cross_entropy_error", "layers.SoftmaxWithLoss", "naive.SoftmaxWithLoss"),
))


register(Exercise(
    name="mean_squared_error",
    contract=_probabilities_contract,
    boundaries={"a plain int target": _plain_int_target,
                "class indices": lambda case: np.ndim(case.args[1]) == 1
                and np.shape(case.args[1]) != np.shape(case.args[0])},
    functions="mean_squared_error",
    reference=_mean_squared_error,
    points=1,
    public=[
        Case((_softmax(NOTES_LOGITS), np.array([0, 0, 1, 0, 0])), label="the notes' example, one sample"),
        Case((np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), np.array([[0, 1, 0], [0, 0, 1]])),
             label="a batch of 2 with one-hot targets"),
        Case((np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), np.array([1, 2])),
             label="a batch of 2 with class indices [1, 2]"),
        Case((_softmax(NOTES_LOGITS), 2), label="the notes' example with the class index 2 (a plain int)"),
    ],
    hidden=lambda rng: [
        Case((_random_probabilities(rng, 6, 4), rng.integers(0, 4, size=6)), label="random batch (6, 4), indices"),
        Case((_random_probabilities(rng, 5, 3), np.eye(3)[rng.integers(0, 3, size=5)]),
             label="random batch (5, 3), one-hot"),
    ],
    mistakes=[
        Mistake("plain int target not handled", _mse_book,
                "t may be a plain Python int (one sample's class index), which has no .ndim or .shape: "
                "turn it into an array first, t = np.asarray(t), then make it one-hot (np.eye(C)[t])",
                raises=("AttributeError", "TypeError", "IndexError")),
        Mistake("no one-half", lambda y, t: 2 * _mean_squared_error(y, t),
                "the course's convention is E = 0.5 · Σ (y − t)² per sample: keep the factor 0.5"),
        Mistake("mean over all entries", lambda y, t: float(0.5 * ((_batch(y, t)[0] - _batch(y, t)[1]) ** 2).mean()),
                "sum over the classes, then average over the samples only (divide by N, not by N·C)"),
        Mistake("sum over the batch", lambda y, t: _mean_squared_error(y, t) * np.atleast_2d(y).shape[0],
                "average over the batch: divide the sum by the number of samples N"),
        Mistake("indices used as values",
                lambda y, t: float(0.5 * ((np.asarray(y, float) - np.asarray(t, float)[..., None]) ** 2).sum()
                                                             / np.atleast_2d(y).shape[0]),
                "class indices must first become one-hot vectors (np.eye(C)[t]) before subtracting"),
        Mistake("one-hot targets only",
                lambda y, t: float(0.5 * np.sum((np.asarray(y) - t) ** 2) / np.atleast_2d(y).shape[0]),
                "t may hold class indices (a plain int, or an (N,) array), which are not one-hot rows: turn them "
                "into one-hot rows first, np.eye(C)[t], and only then subtract", raises=("ValueError",)),
    ],
    hides=("functions.mean_squared_error",),
))


register(Exercise(
    name="binary_cross_entropy",
    contract=_binary_contract,
    boundaries={"p exactly 0 or 1": lambda case: np.any((case.args[0] == 0) | (case.args[0] == 1))},
    functions="binary_cross_entropy",
    reference=_binary_cross_entropy,
    points=1,
    public=[
        Case((np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])),
             label="three predictions p with targets [1, 0, 1]"),
        Case((np.array([[0.5], [0.99]]), np.array([[1.0], [0.0]])), label="a batch of 2 with shape (2, 1)"),
        Case((np.array([1.0, 0.0, 0.3]), np.array([1.0, 0.0, 0.0])),
             label="p exactly 0 and 1 (log 0 must not be reached)"),
    ],
    hidden=lambda rng: [
        Case((rng.uniform(0.01, 0.99, size=8), rng.integers(0, 2, size=8).astype(float)), label="random batch of 8"),
        Case((rng.uniform(0.01, 0.99, size=(4, 1)), rng.integers(0, 2, size=(4, 1)).astype(float)),
             label="random (4, 1)"),
    ],
    mistakes=[
        Mistake("only the positive term", lambda p, t: float(-(np.asarray(t) * np.log(np.clip(p, 1e-300, 1))).mean()),
                "include the term for target 0: −[t·log p + (1 − t)·log(1 − p)]"),
        Mistake("sum instead of mean", lambda p, t: _binary_cross_entropy(p, t) * np.size(p),
                "average over the samples (mean), not the sum"),
        Mistake("missing minus sign", lambda p, t: -_binary_cross_entropy(p, t),
                "the loss is −[t·log p + (1 − t)·log(1 − p)]: the minus sign makes it positive"),
        Mistake("log of zero", lambda p, t: _bce_with_clip(p, t, 0.0),
                "p of exactly 0 or 1 gives log(0): clip p into [tiny, 1 − tiny] (np.clip) before the logs"),
        Mistake("log terms swapped", lambda p, t: _bce_with_clip(1 - np.asarray(p, dtype=np.float64), t, 1e-300),
                "log p belongs to the target 1 and log(1 − p) to the target 0: −[t·log p + (1 − t)·log(1 − p)]"),
    ],
    atol=1e-6,  # a small clip such as 1e-7 is fine
    hides=("functions.binary_cross_entropy",),
))
