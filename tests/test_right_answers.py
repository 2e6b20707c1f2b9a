"""Every exercise's check accepts correct answers written the ways learners write them (tests/right_answers/)."""
import pytest

from dlcourse.checks import check, exercises
from tests.catalogue import entries, judge

RIGHT = entries("right")


@pytest.mark.parametrize("entry", RIGHT, ids=[e.id for e in RIGHT])
def test_right_answer_passes_the_self_check(entry, capsys):
    check(entry.exercise, *entry.answers)
    assert capsys.readouterr().out.startswith(f"✓ {entry.exercise}")


@pytest.mark.parametrize("entry", RIGHT, ids=[e.id for e in RIGHT])
def test_right_answer_passes_the_graders_cases(entry):
    verdict = judge(entry, full=True)
    assert verdict.passed, verdict.feedback


def test_every_exercise_has_at_least_three_right_answers():
    counts = {name: 0 for name in exercises()}
    for entry in RIGHT:
        counts[entry.exercise] += 1
    assert {name: n for name, n in counts.items() if n < 3} == {}
