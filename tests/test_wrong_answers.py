"""Every exercise's check rejects typical wrong answers (with feedback naming the mistake) and accepts a right one.

The catalogue lives in tests/wrong_answers/<lecture>.py: WRONG_ANSWERS and RIGHT_ANSWERS per exercise.
"""
import importlib
import pkgutil

import pytest

import tests.wrong_answers as catalogue
from dlcourse.checks import CheckFailed, check, exercises

MODULES = [importlib.import_module(f"tests.wrong_answers.{m.name}") for m in pkgutil.iter_modules(catalogue.__path__)]
WRONG = [(name, description, answers, expected)
         for module in MODULES for name, entries in module.WRONG_ANSWERS.items()
         for description, answers, expected in entries]
RIGHT = [(name, answers) for module in MODULES for name, answers in module.RIGHT_ANSWERS.items()]


def _as_tuple(answers, name):
    if exercises()[name].value:
        return (answers,)
    return answers if isinstance(answers, tuple) else (answers,)


@pytest.mark.parametrize("name, description, answers, expected", WRONG, ids=[f"{w[0]}: {w[1]}" for w in WRONG])
def test_wrong_answer_is_rejected_with_useful_feedback(name, description, answers, expected):
    with pytest.raises(CheckFailed) as failure:
        check(name, *_as_tuple(answers, name))
    assert expected.lower() in str(failure.value).lower(), f"feedback does not mention {expected!r}:\n{failure.value}"


@pytest.mark.parametrize("name, answers", RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answer_passes(name, answers, capsys):
    check(name, *_as_tuple(answers, name))
    assert capsys.readouterr().out.startswith(f"✓ {name}")


def test_every_exercise_has_at_least_three_wrong_answers_and_a_right_one():
    counts = {name: 0 for name in exercises()}
    for name, *_ in WRONG:
        counts[name] += 1
    right = {name for name, _ in RIGHT}
    assert {name: n for name, n in counts.items() if n < 3} == {}
    assert sorted(set(counts) - right) == []
