"""The notebooks of grading: the pristine assignment (trusted) and a learner's submission (untrusted text).

``load_assignment`` reads exercises/NN_slug.ipynb: its code cells, which of them are answer and check cells,
every exercise's cases (public and hidden, drawn from a fixed seed per exercise) encoded for the sandbox, and
the expressions its check cell passes to ``check``. ``read_submission`` reads a learner's file as JSON
without trusting anything in it and returns its answer cells by grade_id; ``job`` puts both together into
what the sandbox runs.
"""
import ast
import errno
import functools
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import get as get_exercise
from ..checks.core import Fn, Rng
from . import channel
from .magics import python_source, without_magics

MAX_SUBMISSION_BYTES = 64 * 1024 * 1024
MAX_ANSWER_CHARS = 1_000_000
MAX_NAMES_CHARS = 200_000  # of added cells read for the names they define (feedback only): bounds the time


class InvalidSubmission(ValueError):
    """The file is not a notebook the grader can read; the message says why, for the learner."""


def seed_for(exercise):
    """The fixed seed of an exercise's hidden cases when grading: reproducible run to run, different from the
    self-check's seed. DLCOURSE_GRADER_SEED (any text) gives a course its own draw."""
    salt = os.environ.get("DLCOURSE_GRADER_SEED", "dlcourse-grader")
    return int.from_bytes(hashlib.sha256(f"{salt}/{exercise}".encode()).digest()[:4], "big")


_TOKENS = {Fn: lambda fn: {"t": "fn", "name": fn.name}, Rng: lambda rng: {"t": "rng", "seed": int(rng.seed)}}


@dataclass
class ExerciseSpec:
    name: str
    points: float
    exercise: object  # dlcourse.checks.core.Exercise (the answer key: stays in the grader)
    cases: list
    encoded_cases: list
    arguments: list  # expressions the pristine check cell passes to check(), e.g. ["softmax"]
    problem: str = ""  # a course-side problem (no such exercise registered ...)


@dataclass
class Assignment:
    slug: str
    path: Path
    cells: list  # code cells: {"kind": "code" | "answer" | "check", "exercise": name or None, "source", "number"}
    exercises: list = field(default_factory=list)  # [ExerciseSpec] in notebook order

    def spec(self, name):
        return next(e for e in self.exercises if e.name == name)


def _check_arguments(source, exercise):
    """The argument expressions after the exercise name in the check cell's ``check(...)`` call."""
    try:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "check":
                arguments = [ast.unparse(a) for a in node.args[1:]]
                if len(arguments) == len(exercise.functions):
                    return arguments
    except SyntaxError:
        pass
    return list(exercise.functions)


def _meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def load_assignment(path):
    """The pristine assignment in ``path`` (exercises/NN_slug.ipynb), with every exercise's cases.

    Read as plain JSON (the file is the course's own; nbformat's import alone costs seconds), with the
    conventions of dlcourse.notebooks: answer cells have nbgrader ``solution``, check cells ``grade`` and the
    grade_id "<exercise>-check".
    """
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        nb = json.load(handle)
    for number, cell in enumerate(nb["cells"], start=1):
        cell["number"] = number  # as Jupyter counts cells, for the notes
    code = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    answers = {_meta(c).get("grade_id") for c in code if _meta(c).get("solution")}
    found = []  # (name, check cell, points) in notebook order
    for cell in code:
        meta = _meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            found.append((str(meta.get("grade_id", "")).removesuffix("-check"), cell, meta.get("points", 0)))
    names = {name for name, *_ in found}
    cells = []
    for cell in code:
        meta, grade_id = _meta(cell), str(_meta(cell).get("grade_id", ""))
        if meta.get("solution") and grade_id in names:
            kind, exercise = "answer", grade_id
        elif meta.get("grade") and not meta.get("solution") and grade_id.removesuffix("-check") in names:
            kind, exercise = "check", grade_id.removesuffix("-check")
        else:
            kind, exercise = "code", None
        cells.append({"kind": kind, "exercise": exercise, "source": _source(cell), "number": cell["number"]})
    assignment = Assignment(path.stem, path, cells)
    for name, check, points in found:
        try:
            exercise = get_exercise(name)
        except KeyError as error:
            assignment.exercises.append(ExerciseSpec(name, points, None, [], [], [], f"course problem: {error}"))
            continue
        problem = "" if name in answers else f"course problem: exercise {name!r} has no answer cell"
        cases = exercise.cases(seed_for(name))
        encoded = [{"function": case.function, "call": case.call, "args": channel.encode(tuple(case.args), _TOKENS),
                    "kwargs": channel.encode(dict(case.kwargs), _TOKENS)} for case in cases]
        assignment.exercises.append(ExerciseSpec(name, points, exercise, cases, encoded,
                                                 _check_arguments(_source(check), exercise), problem))
    return assignment


