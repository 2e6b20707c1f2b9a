"""Mutation test of the solutions: do the checks reject the slips learners make in the reference answers?

    python -m tests.mutation [--exercise NAME ...] [--probe-seeds 40] [--show-survivors]

Every answer cell of solutions/*.ipynb is parsed, and each learner-like slip below is applied at one place at a
time (a *mutant*):
- swapped operators: + and -, * and /, / and //, ** and *, < and <=, > and >=, == and !=, and/or, a dropped
  unary minus, max and min (np.max, .max, np.maximum, argmax and their min twins), sum and mean;
- off-by-one constants: every int n becomes n + 1 and n - 1, every float c becomes c + 1 and c - 1;
- dropped transposes: ``a.T`` becomes ``a``, ``a.transpose(...)`` / ``np.transpose(a)`` become ``a``;
- changed axes: ``axis=k`` becomes k + 1 and k - 1, ``keepdims=True`` becomes False;
- changed defaults: every int default of a parameter becomes n + 1 and n - 1.
A mutant is KILLED when the exercise's check fails it on the grader's cases (public and every hidden case) or it
crashes, hangs (10 s) or no longer compiles. A mutant that passes is EQUIVALENT when it returns what the
solution returns on every probe: the public cases and the hidden cases of ``--probe-seeds`` other seeds, each
also called with its trailing default arguments left out and with its float arrays rounded to whole numbers and
to one decimal (zeros, ties and kinks), a probe being kept only when the exercise's contract holds for it.
Otherwise it SURVIVES. The figure is killed / (killed + survived), the non-equivalent mutants only.
"""
import argparse
import ast
import contextlib
import copy
import ctypes
import math
import signal
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from dlcourse.checks import exercises
from dlcourse.checks.core import Case, Raised, _arrays_equal, evaluate, run_case, to_plain

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 10  # seconds per mutant: a slip can turn a loop into an endless one
SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.FloorDiv, ast.FloorDiv: ast.Div,
         ast.Pow: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.And: ast.Or, ast.Or: ast.And}
TWINS = {"max": "min", "min": "max", "maximum": "minimum", "minimum": "maximum", "argmax": "argmin",
         "argmin": "argmax", "amax": "amin", "amin": "amax", "sum": "mean", "mean": "sum"}


@dataclass
class Mutant:
    exercise: str
    line: int
    what: str
    source: str
    original: str = ""  # the solution's line the slip was made in


# ---------------------------------------------------------------- making mutants

def _sites(tree):
    """(node, description, apply) for every place a slip can be made; apply(node) changes the node in place."""
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in SWAPS:
            new = SWAPS[type(node.op)]
            sites.append((node, f"{type(node.op).__name__} -> {new.__name__}",
                          lambda n, new=new: setattr(n, "op", new())))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
            new = SWAPS[type(node.ops[0])]
            sites.append((node, f"{type(node.ops[0]).__name__} -> {new.__name__}",
                          lambda n, new=new: setattr(n, "ops", [new()])))
        elif isinstance(node, ast.BoolOp) and type(node.op) in SWAPS:
            new = SWAPS[type(node.op)]
            sites.append((node, f"{type(node.op).__name__} -> {new.__name__}",
                          lambda n, new=new: setattr(n, "op", new())))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sites.append((node, "unary minus dropped", lambda n: setattr(n, "op", ast.UAdd())))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            for delta in (1, -1):
                sites.append((node, f"{node.value!r} -> {node.value + delta!r}",
                              lambda n, d=delta: setattr(n, "value", n.value + d)))
        elif isinstance(node, ast.Attribute) and node.attr in TWINS:
            sites.append((node, f".{node.attr} -> .{TWINS[node.attr]}", lambda n: setattr(n, "attr", TWINS[n.attr])))
        elif isinstance(node, ast.keyword) and node.arg == "axis" and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, int):
            for delta in (1, -1):
                sites.append((node, f"axis={node.value.value} -> {node.value.value + delta}",
                              lambda n, d=delta: setattr(n.value, "value", n.value.value + d)))
        elif isinstance(node, ast.keyword) and node.arg == "keepdims" and isinstance(node.value, ast.Constant):
            sites.append((node, "keepdims flipped", lambda n: setattr(n.value, "value", not n.value.value)))
        elif isinstance(node, ast.arguments):
            params = node.args[len(node.args) - len(node.defaults):]
            for param, default in zip(params, node.defaults):
                if isinstance(default, ast.Constant) and type(default.value) is int:
                    for delta in (1, -1):
                        sites.append((default, f"default {param.arg}={default.value} -> {default.value + delta}",
                                      lambda n, d=delta: setattr(n, "value", n.value + d)))
    # dropped transposes: the parent's reference to the transposing node becomes its operand
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                operand = _transposed_operand(child)
                if operand is not None:
                    sites.append((parent, "transpose dropped",
                                  lambda n, f=field, i=index, lst=isinstance(value, list): _replace(n, f, i, lst)))
    return sites


