"""The gradebook CSV and the feedback files, written so that a crash never leaves either half-written.

Every update rewrites the whole CSV into a temporary file in the same directory and moves it over the old
one with ``os.replace`` (atomic on POSIX and Windows): a reader sees the old gradebook or the new one. A
submission's rows are added together, after its feedback file, so a row in the CSV means the submission is
fully graded; a re-run with the same ``--out`` skips those submissions (resume) and keeps every row.

Names and texts that came from a learner are made safe on the way out: ``escape_name`` for a submission's
path (control characters, undecodable bytes and backslashes written as ``\\xNN`` escapes: one path, one
name, both ways), ``printable`` for free text (the same, newlines and tabs kept), and every CSV cell that a
spreadsheet would read as a formula (= + - @ tab, carriage return) gets a leading ``'`` which ``_load``
takes off again, so a resumed gradebook finds its submissions under the same names.
"""
import csv
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

HEADER = ["submission", "learner", "assignment", "exercise", "points", "max_points", "status", "feedback", "copy"]
OLD_HEADER = ["submission", "exercise", "points", "max_points", "status", "feedback"]  # before learner/assignment
COPY = HEADER.index("copy")  # "" or "near-copy of ... (similarity)": for a human to look at (copies.py)
STATUSES = ("passed", "failed", "error", "timeout", "invalid")

# C0 and C1 controls, DEL, Unicode line separators and bidi overrides, lone surrogates (undecodable bytes)
_UNSAFE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_IN_NAME = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")  # "'" too, so that taking the prefix off is exact


def _escape(match):
    character = match.group()
    code = ord(character)
    if character == "\\":
        return "\\\\"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): shown as the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_name(name):
    """A submission's path as it is shown and stored: controls, undecodable bytes and backslashes escaped.
    Plain paths are unchanged; different paths never give the same name."""
    return _UNSAFE_IN_NAME.sub(_escape, name)


def printable(text):
    """Free text (feedback, output of a run) safe for a terminal and a UTF-8 file: newlines and tabs kept,
    other control characters and undecodable bytes shown as escapes."""
    return _UNSAFE_IN_TEXT.sub(_escape, text)


def _cell(value):
    """A CSV cell a spreadsheet shows as text, never evaluates (OWASP: prefix a formula with ')."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _uncell(value):
    return value[1:] if value.startswith("'") else value


class GradebookError(RuntimeError):
    """The existing --out file cannot be resumed (not a gradebook of this format)."""


@dataclass
class Row:
    submission: str
    exercise: str
    points: float
    max_points: float
    status: str
    feedback: str
    learner: str = ""  # filled in when the row is recorded (see grade's identify)
    assignment: str = ""  # the NN_slug the submission was graded against, "" when none matched
    copy: str = ""  # set after the batch (copies.py)

    def as_list(self):
        return [escape_name(self.submission), escape_name(self.learner), printable(self.assignment),
                printable(self.exercise), _number(self.points), _number(self.max_points), self.status,
                printable(self.feedback), escape_name(self.copy)]


def _number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def atomic_write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


class Gradebook:
    """Rows by submission, in a stable order: earlier runs' submissions first, then the command line's."""

    def __init__(self, path, identify=None):
        """``identify(submission) -> (learner, assignment)`` fills the two columns of an older gradebook."""
        self.path = Path(path)
        self.identify = identify or (lambda submission: (submission, ""))
        self.migrated = False  # True when the file had the old header (it gets the new one on the next save)
        self.rows = {}  # escape_name(submission) -> [list of fields, as they were before _cell]
        self.order = {}  # escape_name(submission) -> its position on the command line (rows are written in that order)
        if self.path.exists():
            self._load()

    def _load(self):
        with open(self.path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return  # an empty file: nothing graded yet
            # an older gradebook has a subset of the columns, in this order: the rest is filled in
            if not set(OLD_HEADER) <= set(header) or [c for c in HEADER if c in header] != header:
                raise GradebookError(f"{self.path} exists but is not a gradebook (its header is {header}); "
                                     f"choose another --out or remove it")
            self.migrated = header != HEADER
            for fields in reader:
                if len(fields) != len(header):
                    raise GradebookError(f"{self.path}: a row has {len(fields)} fields instead of {len(header)}")
                cells = dict(zip(header, (_uncell(field) for field in fields)))
                if "learner" not in cells:  # the learner and assignment its rows never had
                    learner, assignment = self.identify(cells["submission"])
                    cells.update(learner=escape_name(learner), assignment=printable(assignment))
                self.rows.setdefault(cells["submission"], []).append([cells.get(c, "") for c in HEADER])

    def set_order(self, submissions):
        self.order = {escape_name(s): i for i, s in enumerate(submissions)}

    def graded(self, submission):
        return escape_name(submission) in self.rows

    def add(self, submission, rows):
        self.rows[escape_name(submission)] = [row.as_list() for row in rows]
        self.save()

    def flag_copies(self, submission, texts):
        """Set the ``copy`` cell of a submission's rows: {exercise: text}, "" for the exercises not named."""
        for fields in self.rows.get(escape_name(submission), []):
            fields[COPY] = escape_name(texts.get(fields[HEADER.index("exercise")], ""))

    def text(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        for submission in sorted(self.rows, key=lambda s: self.order.get(s, -1)):  # stable: earlier runs first
            writer.writerows([_cell(field) for field in fields] for fields in self.rows[submission])
        return buffer.getvalue()

    def save(self):
        atomic_write(self.path, self.text())


def feedback_dir(out):
    """grades.csv -> grades_feedback/ beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}_feedback")


def safe_file_name(text, limit=150):
    """``text`` with every character a file system or a shell might trip on replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("\\", "/")).strip("_.")[-limit:]


def feedback_path(out, submission, learner="", assignment="", shared=False):
    """The feedback file of a submission, grouped per learner: ``<out stem>_feedback/<learner>/<assignment>.txt``.

    The plain name is used only when it cannot be another submission's: the learner's name is already safe,
    the file is named ``<assignment>.ipynb`` and no other submission of the batch or gradebook has the same
    learner and assignment (``shared``, e.g. a second upload ``01_loss_functions (1).ipynb``, or two classes
    with an ``alice``). Otherwise a short hash of the exact path is added, so 'a/b.ipynb' and 'a_b.ipynb' never
    share a file. Without a learner (the old layout) the file is named after the whole path."""
    digest = hashlib.sha256(submission.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    if not learner:
        cleaned = safe_file_name(submission.lstrip("./"))
        return feedback_dir(out) / f"{cleaned or 'submission'}-{digest}.txt"
    folder = safe_file_name(learner, 80) or "learner"
    name = safe_file_name(assignment or Path(submission).stem, 100) or "submission"
    plain = folder == learner and assignment and Path(submission).name == f"{assignment}.ipynb" and not shared
    return feedback_dir(out) / folder / (f"{name}.txt" if plain else f"{name}-{digest}.txt")