# ---------------------------------------------------------------- a learner's file

def _linked_folder(path):
    """A folder of ``path`` that is a symbolic link, or "": every folder of a relative path (they lie below the
    grader's working directory, where archives were extracted), the last folder of an absolute one (a
    learner's own folder; the folders above it belong to the machine, e.g. /tmp -> /private/tmp on macOS)."""
    path = Path(path)
    folders = [path.parent] if path.is_absolute() else [p for p in path.parents if str(p) not in (".", "")]
    return next((os.fsdecode(folder) for folder in folders if os.path.islink(folder)), "")


def read_regular_file(path, limit):
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; InvalidSubmission otherwise.

    The last component is opened with O_NOFOLLOW (a symlink to solutions/ or /etc/shadow, restored from an
    uploaded archive, would otherwise be read as the grader's user) and O_NONBLOCK (a FIFO would block the
    open); what was opened is checked with fstat, and at most ``limit`` + 1 bytes are ever read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    linked = _linked_folder(path)
    if linked:
        raise InvalidSubmission(f"the folder {linked} is a symbolic link (an archive can carry links): grade the "
                                "files where they really are, or extract the archive without links")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise InvalidSubmission(f"no such file: {os.fsdecode(path)}") from None
    except OSError as error:
        raise InvalidSubmission(f"the file cannot be read ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise InvalidSubmission("the submission is a symbolic link, not a notebook file; submit the notebook "
                                "itself (an archive can carry links: extract it without them, e.g. copy the files)")
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        why = "a symbolic link" if error.errno == errno.ELOOP else error.strerror
        raise InvalidSubmission(f"the file cannot be read ({why}); submit the notebook file itself") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            mode = info.st_mode
            kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a regular file")
            raise InvalidSubmission(f"the submission is {kind}, not a notebook file")
        if info.st_size > limit:
            raise InvalidSubmission(f"the file has {info.st_size >> 20} MB; a notebook of this course has far less "
                                    f"(at most {limit >> 20} MB accepted)")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew after the fstat
            raise InvalidSubmission(f"the file has more than {limit >> 20} MB")
        return b"".join(chunks)
    except BlockingIOError:
        raise InvalidSubmission("the file cannot be read without waiting (not a regular file)") from None
    finally:
        os.close(descriptor)