def _transposed_operand(node):
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "transpose":
        if isinstance(node.func.value, ast.Name) and node.func.value.id == "np":
            return node.args[0] if node.args else None
        return node.func.value
    return None


def _replace(parent, field, index, is_list):
    value = getattr(parent, field)
    if is_list:
        value[index] = _transposed_operand(value[index])
    else:
        setattr(parent, field, _transposed_operand(value))


def mutants(exercise, source):
    """Every single-slip mutant of an answer cell's source."""
    tree = ast.parse(source)
    count = len(_sites(tree))
    found, seen = [], {ast.unparse(tree)}  # a default is both a constant and a default: count each program once
    for k in range(count):
        mutated = copy.deepcopy(tree)
        node, what, apply = _sites(mutated)[k]
        apply(node)
        try:
            text = ast.unparse(ast.fix_missing_locations(mutated))
        except Exception:  # an AST the slip made impossible to print is not a program a learner could write
            continue
        if text not in seen:
            seen.add(text)
            line = getattr(node, "lineno", 0)
            original = source.splitlines()[line - 1].strip() if 0 < line <= len(source.splitlines()) else ""
            found.append(Mutant(exercise, line, what, text, original))
    return found


def answer_cells():
    """(exercise, source) of every answer cell of solutions/."""
    cells = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                cells.append((meta["grade_id"], cell.source))
    return cells


# ---------------------------------------------------------------- judging mutants

class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _Timeout in this thread after ``seconds``: by SIGALRM in the main thread; in another thread (older
    pytest-xdist workers run tests in one), by an exception a timer sends to this thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
        return
    target, lock, state = threading.get_ident(), threading.Lock(), {"done": False}

    def interrupt():
        with lock:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_Timeout))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()


def _load(exercise, source):
    """The exercised objects defined by an answer cell (a value exercise: the value itself)."""
    namespace = {"np": np, "numpy": np, "math": math}
    exec(compile(source, f"<{exercise}>", "exec"), namespace)
    return {name: namespace[name] for name in exercises()[exercise].functions}


def killed(mutant, seed):
    """True when the check rejects the mutant (or it cannot even run)."""
    exercise = exercises()[mutant.exercise]
    try:
        with _time_limit(TIME_LIMIT), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            functions = _load(mutant.exercise, mutant.source)
            return not evaluate(exercise, functions, seed=seed).passed
    except (Exception, _Timeout):
        return True


def _without_defaults(case, function):
    """The case called with its trailing defaulted positional arguments left out (one variant per cut)."""
    import inspect
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return []
    variants = []
    for cut in range(len(case.args) - 1, -1, -1):
        if cut >= len(parameters) or parameters[cut].default is inspect.Parameter.empty:
            break
        variants.append(Case(case.args[:cut], {}, case.label, case.function, case.hidden, case.call))
    return variants


