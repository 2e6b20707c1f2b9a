"""The machinery behind every check cell: cases, a reference, known mistakes, and feedback.

An exercise asks for one or more pure functions (or a value). A check calls them on cases (public ones
with a label, and random ones drawn from a seed), turns what comes back into plain data (numbers,
ndarrays, tuples, dicts, strings), and compares it with the reference's output. When a case fails, the
feedback names the case, shows the input, the expected and the received shape, dtype and values, and,
when the answer matches a known mistake, the hint for that mistake.

The split between *running* (``run_case``: needs only the learner's functions and the case inputs) and
*judging* (``Exercise.judge``: needs the reference) lets the grader run learners' code in a sandbox and
judge the plain results in a process the learner's code never touches.
"""
import copy
import inspect
import math
import os
import sysconfig
import traceback
from dataclasses import dataclass, field

import numpy as np

REGISTRY = {}


@dataclass
class Fn:
    """A named test function passed as an argument (e.g. to numerical_gradient), built where the case runs."""

    name: str


@dataclass
class Rng:
    """A np.random.Generator argument, built from ``seed`` where the case runs."""

    seed: int


# A chained case's function is "forward > backward": the backward pass is called on the cache that the same
# answer's forward pass made, so a learner keeps whatever cache they like (CS231n's (out, cache) convention).
CHAIN = " > "


def chained(forward, backward):
    """The function of a case that runs ``out, cache = forward(*args[0])``, then ``backward(*args[1], cache)``."""
    return f"{forward}{CHAIN}{backward}"


def through_cache(forward, backward, forward_name="forward"):
    """One callable for a chained case: (forward_args, backward_args) -> backward(*backward_args, cache)."""
    def call(forward_args, backward_args):
        result = forward(*forward_args)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"{forward_name} must return the pair (out, cache), got {type(result).__name__}"
                            + (f" of {len(result)}" if isinstance(result, (tuple, list)) else ""))
        return backward(*backward_args, result[1])
    return call


def resolve(table, name, fallback=None):
    """``table[name]``, or for a chained name the one callable of ``through_cache`` (missing names: KeyError,
    or ``fallback[name]`` when a fallback table is given)."""
    def get(single):
        if single in table:
            return table[single]
        if fallback is None:
            raise KeyError(single)
        return fallback[single]
    if CHAIN not in name:
        return get(name)
    forward, backward = name.split(CHAIN)
    return through_cache(get(forward), get(backward), forward)


@dataclass
class Case:
    """One call: ``function(*args, **kwargs)``. ``function`` defaults to the exercise's first function.

    A chained case (``function=chained(forward, backward)``) has ``args = (forward_args, backward_args)``.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    function: str = None
    hidden: bool = False
    call: bool = True  # False: the learner defines a value, which is the output itself


@dataclass
class Mistake:
    """A typical wrong answer (implemented like a learner would) and the hint shown when an answer matches it.

    ``implementation`` takes the same arguments as the exercised function (for multi-function exercises,
    a dict function name -> implementation; missing names fall back to the reference).
    """

    name: str
    implementation: object
    hint: str
    # exception type names that count as this mistake where its implementation raises (a crash is a symptom
    # too: the book's 1-D loop raises IndexError or TypeError on a matrix, depending on how it is written)
    raises: tuple = ()


@dataclass
class Unsupported:
    """Stands in for a returned object that is not plain data (a custom class, a function ...)."""

    type_name: str


@dataclass
class Raised:
    """The learner's function raised: exception type name and message."""

    type_name: str
    message: str
    where: str = ""


# ---------------------------------------------------------------- running (no reference needed)