def read_submission(path, raw=None):
    """({grade_id: [(cell_type, source), ...]} of the answer cells, [source of every other code cell]).

    Raises InvalidSubmission when the file cannot be a notebook of this course: missing, too large, not
    UTF-8 JSON, not nbformat 4, cells that are not cells. ``raw``: the file's bytes, already read with
    ``read_regular_file`` elsewhere (grading on a cluster: the worker gets the bytes, not the path).
    """
    if raw is None:
        raw = read_regular_file(path, MAX_SUBMISSION_BYTES)
    elif len(raw) > MAX_SUBMISSION_BYTES:
        raise InvalidSubmission(f"the file is larger than {MAX_SUBMISSION_BYTES >> 20} MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSubmission("the file is not UTF-8 text: it is not a Jupyter notebook") from None
    try:
        nb = json.loads(text)
    except RecursionError:
        raise InvalidSubmission("the file is not valid JSON (nested too deeply)") from None
    except ValueError as error:
        raise InvalidSubmission(f"the file is not valid JSON ({error}): it may be truncated or was edited "
                                "outside Jupyter; download the notebook again from Jupyter (File > Download)") from None
    if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
        raise InvalidSubmission("the file is JSON but not a Jupyter notebook (no cells)")
    version = nb.get("nbformat")
    if version != 4:
        raise InvalidSubmission(f"the notebook has format version {version!r}; this course's notebooks are "
                                "nbformat 4 (saved by Jupyter 4 or later): save it with a current Jupyter")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise InvalidSubmission("the notebook's 'cells' is not a list")
    answers, others = {}, []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise InvalidSubmission(f"cell {number} of the notebook is not a notebook cell")
        metadata = cell.get("metadata", {})
        meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(meta, dict) or meta.get("solution") is not True:
            if cell["cell_type"] == "code" and isinstance(source, str):
                others.append(source)
            continue
        grade_id = meta.get("grade_id")
        if not isinstance(source, str) or not isinstance(grade_id, str):
            raise InvalidSubmission(f"answer cell {number} has a malformed source or grade_id")
        answers.setdefault(grade_id, []).append((cell["cell_type"], source))
    return answers, others


def defined_names(sources):
    """Names that top-level code in ``sources`` defines (def, class, import, assignment).

    Only the first MAX_NAMES_CHARS characters are read, and magics are blanked out rather than run through
    IPython (see magics.py): this runs in the grader process, outside any time limit."""
    names, budget = set(), MAX_NAMES_CHARS
    for source in sources:
        budget -= len(source)
        if budget < 0:
            break
        try:
            tree = ast.parse(without_magics(source))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
            elif isinstance(node, ast.Assign):
                names.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def answer_problem(name, found):
    """Why the submission's answer cells for exercise ``name`` cannot be graded, or "" when they can."""
    if not found:
        return (f"the answer cell of {name!r} is missing from the submission (a cell whose nbgrader grade_id is "
                f"{name!r}): put your answer back into the notebook downloaded from the course and keep its cell")
    if len(found) > 1:
        return (f"the answer cell of {name!r} appears {len(found)} times (a copied cell keeps its grade_id): "
                "keep one cell with your answer and delete the copies")
    if found[0][0] != "code":
        return f"the answer cell of {name!r} is a {found[0][0]} cell, not a code cell"
    if len(found[0][1]) > MAX_ANSWER_CHARS:
        return f"the answer cell of {name!r} has more than {MAX_ANSWER_CHARS} characters"
    return ""


@functools.lru_cache(maxsize=1024)
def _course_source(source):
    return python_source(source)


def job(assignment, answers, stubbed=(), skip=()):
    """What the sandbox runs: the pristine code cells in order, the learner's answer cell in place of each
    pristine one (``answers``: {exercise: source or None}); exercises in ``stubbed`` keep the pristine stub,
    and those in ``skip`` run no cases (already judged in an earlier run)."""
    cells = []
    for cell in assignment.cells:
        learners = (cell["kind"] == "answer" and cell["exercise"] not in stubbed
                    and answers.get(cell["exercise"]) is not None)
        if cell["kind"] == "check":
            source = ""
        elif learners:  # transformed in the sandbox, under the submission's time limit
            source = answers[cell["exercise"]]
        else:  # the course's own cells: trusted, transformed here once
            source = _course_source(cell["source"])
        cells.append({"kind": cell["kind"], "exercise": cell["exercise"], "number": cell["number"],
                      "source": source, "transform": learners})
    exercises = {spec.name: {"functions": list(spec.exercise.functions), "arguments": spec.arguments,
                             "cases": spec.encoded_cases if spec.name not in skip else [],
                             "run": spec.name not in skip}
                 for spec in assignment.exercises if spec.exercise is not None}
    # the cells after the last check cell that still runs cannot change a verdict: not run (saves seconds)
    last = max((i for i, c in enumerate(cells) if c["kind"] == "check" and exercises.get(c["exercise"], {}).get("run")),
               default=-1)
    cells = cells[:last + 1]
    return {"cells": cells, "exercises": exercises}
