"""The right- and wrong-answer catalogues: loading them, judging an entry, and the table in tests/CATALOGUE.md.

``tests/right_answers/<lecture>.py`` holds ``RIGHT_ANSWERS = {exercise: [(description, answers), ...]}``: correct
answers written the ways learners write them (loops or vectorised, classes or functions, CS231n cache tuples
behind a thin wrapper, in-place work on copies, np.einsum ...). ``tests/wrong_answers/<lecture>.py`` holds
``WRONG_ANSWERS = {exercise: [(description, answers, expected), ...]}``: the bugs learners make, ``expected``
being the text the feedback must contain (for a known mistake, part of its hint). ``answers`` is one function,
a tuple of functions in the order the exercise lists them, or the value of a value exercise.

The catalogue modules import numpy and the standard library only, and define no exercised name at top level:
the grader test pastes a module's source into a learner's answer cell and binds the exercised names to one
entry's functions.

``python -m tests.catalogue`` writes tests/CATALOGUE.md (exercise × right answers accepted × wrong answers
rejected × hints matched).
"""
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.checks import exercises
from dlcourse.checks.core import evaluate

HERE = Path(__file__).resolve().parent
KINDS = ("right", "wrong")


@dataclass
class Entry:
    kind: str  # "right" or "wrong"
    exercise: str
    description: str
    answers: tuple  # the learner's functions (or value), in the exercise's order
    expected: str  # wrong answers: text the feedback must contain; right answers: ""
    module: object

    @property
    def id(self):
        return f"{self.exercise}: {self.description}"

    def functions(self):
        """{exercised name: the learner's object} as a check cell would pass them."""
        return dict(zip(exercises()[self.exercise].functions, self.answers))


def _modules(kind):
    package = importlib.import_module(f"tests.{kind}_answers")
    return [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]


def _as_tuple(exercise, answers):
    if exercises()[exercise].value or not isinstance(answers, tuple):
        return (answers,)
    return answers


def entries(kind=None):
    """Every catalogue entry (of one kind, or both), in module order."""
    found = []
    for which in (kind,) if kind else KINDS:
        for module in _modules(which):
            table = getattr(module, f"{which.upper()}_ANSWERS")
            for exercise, rows in table.items():
                for row in rows:
                    description, answers, *expected = row
                    found.append(Entry(which, exercise, description, _as_tuple(exercise, answers),
                                       expected[0] if expected else "", module))
    return found


def grader_seed(exercise):
    """The seed the grader draws an exercise's hidden cases from (so judging here matches a grader run)."""
    from dlcourse.grader.notebook import seed_for
    return seed_for(exercise)


def judge(entry, full=False):
    """The Verdict of the self-check (public and 3 hidden cases) or, with ``full``, of the grader's cases."""
    exercise = exercises()[entry.exercise]
    with np.errstate(all="ignore"):
        return evaluate(exercise, entry.functions(), seed=grader_seed(entry.exercise) if full else None)


def hints(feedback):
    """The hint lines of a feedback text."""
    return [line.strip()[len("hint:"):].strip() for line in feedback.splitlines() if line.strip().startswith("hint:")]


def hint_matched(entry, feedback):
    """A wrong answer's feedback carries a hint containing the entry's expected text."""
    return any(entry.expected.lower() in hint.lower() for hint in hints(feedback))


def summary():
    """Rows (exercise, right accepted, right total, wrong rejected, wrong total, hints matched) and the totals."""
    counts = {name: [0, 0, 0, 0, 0] for name in sorted(exercises())}
    for entry in entries():
        verdict = judge(entry)
        row = counts[entry.exercise]
        if entry.kind == "right":
            row[0] += verdict.passed and judge(entry, full=True).passed
            row[1] += 1
        else:
            row[2] += not verdict.passed and entry.expected.lower() in verdict.feedback.lower()
            row[3] += 1
            row[4] += not verdict.passed and hint_matched(entry, verdict.feedback)
    return counts


def markdown(counts):
    lines = ["# Answer catalogues", "",
             "Written by `python -m tests.catalogue` from `tests/right_answers/` and `tests/wrong_answers/`; "
             "`tests/test_catalogue.py` holds every entry to it.", "",
             "- **right answers accepted**: correct answers, written the ways learners write them, that pass the "
             "self-check and the grader's full set of hidden cases;",
             "- **wrong answers rejected**: learners' bugs that fail with the feedback the catalogue expects;",
             "- **hint matched**: of those, the ones whose feedback carries a hint naming the bug "
             "(the others are told by the feedback itself, e.g. an in-place change or a crash).", "",
             "| exercise | right answers accepted | wrong answers rejected | hint matched |", "|---|---|---|---|"]
    totals = [0] * 5
    for name, (accepted, right, rejected, wrong, matched) in counts.items():
        lines.append(f"| `{name}` | {accepted} / {right} | {rejected} / {wrong} | {matched} / {wrong} |")
        totals = [t + v for t, v in zip(totals, (accepted, right, rejected, wrong, matched))]
    accepted, right, rejected, wrong, matched = totals
    lines.append(f"| **{len(counts)} exercises** | **{accepted} / {right}** | **{rejected} / {wrong}** | "
                 f"**{matched} / {wrong}** |")
    return "\n".join(lines) + "\n"


def write(path=HERE / "CATALOGUE.md"):
    text = markdown(summary())
    Path(path).write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    sys.stdout.write(write())