TEST_FUNCTIONS = {
    # f and its gradient for exercises that take a function as an argument
    "quadratic": (lambda x: float(np.sum(x ** 2)), lambda x: 2 * x),
    "shifted_quadratic": (lambda x: float(np.sum((x - 1.5) ** 2) + 0.5 * np.sum(x)), lambda x: 2 * (x - 1.5) + 0.5),
    "elongated_bowl": (lambda x: float(0.5 * x[..., 0] ** 2 + 5.0 * x[..., 1] ** 2) if np.ndim(x) == 1 else
                       float(np.sum(0.5 * x[..., 0] ** 2 + 5.0 * x[..., 1] ** 2)),
                       lambda x: np.stack([x[..., 0], 10.0 * x[..., 1]], axis=-1)),
    "sin_cubic": (lambda x: float(np.sum(np.sin(x) + 0.1 * x ** 3)), lambda x: np.cos(x) + 0.3 * x ** 2),
    # lecture 02: entries couple (a numerical gradient that does not restore x gets them wrong) ...
    "coupled_quadratic": (lambda x: float(np.sum(x ** 2) + np.sum(x) ** 2), lambda x: 2 * x + 2 * np.sum(x)),
    # ... and gradient functions passed to gradient_descent: here [0] is the gradient, [1] its Jacobian
    "elongated_bowl_gradient": (lambda x: np.stack([x[..., 0], 10.0 * x[..., 1]], axis=-1),
                                lambda x: np.diag([1.0, 10.0])),
    "shifted_quadratic_gradient": (lambda x: 2 * (x - 1.5) + 0.5, lambda x: 2.0 * np.eye(np.size(x))),
    "tilted_double_well": (lambda x: float(np.sum((x ** 2 - 1) ** 2 + 0.3 * x)), lambda x: 4 * x * (x ** 2 - 1) + 0.3),
    "tilted_double_well_gradient": (lambda x: 4 * x * (x ** 2 - 1) + 0.3, lambda x: np.diag(np.ravel(12 * x ** 2 - 4))),
}


def build_argument(value):
    """Turn case tokens (Fn, Rng) into live objects and copy arrays, so a function cannot change the case."""
    if isinstance(value, Fn):
        return TEST_FUNCTIONS[value.name][0]
    if isinstance(value, Rng):
        return np.random.default_rng(value.seed)
    if isinstance(value, tuple):
        return tuple(build_argument(v) for v in value)
    if isinstance(value, list):
        return [build_argument(v) for v in value]
    if isinstance(value, dict):
        return {k: build_argument(v) for k, v in value.items()}
    return copy.deepcopy(value)


def to_plain(value, depth=0):
    """Plain data from whatever a function returned, without trusting its type.

    ndarrays (and subclasses) become base ndarrays of numbers; numpy scalars become Python numbers;
    tuples, lists and str-keyed dicts are converted item by item; anything else becomes Unsupported.
    """
    if depth > 20:
        return Unsupported("nesting deeper than 20 levels")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind in (np.bool_,):
        return bool(value)
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if np.issubdtype(kind, np.integer):
            return int(value)
        if np.issubdtype(kind, np.floating):
            return float(value)
        return Unsupported(kind.__name__)
    if isinstance(value, np.ndarray):
        array = np.array(value, subok=False, copy=True)  # a subclass becomes a plain ndarray
        if array.dtype.kind not in "biuf":
            return Unsupported(f"ndarray of dtype {array.dtype}")
        return array
    if kind in (tuple, list):
        items = [to_plain(v, depth + 1) for v in value]
        return tuple(items) if kind is tuple else items
    if kind is dict:
        if not all(type(k) is str for k in value):
            return Unsupported("dict with non-string keys")
        return {k: to_plain(v, depth + 1) for k, v in value.items()}
    return Unsupported(getattr(kind, "__name__", "object"))


def _arrays_equal(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_arrays_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_arrays_equal(a[k], b[k]) for k in a)
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def run_case(case, functions):
    """Call the learner's function on one case; return (plain output or Raised, inputs_modified: bool).

    ``functions`` maps the exercise's function names to the learner's objects. Works without the reference,
    so the grader can run it inside the sandbox.
    """
    missing = [name for name in case.function.split(CHAIN) if name not in functions]
    if missing:
        return Raised("NameError", f"{missing[0]} is not defined"), False
    if CHAIN in case.function and not all(callable(functions[name]) for name in case.function.split(CHAIN)):
        name = next(name for name in case.function.split(CHAIN) if not callable(functions[name]))
        return Raised("TypeError", f"{name} must be a function, got {type(functions[name]).__name__}"), False
    target = resolve(functions, case.function)
    if not case.call:
        return to_plain(target), False
    if not callable(target):
        return Raised("TypeError", f"{case.function} must be a function, got {type(target).__name__}"), False
    args, kwargs = build_argument(case.args), build_argument(case.kwargs)
    before = _snapshot(args, kwargs)
    try:
        out = target(*args, **kwargs)
    except Exception as error:  # the learner's bug, reported as feedback
        return Raised(type(error).__name__, str(error), _learner_line(error)), False
    modified = not _arrays_equal(before, _snapshot(args, kwargs))
    return to_plain(out), modified


