"""Every exercise's cases keep the task's promises, cover its edge inputs, and tell each known mistake apart.

A case that breaks the task's own contract (a ``dout`` whose shape does not follow from ``x``, stride and pad)
fails right answers and blames the learner; a boundary the task names (x == 0 at a kink, a plain-int target,
default arguments ...) that no case tries lets real bugs through. Both are declared per exercise in
``dlcourse/checks/<lecture>.py`` (``contract=``, ``boundaries=``) and held here.
"""
import numpy as np
import pytest

from dlcourse.checks import exercises
from dlcourse.checks.core import evaluate

EXERCISES = exercises()
FUNCTION_EXERCISES = sorted(name for name, exercise in EXERCISES.items() if not exercise.value)
SEEDS = (12345, 0, 1, 2, 3)  # the self-check's seed and a few others: hidden cases are drawn at random


def _all_cases(exercise):
    cases = list(exercise.public)
    for seed in SEEDS:
        cases += exercise.hidden_cases(seed)
    return cases


@pytest.mark.parametrize("name", FUNCTION_EXERCISES)
def test_every_exercise_declares_its_contract(name):
    exercise = EXERCISES[name]
    assert exercise.contract is not None, f"{name}: declare contract= (what the task promises about the inputs)"
    assert set(exercise.contract) == set(exercise.functions), f"{name}: one contract per function"


@pytest.mark.parametrize("name", FUNCTION_EXERCISES)
def test_every_case_keeps_the_contract_and_the_reference_runs_on_it(name):
    exercise = EXERCISES[name]
    broken = []
    for case in _all_cases(exercise):
        problem = exercise.contract_problem(case)
        if problem:
            broken.append(f"{case.label or case.function}: {problem}")
        exercise.expected(case)  # raises if the reference cannot take the case
    assert broken == []


@pytest.mark.parametrize("name", sorted(n for n, e in EXERCISES.items() if e.boundaries))
def test_every_named_boundary_is_tried(name):
    exercise = EXERCISES[name]
    cases = exercise.public + exercise.hidden_cases(12345)
    missing = [what for what, covers in exercise.boundaries.items() if not any(_safe(covers, case) for case in cases)]
    assert missing == [], f"{name}: no public or self-check case tries {missing}"


def _safe(predicate, case):
    try:
        return bool(predicate(case))
    except Exception:  # a predicate written for one function's arguments, asked about another's
        return False


def test_exercises_with_edges_declare_them():
    # the exercises whose tasks name an edge input; a new exercise with one adds itself here
    assert {"relu_backward", "two_layer_net_gradients", "softmax", "softmax_with_loss_backward", "cross_entropy_error",
            "mean_squared_error",
            "binary_cross_entropy", "numerical_gradient", "softmax_loss_and_grad", "leaky_relu", "prelu",
            "adagrad_update", "rmsprop_update", "adam_update", "conv_output_size", "conv2d_naive", "im2col",
            "conv2d_backward", "maxpool", "dropout", "kmeans_step", "hue_histogram"} <= {
                n for n, e in EXERCISES.items() if e.boundaries}


@pytest.mark.parametrize("name, mistake", [(name, m) for name in sorted(EXERCISES) for m in EXERCISES[name].mistakes],
                         ids=[f"{name}: {m.name}" for name in sorted(EXERCISES) for m in EXERCISES[name].mistakes])
def test_every_known_mistake_fails_the_self_check(name, mistake):
    """A mistake no case tells apart from the reference is a hole in the cases (or a mistake that is not one)."""
    exercise = EXERCISES[name]
    implementation = mistake.implementation
    if exercise.value:
        answers = {exercise.functions[0]: implementation()}
    elif isinstance(implementation, dict):
        answers = {f: implementation.get(f, exercise.reference[f]) for f in exercise.functions}
    else:
        answers = {exercise.functions[0]: implementation}
    with np.errstate(all="ignore"):
        verdict = evaluate(exercise, answers)
    assert not verdict.passed, f"{name}: the mistake {mistake.name!r} passes every self-check case"