def _rounded(case, decimals):
    def walk(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return np.round(value, decimals)
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value
    return Case(walk(case.args), walk(case.kwargs), case.label, case.function, case.hidden, case.call)


def probes(exercise_name, solution, seeds):
    exercise = exercises()[exercise_name]
    cases = list(exercise.public)
    for seed in seeds:
        cases += exercise.hidden_cases(seed)
    found = []
    for case in cases:
        variants = [case, _rounded(case, 0), _rounded(case, 1)]
        if case.call and case.function in solution:  # a chained case ("forward > backward") has no defaults to drop
            variants += _without_defaults(case, solution[case.function])
        found += [v for v in variants if getattr(exercise, "contract_problem", lambda _: None)(v) is None]
    return found


def equivalent(mutant, solution, probe_cases):
    """True when the mutant returns what the solution returns on every probe."""
    try:
        with _time_limit(TIME_LIMIT * 3), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            functions = _load(mutant.exercise, mutant.source)
            for case in probe_cases:
                want, _ = run_case(case, solution)
                got, _ = run_case(case, functions)
                if isinstance(want, Raised) and isinstance(got, Raised):
                    continue
                if isinstance(want, Raised) or isinstance(got, Raised):
                    return False
                if not _arrays_equal(to_plain(want), to_plain(got)) and not _close(want, got):
                    return False
        return True
    except (Exception, _Timeout):
        return False


def _close(a, b):
    """Equal up to round-off (a reordered sum is the same answer)."""
    from dlcourse.checks.core import compare
    return compare(a, b, rtol=1e-12, atol=1e-14) is None


# ---------------------------------------------------------------- the run

def run(names=None, probe_seeds=40, show_survivors=False, out=print, show_equivalent=False):
    from dlcourse.grader.notebook import seed_for

    totals = {"killed": 0, "survived": 0, "equivalent": 0}
    survivors, equivalents = [], []
    for exercise, source in answer_cells():
        if names and exercise not in names:
            continue
        solution = _load(exercise, source)
        if killed(Mutant(exercise, 0, "none", source), seed_for(exercise)):
            raise SystemExit(f"{exercise}: the solution itself fails its check; fix it before mutating it")
        cases = None
        counts = {"killed": 0, "survived": 0, "equivalent": 0}
        for mutant in mutants(exercise, source):
            if killed(mutant, seed_for(exercise)):
                verdict = "killed"
            else:
                if cases is None:
                    cases = probes(exercise, solution, range(100, 100 + probe_seeds))
                verdict = "equivalent" if equivalent(mutant, solution, cases) else "survived"
            counts[verdict] += 1
            if verdict == "survived":
                survivors.append(mutant)
            if verdict == "equivalent":
                equivalents.append(mutant)
        for key in totals:
            totals[key] += counts[key]
        relevant = counts["killed"] + counts["survived"]
        out(f"{exercise:28s} killed {counts['killed']:4d}  survived {counts['survived']:3d}  equivalent "
            f"{counts['equivalent']:3d}  kill rate {counts['killed'] / max(relevant, 1):6.1%}")
    relevant = totals["killed"] + totals["survived"]
    rate = totals["killed"] / max(relevant, 1)
    out(f"\n{'all exercises':28s} killed {totals['killed']:4d}  survived {totals['survived']:3d}  equivalent "
        f"{totals['equivalent']:3d}  kill rate {rate:6.1%} of {relevant} non-equivalent mutants")
    if show_survivors:
        for mutant in survivors:
            out(f"  survivor: {mutant.exercise}, line {mutant.line}: {mutant.what}: {mutant.original}")
    if show_equivalent:
        for mutant in equivalents:
            out(f"  equivalent: {mutant.exercise}, line {mutant.line}: {mutant.what}: {mutant.original}")
    return rate, totals, survivors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", help="only this exercise (repeatable)")
    parser.add_argument("--probe-seeds", type=int, default=40)
    parser.add_argument("--show-survivors", action="store_true")
    parser.add_argument("--show-equivalent", action="store_true")
    args = parser.parse_args(argv)
    rate, _, _ = run(args.exercise, args.probe_seeds, args.show_survivors, show_equivalent=args.show_equivalent)
    return 0 if rate >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