# numpy, site-packages, the standard library and dlcourse itself: a frame there is not the learner's line
_LIBRARY_DIRS = tuple({os.path.dirname(os.path.abspath(np.__file__)) + os.sep,
                       os.path.dirname(os.path.abspath(os.__file__)) + os.sep,
                       os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
                       *(os.path.abspath(path) + os.sep for key, path in sysconfig.get_paths().items()
                         if key in ("purelib", "platlib", "stdlib", "platstdlib"))})


def _learner_line(error):
    """Where the learner's own code raised: "line 7: y = x @ W" (the deepest frame outside numpy, the standard
    library and this module), plus a note when the error itself came from inside a library call."""
    frames = traceback.extract_tb(error.__traceback__)[1:]  # [0] is run_case itself
    own = [f for f in frames if not os.path.abspath(f.filename).startswith(_LIBRARY_DIRS)
           and os.path.abspath(f.filename) != os.path.abspath(__file__)]
    if not own:
        return ""
    frame = own[-1]
    where = f"line {frame.lineno}" + (f" of {frame.filename}" if frame.filename.startswith("<cell") else "")
    text = (frame.line or "").strip()
    if text:
        where += f": {text}"
    if frame is not frames[-1]:
        where += " (the error was raised inside the library function called there)"
    return where


def _snapshot(args, kwargs):
    """Plain copy of the data arguments; live ones (functions, generators) stand as None."""
    def data(value):
        return None if callable(value) or isinstance(value, np.random.Generator) else value
    return to_plain((tuple(data(v) for v in args), {k: data(v) for k, v in kwargs.items()}))


# ---------------------------------------------------------------- judging (needs the reference)

def format_array(value, limit=12, digits=6):
    """An array's values with ``digits`` significant digits, small ones in scientific notation (1e-05, not 0.),
    columns aligned; at most ``limit`` values before eliding with ...."""
    if value.dtype.kind != "f" or value.size == 0:
        with np.printoptions(threshold=limit, edgeitems=3, linewidth=100):
            return np.array2string(value, separator=", ")
    def text(v):
        out = f"{v:.{digits}g}"
        return out if any(c in out for c in ".ena") else out + "."  # 1. and 0. stay recognisably floats

    shown = value if value.size <= 100_000 else value[tuple(slice(None, 3) for _ in value.shape)]
    width = max(len(text(v)) for v in shown.ravel())
    with np.printoptions(threshold=limit, edgeitems=3, linewidth=100,
                         formatter={"float_kind": lambda v: text(v).rjust(width)}):
        return np.array2string(value, separator=", ")


def describe(value, limit=12):
    """Short text for a value: shape, dtype and (some of) the values."""
    if isinstance(value, np.ndarray):
        text = format_array(value, limit).replace("\n", "\n" + " " * 12)  # rows line up under "  expected: "
        return f"{text}  (shape {value.shape}, dtype {value.dtype})"
    if isinstance(value, Unsupported):
        return f"an object of type {value.type_name}"
    if isinstance(value, float):
        text = f"{value:.6g}"
        return f"{text if any(c in text for c in '.ena') else text + '.'} (float)"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}: (" + ", ".join(describe(v, 6) for v in value) + ")"
    if isinstance(value, dict):
        return "dict {" + ", ".join(f"{k!r}: {describe(v, 6)}" for k, v in value.items()) + "}"
    return f"{value!r} ({type(value).__name__})"


