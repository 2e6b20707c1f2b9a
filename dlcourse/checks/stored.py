"""Self-checks from stored data: what a learner release checks answers with, without the answer key.

A release stores, for each exercise, its cases (the public ones and the fixed hidden ones of the self-check), the
reference's output on each, the output (or the exception's name) of each known mistake on each, and the facts a
case-dependent comparison needs. ``StoredExercise`` judges with ``core``'s own code from those, so a stored check
gives the same verdict and the same hint as the full course. ``python -m dlcourse release`` writes the data
(``dlcourse.release.store``); the release's ``dlcourse.checks`` is this module's ``check``.
"""
import base64
import inspect
import json
from pathlib import Path

import numpy as np

from . import core
from .core import Case, CaseRule, Exercise, Fn, Mistake, Raised, Rng, Unsupported, judge

DATA = Path(__file__).with_name("exercises.json")


# ---------------------------------------------------------------- plain data <-> JSON

def encode(value):
    """JSON-able form of case arguments and plain outputs (arrays keep dtype, shape and every bit)."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return {"float": value.hex()}  # exact, and NaN and infinities too
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot store an array of dtype {array.dtype}")
        data = base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())
        return {"array": data.decode("ascii"), "dtype": array.dtype.newbyteorder("<").str, "shape": list(array.shape),
                "scalar": isinstance(value, np.generic)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise TypeError("cannot store a dict with non-string keys")
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, Fn):
        return {"fn": value.name}
    if isinstance(value, Rng):
        return {"rng": value.seed}
    if isinstance(value, Unsupported):
        return {"unsupported": value.type_name}
    if isinstance(value, Raised):
        return {"raised": [value.type_name, value.message, value.where]}
    raise TypeError(f"cannot store a {type(value).__name__}")


def decode(value):
    """The value ``encode`` stored."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    (kind, content), *_ = value.items()
    if kind == "float":
        return float.fromhex(content)
    if kind == "array":
        array = np.frombuffer(base64.b64decode(value["array"]), dtype=np.dtype(value["dtype"]))
        array = array.reshape(value["shape"]).astype(np.dtype(value["dtype"]).newbyteorder("="))
        return array[()] if value["scalar"] else array
    if kind == "tuple":
        return tuple(decode(v) for v in content)
    if kind == "dict":
        return {k: decode(v) for k, v in content.items()}
    if kind == "fn":
        return Fn(content)
    if kind == "rng":
        return Rng(content)
    if kind == "unsupported":
        return Unsupported(content)
    if kind == "raised":
        return Raised(*content)
    raise ValueError(f"unknown stored value {kind!r}")


def _raise(type_name, message=""):
    """Raise an exception whose type has the stored name (a mistake matches a crash by its type's name)."""
    raise type(type_name, (Exception,), {})(message)


class _Signature:
    """Stands in for a reference function where only its parameter names are used (in feedback)."""

    def __init__(self, parameters):
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in parameters])

    def __call__(self, *args, **kwargs):
        raise RuntimeError("a stored exercise has no reference")


class StoredExercise(Exercise):
    """An exercise judged from stored outputs: no reference, no mistake implementation."""

    def __init__(self, data):
        self._cases, self._expected, self._facts = [], [], []
        for entry in data["cases"]:
            self._cases.append(Case(decode(entry["args"]), decode(entry["kwargs"]), entry["label"],
                                    entry["function"], entry["hidden"], entry["call"]))
            self._expected.append(decode(entry["expected"]))
            self._facts.append(decode(entry["facts"]))
        self._index = {id(case): i for i, case in enumerate(self._cases)}
        rule = data["rule"]
        super().__init__(
            data["name"], data["functions"], {f: _Signature(p) for f, p in data["parameters"].items()},
            public=[], points=data["points"], rtol=data["rtol"], atol=data["atol"], value=data["value"],
            success=data["success"],
            compare=None if rule is None else CaseRule(lambda case: self._facts[self._index[id(case)]],
                                                       getattr(core, rule)),
            judged_part={f: getattr(core, name) for f, name in data["judged_part"].items()})
        self.public = [case for case in self._cases if not case.hidden]
        self.mistakes = [Mistake(m["name"], None, m["hint"], tuple(m["raises"])) for m in data["mistakes"]]
        self._mistake_outputs = {m["name"]: [decode(out) for out in m["outputs"]] for m in data["mistakes"]}

    def cases(self, seed=None):
        if seed is not None:
            raise ValueError("a stored exercise has only its stored cases")
        return list(self._cases)

    def expected(self, case):
        value = self._expected[self._index[id(case)]]
        if isinstance(value, Raised):
            _raise(value.type_name, value.message)
        return value

    def _mistake_output(self, mistake, case):
        value = self._mistake_outputs[mistake.name][self._index[id(case)]]
        if isinstance(value, Raised):
            _raise(value.type_name, value.message)
        return value


_loaded = {}


def exercises():
    """Every stored exercise by name."""
    if not _loaded:
        for data in json.loads(DATA.read_text(encoding="utf-8"))["exercises"]:
            _loaded[data["name"]] = StoredExercise(data)
    return dict(_loaded)


def get(name):
    registry = exercises()
    if name not in registry:
        raise KeyError(f"no exercise named {name!r}; known exercises: {', '.join(sorted(registry))}")
    return registry[name]


def check(name, *answers):
    """Judge the learner's answer(s) to exercise ``name`` from stored data: print ✓ or raise CheckFailed."""
    __tracebackhide__ = True
    judge(get(name), answers)
