"""What the grader hides is declared (Exercise.hides), and the declaration misses no giveaway."""
import contextlib
import importlib
import inspect
import io

import matplotlib
import numpy as np
import pytest

from dlcourse.checks import exercises
from dlcourse.checks.core import CHAIN, build_argument, compare, to_plain
from dlcourse.grader.sandbox import PACKAGE, hidden_objects
from dlcourse.release import LEARNER_MODULES

# (exercise, object): why an object that matches a public case is no giveaway
NOT_GIVEAWAYS = {
    ("random_shift", "layers.Dropout"): "Dropout with ratio max_shift = 0 is the identity, right only where "
                                        "max_shift is 0",
    ("random_shift", "naive.Dropout"): "the same",
    ("random_shift", "_validate.float_array"): "the identity on float arrays, right only where max_shift is 0",
}


def _learner_module_names():
    for name in LEARNER_MODULES:
        if name == "__init__":
            continue
        if (PACKAGE / name).is_dir():
            yield name
            for path in sorted((PACKAGE / name).glob("*.py")):
                if path.stem != "__init__":
                    yield f"{name}.{path.stem}"
        else:
            yield name


def _resolve(dotted):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(f"dlcourse.{module}"), name)


def _public_objects():
    """{"module.name": object} of every public function and class defined (not re-exported) in a learner module."""
    found = {}
    for module in _learner_module_names():
        for name, obj in vars(importlib.import_module(f"dlcourse.{module}")).items():
            if (not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == f"dlcourse.{module}"):
                found[f"{module}.{name}"] = obj
    return found


def test_every_declared_name_resolves_to_a_library_object():
    for name, exercise in exercises().items():
        for dotted in exercise.hides:
            assert callable(_resolve(dotted)), f"{name}: {dotted} is not a function or class"
            assert dotted.split(".")[0] in LEARNER_MODULES, f"{name}: {dotted} is not in the learner's library"


def test_hidden_objects_are_the_declarations_with_proxies_for_own_names():
    everything = exercises()
    hidden = hidden_objects([everything["softmax"]])
    assert hidden == {"functions.softmax": ("proxy", "softmax", "softmax"),
                      "functions.log_softmax": ("stub", "log_softmax", "softmax"),
                      "layers.SoftmaxWithLoss": ("stub", "SoftmaxWithLoss", "softmax"),
                      "naive.SoftmaxWithLoss": ("stub", "SoftmaxWithLoss", "softmax")}
    # a class is never a proxy, even when declared by an exercise with a function of its name
    assert hidden_objects([everything["affine"]])["layers.Affine"][0] == "stub"
    assert hidden_objects([everything["count_parameters"]]) == {}


def _binds(function, *args, **kwargs):
    try:
        inspect.signature(function).bind(*args, **kwargs)
        return True
    except (TypeError, ValueError):
        return False


def _attempts(obj, args, kwargs):
    """Calls of ``obj`` on a case's arguments: the same arguments, or a layer built from the rest and its forward."""
    if inspect.isclass(obj):
        forward = getattr(obj, "forward", None)
        if forward is None:
            return
        if args and _binds(obj, *args[1:]) and _binds(forward, None, args[0]):
            yield lambda: obj(*args[1:]).forward(args[0])
        if _binds(obj) and _binds(forward, None, *args, **kwargs):
            yield lambda: obj().forward(*args, **kwargs)
    elif _binds(obj, *args, **kwargs):
        yield lambda: obj(*args, **kwargs)


def _matching_case(exercise, obj):
    """The label of a public case on which ``obj`` computes the reference's output, when it does so on every public
    case it can be called on (a call that raises does not count); else None."""
    import matplotlib.pyplot as plt
    matched = None
    for case in exercise.public:
        if not case.call or CHAIN in case.function:
            continue
        expected = exercise._part(case, exercise.expected(case))
        for attempt in _attempts(obj, build_argument(case.args), build_argument(case.kwargs)):
            try:
                with np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
                    got = to_plain(attempt())
            except Exception:  # a call that does not fit the case: no giveaway
                continue
            finally:
                plt.close("all")
            if compare(expected, exercise._part(case, got), exercise.rtol, exercise.atol) is not None:
                return None
            matched = matched or case.label
    return matched


def test_probe_finds_an_undeclared_giveaway():
    """The search below can fail: with softmax's declaration emptied, functions.softmax is found."""
    exercise = exercises()["softmax"]
    assert _matching_case(exercise, _resolve("functions.softmax")) is not None
    assert _matching_case(exercise, _resolve("functions.relu")) is None
    assert _matching_case(exercises()["affine"], _resolve("widgets.gradient_descent.linear_scores")) is not None


@pytest.mark.slow
def test_no_undeclared_library_object_computes_an_answer():
    matplotlib.use("Agg")
    objects = _public_objects()
    undeclared = []
    for name, exercise in exercises().items():
        for dotted, obj in objects.items():
            if dotted in exercise.hides or (name, dotted) in NOT_GIVEAWAYS:
                continue
            label = _matching_case(exercise, obj)
            if label:
                undeclared.append(f"{name}: {dotted} computes the answer on the case {label!r}")
    assert not undeclared, "declare these in the exercise's hides=(...):\n" + "\n".join(undeclared)