def compare(expected, got, rtol=1e-6, atol=1e-9, path="output"):
    """None when ``got`` matches ``expected`` (plain data), else a one-line reason naming the difference."""
    if isinstance(got, Unsupported):
        return f"{path}: expected {_kind(expected)}, got {describe(got)}"
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"{path}: expected a numpy array of shape {expected.shape}, got {describe(got)}"
        if got.shape != expected.shape:
            return f"{path}: expected shape {expected.shape}, got shape {got.shape}"
        if expected.dtype.kind == "f" and got.dtype.kind not in "f":
            return f"{path}: expected floating-point values, got dtype {got.dtype}"
        if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
            return f"{path}: expected integers, got dtype {got.dtype}"
        if expected.dtype.kind == "b" and got.dtype.kind != "b":
            return f"{path}: expected booleans, got dtype {got.dtype}"
        if got.dtype.kind == "f" and not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
            bad = "nan" if np.isnan(got).any() else "inf"
            return f"{path}: got {bad} where finite values were expected"
        if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
            diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
            index = np.unravel_index(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)), diff.shape)
            largest = float(np.nan_to_num(diff[index], nan=np.inf))
            return (f"{path}: values differ; largest difference {largest:.3g} at index "
                    f"{tuple(int(i) for i in index)} (expected {expected[index]:.6g}, got {got[index]:.6g})"
                    + _precision_note(expected, got))
        return None
    if isinstance(expected, bool):
        if not isinstance(got, bool):
            return f"{path}: expected True or False, got {describe(got)}"
        return None if got == expected else f"{path}: expected {expected}, got {got}"
    if isinstance(expected, int):
        if isinstance(got, bool) or not isinstance(got, int):
            hint = " (use // for integer division)" if isinstance(got, float) else ""
            return f"{path}: expected an int, got {describe(got)}{hint}"
        return None if got == expected else f"{path}: expected {expected}, got {got}"
    if isinstance(expected, float):
        if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
            got = float(got)
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{path}: expected a number (float), got {describe(got)}"
        if not math.isfinite(got) and math.isfinite(expected):
            return f"{path}: got {got} where a finite number was expected"
        if not math.isclose(got, expected, rel_tol=rtol, abs_tol=atol):
            return f"{path}: expected {expected:.6g}, got {got:.6g}"
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{path}: expected a tuple of {len(expected)} values, got {describe(got)}"
        if len(got) != len(expected):
            return f"{path}: expected {len(expected)} values, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            reason = compare(e, g, rtol, atol, f"{path}[{i}]")
            if reason:
                return reason
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path}: expected a dict with keys {sorted(expected)}, got {describe(got)}"
        if set(got) != set(expected):
            return f"{path}: expected keys {sorted(expected)}, got {sorted(got)}"
        for key in expected:
            reason = compare(expected[key], got[key], rtol, atol, f"{path}[{key!r}]")
            if reason:
                return reason
        return None
    if expected is None:
        return None if got is None else f"{path}: expected None, got {describe(got)}"
    return None if got == expected else f"{path}: expected {expected!r}, got {describe(got)}"


def _precision_note(expected, got):
    """Why a low-precision output may be the cause: float32 keeps about 7 digits, and 1 − y loses them near y = 1."""
    if got.dtype.itemsize < expected.dtype.itemsize and got.dtype.kind == expected.dtype.kind == "f":
        return (f"; your output is {got.dtype}: compute in float64 (np.float64, the numpy default), as the course "
                "checks every gradient in float64")
    return ""


def _kind(expected):
    if isinstance(expected, np.ndarray):
        return f"a numpy array of shape {expected.shape}"
    if isinstance(expected, bool):
        return "True or False"
    if isinstance(expected, (tuple, list)):
        return f"a {type(expected).__name__} of {len(expected)} values"
    if isinstance(expected, dict):
        return f"a dict with keys {sorted(expected)}"
    return f"a {type(expected).__name__}"


def structural_reason(expected, got, rtol, atol, path="output"):
    """Why ``got`` differs from ``expected`` in words that reveal no expected value."""
    if isinstance(got, Unsupported):
        return f"{path}: expected {_kind(expected)}, got an object of type {got.type_name}"
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            if expected.shape == () and isinstance(got, (int, float)) and not isinstance(got, bool):
                return f"{path}: the value is not right"
            return f"{path}: expected {_kind(expected)}, got {describe(got)}"
        if got.shape != expected.shape:
            return f"{path}: expected shape {expected.shape}, got shape {got.shape}"
        reason = compare(expected, got, rtol, atol, path)
        if reason and "values differ" not in reason:  # a dtype or nan/inf reason names no value
            return reason
        with np.errstate(all="ignore"):
            close = np.isclose(got.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=True)
        if close.all():
            return f"{path}: the values are not right"
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        return f"{path}: {int((~close).sum())} of {close.size} values are not right (the first at index {index})"
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{path}: expected {_kind(expected)}, got {describe(got)}"
        if len(got) != len(expected):
            return f"{path}: expected {len(expected)} values, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            if compare(e, g, rtol, atol) is not None:
                return structural_reason(e, g, rtol, atol, f"{path}[{i}]")
        return f"{path}: not right"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path}: expected {_kind(expected)}, got {describe(got)}"
        if set(got) != set(expected):
            return f"{path}: expected keys {sorted(expected)}, got {sorted(got)}"
        for key in expected:
            if compare(expected[key], got[key], rtol, atol) is not None:
                return structural_reason(expected[key], got[key], rtol, atol, f"{path}[{key!r}]")
        return f"{path}: not right"
    if isinstance(expected, bool):
        if isinstance(got, bool):
            return f"{path}: the value is not right"
        return f"{path}: expected True or False, got {describe(got)}"
    if isinstance(expected, int):
        if isinstance(got, bool) or not isinstance(got, int):
            return f"{path}: expected an int, got {describe(got)}"
        return f"{path}: the value is not right"
    if isinstance(expected, float):
        if isinstance(got, bool) or not isinstance(got, (int, float, np.ndarray)):
            return f"{path}: expected a number (float), got {describe(got)}"
        if isinstance(got, float) and not np.isfinite(got):
            return f"{path}: got {got} where a finite number was expected"
        return f"{path}: the value is not right"
    return f"{path}: the value is not right"


