"""Judging in the grader process: the learner's plain outputs against the reference, hidden values kept hidden.

The verdict is ``Exercise.judge`` of dlcourse.checks.core, the same one a self-check uses: a failed hidden case
is worded by structure only (types, shapes, dtypes, which index differs), never with a value computed by the
reference, and a failed public case is shown first.
"""


def judge(exercise, results):
    """(passed, feedback) for [(case, plain output or Raised, inputs_modified)], computed here, outside the sandbox."""
    verdict = exercise.judge(results)
    return verdict.passed, verdict.feedback
