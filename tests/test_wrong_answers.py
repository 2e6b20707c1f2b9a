"""Every exercise's check rejects learners' bugs with feedback naming the bug (tests/wrong_answers/)."""
import pytest

from dlcourse.checks import exercises
from tests.catalogue import entries, hint_matched, judge

WRONG = entries("wrong")


@pytest.mark.parametrize("entry", WRONG, ids=[e.id for e in WRONG])
def test_wrong_answer_is_rejected_with_useful_feedback(entry):
    verdict = judge(entry)
    assert not verdict.passed, "a wrong answer passed the self-check"
    assert entry.expected.lower() in verdict.feedback.lower(), \
        f"feedback does not mention {entry.expected!r}:\n{verdict.feedback}"


@pytest.mark.parametrize("entry", WRONG, ids=[e.id for e in WRONG])
def test_wrong_answer_is_rejected_by_the_graders_cases_too(entry):
    assert not judge(entry, full=True).passed


def test_every_exercise_has_at_least_five_wrong_answers():
    counts = {name: 0 for name in exercises()}
    for entry in WRONG:
        counts[entry.exercise] += 1
    assert {name: n for name, n in counts.items() if n < 5} == {}


def test_most_wrong_answers_get_a_hint_naming_the_bug():
    """The expected text sits in a hint for all but the bugs the feedback itself names (in-place changes ...)."""
    without = [e.id for e in WRONG if not hint_matched(e, judge(e).feedback)]
    assert len(without) <= len(WRONG) // 10, without