@dataclass
class CaseRule:
    """A comparison that depends on the case: ``facts(case)`` -> plain data about the case (it may use the
    reference), then ``rule(facts, expected, got, default)`` -> reason or None, ``rule`` being a function of this
    module. A release stores each case's facts, so its self-check compares without the reference."""

    facts: object
    rule: object


def tolerance_rule(facts, expected, got, default):
    """facts None: the default comparison; (rtol, atol): a comparison with these tolerances."""
    return default(expected, got) if facts is None else compare(expected, got, rtol=facts[0], atol=facts[1])


def batches_rule(n, expected, got, default):
    """The default comparison, plus a plain reason when the batches are not one pass over the indices 0..n-1."""
    reason = default(expected, got)
    if reason is None or not isinstance(got, (list, tuple)) or not all(isinstance(b, np.ndarray) for b in got):
        return reason
    seen = np.concatenate([b.ravel() for b in got]) if got else np.array([], dtype=np.int64)
    if seen.dtype.kind in "iu" and not np.array_equal(np.sort(seen), np.arange(n)):
        counts = np.bincount(seen[(seen >= 0) & (seen < n)], minlength=n)
        return (reason + f"\n  the batches hold {len(seen)} indices, {int(np.sum(counts > 1))} of them repeated "
                f"and {int(np.sum(counts == 0))} of 0..{n - 1} missing: one epoch must contain every index exactly "
                "once (batches must not overlap)")
    return reason


def floored_loss_rule(facts, expected, got, default):
    """facts None: the default comparison. Else {"least": bound, "pair": bool}: a true-class probability is exactly
    0, so any floor up to 1e-4 is right: the loss (output, or output[0] of a (loss, gradient) pair whose gradient is
    compared as usual) must be large and finite, at least ``least``."""
    if facts is None:
        return default(expected, got)
    where, shown = "output", expected
    if facts["pair"]:
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return default(expected, got)
        reason = default(expected[1], got[1])
        if reason:
            return reason.replace("output", "output[1]", 1)
        where, shown, got = "output[0]", expected[0], got[0]
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
        got = float(got)  # a 0-d array is a number too
    if isinstance(got, (int, float)) and not isinstance(got, bool) and np.isfinite(got) \
            and got >= facts["least"] - 1e-9:
        return None
    return (f"{where}: a probability of 0 for the true class must give a large finite loss (at least "
            f"{facts['least']:.4g} here, e.g. {shown:.4g} with a floor of 1e-300), got {got!r}")


def out_of_pair(output):
    """Only ``out`` of the forward's (out, cache) is judged: the cache is the answer's own business."""
    if isinstance(output, (tuple, list)) and len(output) == 2:
        return output[0]
    kind = f"{type(output).__name__} of {len(output)}" if isinstance(output, (tuple, list)) else "a single value"
    return Unsupported(f"{kind} instead of the pair (out, cache)")


class CheckFailed(AssertionError):
    """Raised by a check cell; its message is the feedback.

    An AssertionError, so nbgrader and nbval see a failed check; in IPython (Jupyter) only the feedback is shown,
    in red, not a traceback through the course's own code, which would read as a crash of the course.
    """

    def _render_traceback_(self):
        red, plain = "\x1b[31m", "\x1b[0m"
        return [f"{red}✗ not yet right (CheckFailed){plain}", *str(self).splitlines()]


