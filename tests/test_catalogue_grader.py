"""One grader run over the answer catalogues as learners' submissions: the grader's verdicts match the self-check's.

Submission k of an assignment answers each of its exercises with that exercise's k-th catalogue entry (right
answers first, then wrong ones; an exercise with fewer entries answers with its first right one): the entry's
catalogue module pasted into the answer cell, then the exercised names bound to the entry's functions. All
submissions are graded in ONE ``dlcourse.grader.grade`` call, in the sandbox, with the grader's hidden cases.
"""
import csv
import inspect
from pathlib import Path

import nbformat
import pytest

from dlcourse.checks import exercises
from tests import catalogue

ROOT = Path(__file__).resolve().parent.parent


def _binding(entry, name, answer):
    """``name = <the module-level object that is answer>`` (or its repr, for a value written inline)."""
    for attribute, value in vars(entry.module).items():
        if value is answer and not attribute.startswith("__"):
            return f"{name} = {attribute}"
    return f"{name} = {answer!r}"


def answer_source(entry):
    """An answer cell holding the entry: its catalogue module, then the exercised names bound to its answers."""
    names = exercises()[entry.exercise].functions
    bindings = "\n".join(_binding(entry, name, answer) for name, answer in zip(names, entry.answers))
    return inspect.getsource(entry.module) + "\n\n# the answer graded here\n" + bindings + "\n"


def build_submissions(folder):
    """Write the submissions; return {(submission path, exercise): entry}."""
    by_exercise = {}
    for entry in catalogue.entries():  # right answers first
        by_exercise.setdefault(entry.exercise, []).append(entry)
    plan = {}
    for pristine in sorted((ROOT / "exercises").glob("*.ipynb")):
        nb = nbformat.read(pristine, as_version=4)
        answer_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        graded = [c.metadata["nbgrader"]["grade_id"] for c in answer_cells]
        rounds = max(len(by_exercise[name]) for name in graded)
        for k in range(rounds):
            submission = folder / f"learner{k:02d}" / pristine.name
            submission.parent.mkdir(exist_ok=True)
            for cell, name in zip(answer_cells, graded):
                entries = by_exercise[name]
                entry = entries[k] if k < len(entries) else entries[0]
                cell.source = answer_source(entry)
                if k < len(entries):
                    plan[(str(submission), name)] = entry
            nbformat.write(nb, submission)
    return plan


@pytest.mark.slow
def test_the_grader_judges_every_catalogue_entry_like_the_self_check(tmp_path):
    from dlcourse.grader import grade

    plan = build_submissions(tmp_path)
    submissions = sorted({path for path, _ in plan})
    out = tmp_path / "grades.csv"
    assert grade(submissions, out, jobs=2, timeout=300, progress=False, print_line=lambda text: None) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = {(row["submission"], row["exercise"]): row for row in csv.DictReader(f)}
    wrong = []
    for key, entry in plan.items():
        row = rows[key]
        expected = catalogue.judge(entry, full=True)
        passed = row["status"] == "passed"
        if passed != expected.passed or passed != (entry.kind == "right"):
            wrong.append(f"{entry.kind} {entry.id}: grader {row['status']}, self-check passed={expected.passed}\n"
                         f"{row['feedback']}")
        elif entry.kind == "wrong" and entry.expected.lower() in expected.feedback.lower() \
                and entry.expected.lower() not in row["feedback"].lower():
            wrong.append(f"{entry.id}: the grader's feedback does not mention {entry.expected!r}:\n{row['feedback']}")
    assert wrong == [], "\n\n".join(wrong)
