"""Exercise checks: ``check("softmax", softmax)`` in a check cell judges the learner's answer.

Every lecture's exercises are defined in a module of this package (``loss_functions``, ...); importing
the package registers them all. A right answer prints one line starting with ✓; a wrong one raises
``CheckFailed`` (an AssertionError) whose message is the feedback.
"""
import importlib
import pkgutil

from .core import REGISTRY, Case, CheckFailed, Exercise, Fn, Mistake, Rng, evaluate, judge, register, require  # noqa: F401

_loaded = False


def _load_all():
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            if module.name != "core":
                importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return REGISTRY


def exercises():
    """Every registered exercise by name."""
    return dict(_load_all())


def get(name):
    registry = _load_all()
    if name not in registry:
        raise KeyError(f"no exercise named {name!r}; known exercises: {', '.join(sorted(registry))}")
    return registry[name]


def check(name, *answers):
    """Judge the learner's answer(s) to exercise ``name``: print ✓ or raise CheckFailed with feedback.

    ``answers`` are the learner's functions (or value) in the order the exercise lists them, e.g.
    ``check("dropout", dropout_forward, dropout_backward)``.
    """
    __tracebackhide__ = True
    judge(get(name), answers)


__all__ = ["Case", "CheckFailed", "Exercise", "Fn", "Mistake", "Rng", "check", "exercises", "get", "register",
           "require"]
