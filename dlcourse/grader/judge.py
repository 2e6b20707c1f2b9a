"""Judging in the grader process: the learner's plain outputs against the reference, hidden values kept hidden.

``Exercise.judge`` of dlcourse.checks.core explains a failed case with the expected value, which is right for
the public cases (the check cell shows them anyway) but would give the hidden cases' answers away. ``judge``
here words a failed hidden case by structure only (types, shapes, dtypes, which index differs) and never
prints a value computed by the reference.
"""
import numpy as np

from ..checks.core import Raised, Unsupported, compare, describe


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
            close = np.isclose(got.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
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
        return f"{path}: the value is not right" if isinstance(got, bool) else f"{path}: expected True or False, got {describe(got)}"
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


def _judge_hidden(exercise, case, got, modified):
    if isinstance(got, Raised) or modified:  # these messages show no expected value
        return exercise._judge_one(case, got, modified)
    expected = exercise.expected(case)
    if exercise.compare(case, expected, got) is None:
        return None, False
    reason = structural_reason(expected, got, exercise.rtol, exercise.atol)
    return f"  {reason}\n  got:      {describe(got)}", True


def judge(exercise, results):
    """(passed, feedback) for [(case, plain output or Raised, inputs_modified)], computed here, outside the sandbox.

    A public failure is shown before a hidden one (its inputs and expected value help the learner); a known
    mistake's hint is added when one explains the wrong outputs.
    """
    failures, wrong_outputs = [], []
    for number, (case, got, modified) in enumerate(results, start=1):
        try:
            if case.hidden:
                message, wrong = _judge_hidden(exercise, case, got, modified)
            else:
                message, wrong = exercise._judge_one(case, got, modified)
        except Exception as error:  # a reference or compare that chokes on an odd output: a wrong output
            message, wrong = f"  your output could not be compared ({type(error).__name__}): {describe(got)}", False
        if message:
            failures.append((number, case, message))
            if wrong:
                wrong_outputs.append((case, got))
    if not failures:
        return True, exercise.success_line(len(results))
    number, case, message = next((f for f in failures if not f[1].hidden), failures[0])
    head = (f"{exercise.name}: {len(failures)} of {len(results)} cases failed. "
            + ("First failure" if number == failures[0][0] else "A failed public case")
            + f", case {number}" + (f" ({case.label})" if case.label else "")
            + (", a hidden case (its expected values are not shown)" if case.hidden else "") + ":")
    try:
        mistake = exercise.diagnose(wrong_outputs) if wrong_outputs else None
    except Exception:
        mistake = None
    if mistake:
        message += f"\n  hint: {mistake.hint}"
    return False, head + "\n" + message