@dataclass
class Verdict:
    exercise: str
    passed: bool
    n_cases: int
    n_failed: int
    feedback: str


class Exercise:
    """One exercise: the functions the learner writes, cases, the reference, and the known mistakes.

    reference: callable (one function) or dict name -> callable, computing the expected output of a case.
    public: list of Case shown with their inputs in feedback. hidden(rng) -> list of Case, random inputs
    whose expected values are never shown. mistakes: list of Mistake. compare(case, expected, got) may be
    overridden (e.g. for outputs that are only determined up to a tolerance).

    contract: the inputs the task promises, as a function (or dict function name -> function) taking a case's
    arguments and raising AssertionError when they break the promise (a dout whose shape does not follow
    from x, stride and pad ...); tests hold every public and hidden case to it, so a case never blames a
    right answer for the case's own inconsistency. boundaries: {what: predicate(case)}, the edge inputs the
    task names (x == 0 at a kink, ties, default arguments ...); tests check that some case covers each.

    hides: dotted names of the library objects whose output gives this exercise's answer away
    ("functions.softmax", "layers.SoftmaxWithLoss"); the grader hides them while the exercise's notebook is
    graded, and tests/test_hides.py checks that no other public library object computes the reference's output.
    """

    def __init__(self, name, functions, reference, public, hidden=None, mistakes=(), points=1, rtol=1e-6,
                 atol=1e-9, n_hidden_self_check=3, value=False, success=None, compare=None, contract=None,
                 boundaries=None, judged_part=None, hides=()):
        if isinstance(functions, str):
            functions = (functions,)
        self.name, self.functions, self.points = name, tuple(functions), points
        self.value = value  # the learner defines a value, not a function
        self.reference = reference if isinstance(reference, dict) else {self.functions[0]: reference}
        self.public = [self._with_function(case) for case in public]
        self._hidden = hidden
        self.mistakes = list(mistakes)
        self.rtol, self.atol = rtol, atol
        self.n_hidden_self_check = n_hidden_self_check
        self.success = success
        self._compare = compare
        self.contract = contract if isinstance(contract, dict) or contract is None else {self.functions[0]: contract}
        self.boundaries = dict(boundaries or {})
        # {function: part(plain output) -> what is judged}: e.g. only ``out`` of a forward pass's (out, cache), the
        # cache being the learner's own business
        self.judged_part = dict(judged_part or {})
        self.hides = tuple(hides)

    def _part(self, case, value):
        part = self.judged_part.get(case.function)
        return value if part is None or isinstance(value, Raised) else part(value)

    def contract_problem(self, case):
        """Why ``case`` breaks the task's stated contract, or None (also None when no contract is declared).

        A chained case is held to its backward function's contract, called with (forward_args, backward_args).
        """
        check = (self.contract or {}).get(case.function.split(CHAIN)[-1])
        if check is None:
            return None
        try:
            check(*build_argument(case.args), **build_argument(case.kwargs))
        except AssertionError as error:
            return str(error) or "the inputs break the contract"
        return None

    def _with_function(self, case, hidden=False):
        return Case(case.args, case.kwargs, case.label, case.function or self.functions[0], hidden or case.hidden,
                    call=not self.value)

    def hidden_cases(self, seed):
        if self._hidden is None:
            return []
        return [self._with_function(case, hidden=True) for case in self._hidden(np.random.default_rng(seed))]

    def cases(self, seed=None):
        """Public cases, then random ones: a few from a fixed seed in a self-check, all of them when grading."""
        if seed is None:
            return self.public + self.hidden_cases(12345)[:self.n_hidden_self_check]
        return self.public + self.hidden_cases(seed)

    def expected(self, case):
        if not case.call:
            return to_plain(self.reference[case.function])
        with np.errstate(all="ignore"):
            return to_plain(resolve(self.reference, case.function)(*build_argument(case.args),
                                                                   **build_argument(case.kwargs)))

    def compare(self, case, expected, got):
        """Reason ``got`` is wrong, or None; a custom ``compare(case, expected, got, default)`` may relax it."""
        def default(e, g):
            return compare(e, g, self.rtol, self.atol)
        if isinstance(self._compare, CaseRule):
            return self._compare.rule(self.case_facts(case), expected, got, default)
        if self._compare is not None:
            return self._compare(case, expected, got, default)
        return default(expected, got)

    def case_facts(self, case):
        """What a CaseRule comparison knows about ``case`` (None without one)."""
        return self._compare.facts(case) if isinstance(self._compare, CaseRule) else None

    def _mistake_output(self, mistake, case):
        implementation = mistake.implementation
        if isinstance(implementation, dict):
            implementation = resolve(implementation, case.function, fallback=self.reference)
        with np.errstate(all="ignore"):
            return to_plain(implementation(*build_argument(case.args), **build_argument(case.kwargs)))

    def diagnose(self, wrong_outputs):
        """The known mistake that explains the wrong outputs [(case, got)]: first one matching all of them,
        else the first matching the first wrong output; None when no known mistake fits."""
        def matches(mistake, case, got):
            try:
                wrong = self._mistake_output(mistake, case)
            except Exception as error:
                return isinstance(got, Raised) and got.type_name in (type(error).__name__, *mistake.raises)
            if isinstance(got, Raised):
                return False
            wrong, got = self._part(case, wrong), self._part(case, got)
            return compare(wrong, got, self.rtol, self.atol) is None or _arrays_equal(wrong, got)

        for mistake in self.mistakes:
            if all(matches(mistake, case, got) for case, got in wrong_outputs):
                return mistake
        for mistake in self.mistakes:
            if wrong_outputs and matches(mistake, *wrong_outputs[0]):
                return mistake
        return None

    def judge(self, results):
        """Verdict from [(case, plain output or Raised, inputs_modified)], comparing with the reference.

        A failed public case is shown before a hidden one (its inputs and expected value help the learner);
        a hidden case is worded without any value computed by the reference; a known mistake's hint is added
        when one explains the wrong outputs.
        """
        failures, wrong_outputs = [], []
        for number, (case, got, modified) in enumerate(results, start=1):
            try:
                message, wrong_value = self._judge_one(case, got, modified)
            except Exception as error:  # a reference or compare that chokes on an odd output: a wrong output
                message, wrong_value = (f"  your output could not be compared ({type(error).__name__}): "
                                        f"{describe(got)}"), False
            if message:
                failures.append((number, case, message))
                if wrong_value:
                    wrong_outputs.append((case, got))
        if not failures:
            return Verdict(self.name, True, len(results), 0, self.success_line(len(results)))
        number, case, message = next((f for f in failures if not f[1].hidden), failures[0])
        head = (f"{self.name}: {len(failures)} of {len(results)} cases failed. "
                + ("First failure" if number == failures[0][0] else "A failed public case")
                + f", case {number}" + (f" ({case.label})" if case.label else "")
                + (", a hidden case (its expected values are not shown)" if case.hidden else "") + ":")
        try:
            mistake = self.diagnose(wrong_outputs) if wrong_outputs else None
        except Exception:
            mistake = None
        if mistake:
            message += f"\n  hint: {mistake.hint}"
        return Verdict(self.name, False, len(results), len(failures), head + "\n" + message)

    def success_line(self, n_cases):
        return self.success or f"✓ {self.name}: all {n_cases} cases passed"

    def _named_arguments(self, case):
        """[(parameter name or index, value)] of a case's arguments (both calls' arguments for a chained case)."""
        def names(function):
            try:
                return list(inspect.signature(self.reference[function]).parameters)
            except (TypeError, ValueError, KeyError):
                return []
        if CHAIN not in case.function:
            known = names(case.function)
            return ([(known[i] if i < len(known) else i, v) for i, v in enumerate(case.args)]
                    + list(case.kwargs.items()))
        pairs = []
        for function, args in zip(case.function.split(CHAIN), case.args):
            known = names(function)
            pairs += [(known[i] if i < len(known) else i, v) for i, v in enumerate(args)]
        return pairs

    def _call_line(self, case):
        """How the case calls the learner's code, as they would write it."""
        if CHAIN not in case.function:
            return f"{case.function}(" + ", ".join(
                [_short(a) for a in case.args] + [f"{k}={_short(v)}" for k, v in case.kwargs.items()]) + ")"
        forward, backward = case.function.split(CHAIN)
        return (f"out, cache = {forward}(" + ", ".join(_short(a) for a in case.args[0]) + f"); {backward}("
                + ", ".join([_short(a) for a in case.args[1]] + ["cache"]) + ")")

    def _inputs(self, case, most=48):
        """The array inputs too long for the call line but short enough to read, one per line by parameter name."""
        lines = []
        for index, value in self._named_arguments(case):
            if isinstance(value, np.ndarray) and 8 < value.size <= most:
                name = index if isinstance(index, str) else f"argument {index + 1}"
                text = format_array(value, most, digits=4).replace("\n", "\n" + " " * (5 + len(name)))
                lines.append(f"  {name} = {text}\n")
        return "".join(lines)

    def _judge_one(self, case, got, modified):
        """(feedback or None, whether the output was a wrong value that a known mistake may explain)."""
        shown = "" if case.hidden else f"  call: {self._call_line(case)}\n" + self._inputs(case)
        if isinstance(got, Raised):
            if got.type_name == "NotImplementedError":
                return (f"  {case.function.replace(CHAIN, ' or ')} is not implemented yet: replace "
                        "`raise NotImplementedError()` "
                        "with your code."), False
            message = f"  raised {got.type_name}: {got.message}" if got.message else f"  raised {got.type_name}"
            return shown + message + (f"\n  at {got.where}" if got.where else ""), True
        if not case.call and got is None:
            return (f"  {case.function} is not answered yet: replace None (or `raise NotImplementedError()`) "
                    "with your answer."), False
        if modified:
            return shown + (f"  {case.function.replace(CHAIN, ' or ')} modified its input arrays in place and left "
                            "them changed: the caller's data must stay intact. "
                            "Work on copies (x = x.copy(), or build new arrays), or put every entry you change "
                            "back to its original value."), False
        expected = self.expected(case)
        expected, got = self._part(case, expected), self._part(case, got)
        reason = self.compare(case, expected, got)
        if reason is None:
            return None, False
        if case.hidden:  # never show a value computed by the reference
            return f"  {structural_reason(expected, got, self.rtol, self.atol)}\n  got:      {describe(got)}", True
        lines = [shown + f"  {reason}"]
        if isinstance(expected, tuple) and isinstance(got, tuple) and len(got) == len(expected) > 1:
            lines += _tuple_lines(expected, got, self.rtol, self.atol)
        else:
            lines.append(f"  expected: {describe(expected)}")
            lines.append(f"  got:      {describe(got)}")
        return "\n".join(lines), True


def _tuple_lines(expected, got, rtol, atol):
    """Expected and got of a tuple element by element, the differing elements marked ✗ (the others in one line)."""
    lines = []
    for i, (e, g) in enumerate(zip(expected, got)):
        if compare(e, g, rtol, atol) is None:
            lines.append(f"  ✓ [{i}] as expected: {describe(g, 6)}")
        else:
            expected_text, got_text = (describe(v).replace("\n" + " " * 12, "\n" + " " * 14) for v in (e, g))
            lines += [f"  ✗ [{i}] differs:", f"    expected: {expected_text}", f"    got:      {got_text}"]  # aligned
    return lines


def _short(value):
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return "array(" + format_array(value, 8, digits=4).replace("\n", "") + ")"
        return f"<array of shape {value.shape}>"
    if isinstance(value, Fn):
        return value.name
    if isinstance(value, Rng):
        return f"np.random.default_rng({value.seed})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def require(condition, message):
    """For contracts: raise AssertionError(message) unless ``condition`` holds (unlike assert, also under -O)."""
    if not condition:
        raise AssertionError(message)


def default_call(case, n_required):
    """True when ``case`` leaves every argument after the first ``n_required`` at its default."""
    return len(case.args) <= n_required and not case.kwargs


def register(exercise):
    if exercise.name in REGISTRY:
        raise ValueError(f"exercise {exercise.name!r} is defined twice")
    REGISTRY[exercise.name] = exercise
    return exercise


def judge(exercise, answers):
    """What ``check(name, *answers)`` does once the exercise is found: print ✓ or raise CheckFailed."""
    __tracebackhide__ = True
    if len(answers) != len(exercise.functions):
        raise TypeError(f"check({exercise.name!r}, ...) takes {len(exercise.functions)} answer(s): "
                        f"{', '.join(exercise.functions)}; got {len(answers)}")
    verdict = evaluate(exercise, dict(zip(exercise.functions, answers)))
    if not verdict.passed:
        raise CheckFailed(verdict.feedback) from None
    print(verdict.feedback)


def evaluate(exercise, functions, seed=None):
    """Run and judge in one process (a learner's self-check). Returns a Verdict."""
    results = []
    for case in exercise.cases(seed):
        got, modified = run_case(case, functions)
        results.append((case, got, modified))
    return exercise.judge(results)
