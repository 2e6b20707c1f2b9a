"""``python -m dlcourse report GRADES.csv --out DIR``: per-learner totals and a class report from a gradebook.

Reads the gradebook ``python -m dlcourse grade`` writes (one row per submission and exercise) and writes

- ``DIR/totals.csv``: one row per learner, the points of each assignment and the overall total, with the
  maximum points beside each;
- ``DIR/index.html``: one self-contained page (figures as inline PNG, styles inline, no script, no network):
  the distribution of scores per assignment, the pass rate per exercise (which exercise the class struggles
  with), the most frequent failure hints per exercise, the submissions that did not run cleanly, and the answers
  the grader flagged as near-copies (its ``copy`` column), for a human to look at.

When a learner handed in the same assignment more than once (``01_loss_functions (1).ipynb``), the
submission with the most points counts, in the totals and in every figure.

Everything in a gradebook may come from a learner (file names, feedback echoing their output): every text
is HTML-escaped on the page, and every CSV cell that a spreadsheet would read as a formula gets a leading
``'``. The same reader (``read_gradebook``) and the same learner/assignment rule
(``learner_and_assignment``) serve ``dlcourse.canvas`` and ``dlcourse.gradescope``.
"""
import base64
import csv
import html
import io
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePath

COURSE = Path(__file__).resolve().parent.parent
REQUIRED_COLUMNS = ("submission", "exercise", "points", "max_points", "status", "feedback")
NN_SLUG = re.compile(r"\d{2}_[a-z0-9]+(?:_[a-z0-9]+)*")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")  # as the grader's gradebook: "'" too, so unquoting is exact
HINTS_PER_EXERCISE = 3


class Status(str, Enum):
    """A gradebook row's status (the contract's closed set)."""
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    INVALID = "invalid"


DID_NOT_RUN = (Status.ERROR, Status.TIMEOUT, Status.INVALID)


class GradebookFormatError(ValueError):
    """The file is not a gradebook this module can read; the message says which row and why."""


@dataclass(frozen=True)
class GradeRow:
    submission: str
    learner: str
    assignment: str  # "" when neither the gradebook nor the file name says which
    exercise: str
    points: float
    max_points: float
    status: Status
    feedback: str
    copy: str = ""  # "near-copy of ... (0.97)" when the grader flagged the answer; "" otherwise or in old gradebooks


@dataclass
class Submission:
    """One notebook handed in: the sum of its rows."""
    path: str
    learner: str
    assignment: str
    points: float = 0.0
    max_points: float = 0.0
    rows: list = field(default_factory=list)


def known_assignments(exercises_dir=None):
    """The NN_slug of every assignment of the course (its exercises/ notebooks)."""
    return sorted(p.stem for p in Path(exercises_dir or COURSE / "exercises").glob("*.ipynb"))


def learner_and_assignment(submission, learner_pattern=None, known=()):
    """(learner, assignment) of a submission path, for gradebooks without those columns.

    learner: the named group ``learner`` of ``learner_pattern`` (a regular expression searched in the path)
    when it matches, else the folder the file sits in (``submissions/alice/01_loss_functions.ipynb`` ->
    ``alice``); a file without a folder is a learner of its own, named by its path.
    assignment: the file name's stem when it is an ``NN_slug``, else the longest of the ``known`` slugs the
    stem starts with (``01_loss_functions (1)`` -> ``01_loss_functions``, as the grader matches), else "".
    """
    path = PurePath(submission)
    learner = None
    if learner_pattern:
        pattern = re.compile(learner_pattern) if isinstance(learner_pattern, str) else learner_pattern
        if "learner" not in pattern.groupindex:
            raise ValueError(f"the learner pattern {pattern.pattern!r} has no named group 'learner': "
                             f"write it like r'submissions/(?P<learner>[^/]+)/'")
        match = pattern.search(submission)
        learner = match.group("learner") if match else None
    if not learner:
        learner = path.parent.name or submission
    stem = path.stem
    if NN_SLUG.fullmatch(stem):
        return learner, stem
    prefixed = [slug for slug in known if stem.startswith(slug)]
    return learner, max(prefixed, key=len) if prefixed else ""


def unquote_cell(value):
    """A cell as written before the formula guard (the grader prefixes such cells with ')."""
    return value[1:] if value.startswith("'") else value


def quote_cell(value):
    """A CSV cell a spreadsheet shows as text and never evaluates (OWASP: prefix a formula with ')."""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number(value):
    """2.0 -> '2', 1.5 -> '1.5' (points as people write them)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def read_gradebook(path, learner_pattern=None, known=None):
    """Every row of a gradebook CSV as a GradeRow. ``learner`` and ``assignment`` come from their columns
    when the gradebook has them, else from ``learner_and_assignment``."""
    known = known_assignments() if known is None else known
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise GradebookFormatError(f"{path} is not a gradebook: it lacks the column(s) {', '.join(missing)} "
                                       f"(its header is {reader.fieldnames}); write one with python -m dlcourse grade")
        rows, derived = [], {}  # derived: submission -> (learner, assignment), once per submission
        for line, record in enumerate(reader, start=2):
            cells = {key: unquote_cell(value or "") for key, value in record.items() if key is not None}
            if cells["submission"] not in derived:
                derived[cells["submission"]] = learner_and_assignment(cells["submission"], learner_pattern, known)
            learner, assignment = derived[cells["submission"]]
            try:
                status = Status(cells["status"])
                points, max_points = float(cells["points"]), float(cells["max_points"])
            except ValueError:
                raise GradebookFormatError(
                    f"{path}, line {line}: status {cells['status']!r}, points {cells['points']!r}, max_points "
                    f"{cells['max_points']!r}; expected one of {', '.join(s.value for s in Status)} and numbers"
                ) from None
            rows.append(GradeRow(cells["submission"], cells.get("learner") or learner,
                                 cells.get("assignment") or assignment, cells["exercise"], points, max_points,
                                 status, cells["feedback"], cells.get("copy") or ""))
    return rows


def submissions(rows):
    """Submission path -> Submission, in the gradebook's order."""
    found = {}
    for row in rows:
        entry = found.setdefault(row.submission, Submission(row.submission, row.learner, row.assignment))
        entry.points += row.points
        entry.max_points += row.max_points
        entry.rows.append(row)
    return found


@dataclass
class Totals:
    assignments: list  # NN_slug, sorted
    maxima: dict  # assignment -> max points
    best: dict  # (learner, assignment) -> the Submission that counts
    learners: list  # sorted

    @property
    def overall_max(self):
        return sum(self.maxima.values())

    def points(self, learner, assignment):
        chosen = self.best.get((learner, assignment))
        return None if chosen is None else chosen.points

    def overall(self, learner):
        if not hasattr(self, "_overall"):  # once, not a scan of every learner per learner
            self._overall = defaultdict(float)
            for (who, _), chosen in self.best.items():
                self._overall[who] += chosen.points
        return self._overall[learner]


def totals(rows):
    """The best submission per learner and assignment, and each assignment's maximum. Rows whose assignment
    is unknown (a file name matching no assignment) count for no assignment."""
    best, maxima = {}, {}
    for entry in submissions(rows).values():
        if not entry.assignment:
            continue
        maxima[entry.assignment] = max(maxima.get(entry.assignment, 0.0), entry.max_points)
        key = (entry.learner, entry.assignment)
        if key not in best or entry.points > best[key].points:
            best[key] = entry
    learners = sorted({learner for learner, _ in best})
    return Totals(sorted(maxima), maxima, best, learners)


def write_totals(result, path):
    """totals.csv: learner, then per assignment its points and its maximum, then the overall total and maximum.
    An assignment a learner did not hand in is left blank (it still counts in the overall maximum)."""
    header = ["learner"]
    for assignment in result.assignments:
        header += [assignment, f"{assignment} max"]
    header += ["total", "total max"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([quote_cell(h) for h in header])
    for learner in result.learners:
        cells = [learner]
        for assignment in result.assignments:
            points = result.points(learner, assignment)
            cells += ["" if points is None else number(points), number(result.maxima[assignment])]
        cells += [number(result.overall(learner)), number(result.overall_max)]
        writer.writerow([quote_cell(c) for c in cells])
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


# ------------------------------------------------------------------ item analysis and hints

@dataclass
class Item:
    """One exercise of one assignment over the submissions that count."""
    assignment: str
    exercise: str
    statuses: Counter

    @property
    def count(self):
        return sum(self.statuses.values())

    @property
    def pass_rate(self):
        return self.statuses[Status.PASSED] / self.count if self.count else 0.0


def items(result):
    """Every (assignment, exercise) with its statuses over the counted submissions, hardest first."""
    found = {}
    for entry in result.best.values():
        for row in entry.rows:
            if row.exercise:
                item = found.setdefault((row.assignment, row.exercise), Item(row.assignment, row.exercise, Counter()))
                item.statuses[row.status] += 1
    return sorted(found.values(), key=lambda i: (i.pass_rate, i.assignment, i.exercise))


_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_VALUES = re.compile(r"\((?:expected|got) [^()]*\)")  # "(expected 0.9, got 0)": values differ learner to learner


def failure_hint(feedback):
    """The gist of a failure's feedback, the same for every learner who made the same mistake: a known
    mistake's ``hint:`` line as it is; else the line saying what differed (``output: ...``) or the first line
    without the exercise's name, with its numbers replaced by #."""
    lines = [line.strip() for line in feedback.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("hint:"):
            return line[:300]
    what = next((line for line in lines if re.match(r"output(\[\d+\])*:", line)), None)
    if what is None:
        what = re.sub(r"^[A-Za-z_]\w*: ", "", lines[0]) if lines else "(no feedback)"
    what = _NUMBER.sub("#", _VALUES.sub("", what))
    return re.sub(r"\s+", " ", what).strip()[:300]


def frequent_hints(result, per_exercise=HINTS_PER_EXERCISE):
    """(assignment, exercise) -> [(hint, count)], the most frequent first, over the counted submissions."""
    counts = defaultdict(Counter)
    for entry in result.best.values():
        for row in entry.rows:
            if row.status is not Status.PASSED and row.exercise:
                counts[(row.assignment, row.exercise)][failure_hint(row.feedback)] += 1
    return {key: counter.most_common(per_exercise) for key, counter in sorted(counts.items())}


# ------------------------------------------------------------------ figures

def _label(text):
    return text.replace("$", r"\$")  # a literal dollar, never matplotlib's math mode


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(scores, maximum, title):
    """A data: URL of a PNG histogram of scores, one bar per point from 0 to maximum."""
    import numpy as np
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend needed
    figure = Figure(figsize=(4.2, 2.6))
    axes = figure.add_subplot()
    top = max(float(maximum), max(scores, default=0.0), 1.0)
    edges = np.arange(0.0, np.floor(top) + 2.0) - 0.5
    axes.hist(scores, bins=edges, color="#4c72b0", edgecolor="white")
    axes.set_xlabel("points")
    axes.set_ylabel("learners")
    axes.set_title(_label(title), fontsize=10)
    axes.set_xlim(-0.5, np.floor(top) + 0.5)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def pass_rate_chart(found):
    """A data: URL of a PNG bar chart of the pass rate of every exercise, hardest at the top."""
    from matplotlib.figure import Figure
    figure = Figure(figsize=(6.5, 0.8 + 0.28 * max(1, len(found))))
    axes = figure.add_subplot()
    labels = [_label(f"{i.assignment} · {i.exercise}") for i in found]
    rates = [100 * i.pass_rate for i in found]
    positions = list(range(len(found)))[::-1]  # the hardest (first) on top
    axes.barh(positions, rates, color=["#c44e52" if r < 50 else "#dd8452" if r < 80 else "#55a868" for r in rates])
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("pass rate (%)")
    return _png(figure)


# ------------------------------------------------------------------ the page

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; } figure { margin: 0; }
figcaption { font-size: .85em; color: #555; }
.low { color: #b00; font-weight: bold; } pre { white-space: pre-wrap; margin: 0; font-size: 1em; }
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _anchor(*parts):
    return "-".join(re.sub(r"[^a-z0-9_]+", "-", part.lower()) for part in parts)


def _table(header, rows, numeric=()):
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="number">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(rows, result, source_name="grades.csv", totals_name="totals.csv"):
    """The class report as one HTML page. Every text that came from the gradebook is escaped here."""
    found = items(result)
    hints = frequent_hints(result)
    parts = [f"<h1>Class report: {_e(source_name)}</h1>",
             f"<p>{len(result.learners)} learners, {len(submissions(rows))} submissions, "
             f"{len(result.assignments)} assignments. Per-learner totals: "
             f'<a href="{_e(totals_name)}">{_e(totals_name)}</a>. When a learner handed in an assignment more '
             "than once, the submission with the most points counts.</p>",
             '<nav><a href="#scores">Scores</a><a href="#items">Pass rate per exercise</a>'
             '<a href="#hints">Failure hints</a><a href="#problems">Did not run</a><a href="#copies">Near-copies</a>'
             '<a href="#totals">Totals</a></nav>']

    parts.append('<h2 id="scores">Scores per assignment</h2><div class="figures">')
    for assignment in result.assignments:
        scores = [s.points for (_, a), s in result.best.items() if a == assignment]
        maximum = result.maxima[assignment]
        mean = sum(scores) / len(scores) if scores else 0.0
        median = sorted(scores)[len(scores) // 2] if scores else 0.0
        image = score_histogram(scores, maximum, f"{assignment} (max {number(maximum)})")
        parts.append(f'<figure id="{_e(_anchor("scores", assignment))}"><img src="{image}" '
                     f'alt="{_e(f"histogram of the scores of {assignment}")}">'
                     f"<figcaption>{_e(assignment)}: {len(scores)} learners, mean {mean:.1f}, "
                     f"median {number(median)} of {number(maximum)}</figcaption></figure>")
    parts.append("</div>" if result.assignments else "<p>No assignment could be recognised.</p></div>")

    parts.append('<h2 id="items">Pass rate per exercise</h2><p>Hardest first: the exercises the class '
                 "struggles with are at the top.</p>")
    if found:
        parts.append(f'<figure><img src="{pass_rate_chart(found)}" alt="pass rate of every exercise"></figure>')
        table_rows = []
        for item in found:
            rate = f"{100 * item.pass_rate:.0f}%"
            hinted = (item.assignment, item.exercise) in hints
            name = (f'<a href="#{_e(_anchor("hints", item.assignment, item.exercise))}">{_e(item.exercise)}</a>'
                    if hinted else _e(item.exercise))
            table_rows.append([_e(item.assignment), name, f'<span class="low">{rate}</span>'
                               if item.pass_rate < 0.5 else rate, str(item.count)]
                              + [str(item.statuses[s]) for s in Status])
        parts.append(_table(["assignment", "exercise", "pass rate", "submissions"] + [s.value for s in Status],
                            table_rows, numeric=range(2, 4 + len(Status))))

    parts.append('<h2 id="hints">Most frequent failure hints</h2><p>Feedback of the submissions that did not '
                 "pass, with the numbers that differ learner to learner taken out.</p>")
    failures = Counter((r.assignment, r.exercise) for s in result.best.values() for r in s.rows
                       if r.status is not Status.PASSED)
    for (assignment, exercise), common in hints.items():
        parts.append(f'<h3 id="{_e(_anchor("hints", assignment, exercise))}">{_e(assignment)} · {_e(exercise)} '
                     f"({failures[(assignment, exercise)]} not passed)</h3>")
        parts.append(_table(["learners", "hint"], [[str(count), f"<pre>{_e(hint)}</pre>"] for hint, count in common],
                            numeric=(0,)))
    if not hints:
        parts.append("<p>Every counted submission passed every exercise.</p>")

    parts.append('<h2 id="problems">Submissions that did not run cleanly</h2><p>Rows with status error, '
                 "timeout or invalid, in every submission (also those that do not count).</p>")
    problem_rows = [[_e(r.submission), _e(r.learner), _e(r.assignment or "(unknown)"), _e(r.exercise or "—"),
                     _e(r.status.value), f"<pre>{_e(r.feedback.strip().splitlines()[0] if r.feedback.strip() else '')}"
                     "</pre>"] for r in rows if r.status in DID_NOT_RUN]
    parts.append(_table(["submission", "learner", "assignment", "exercise", "status", "feedback"], problem_rows)
                 if problem_rows else "<p>None.</p>")

    parts.append('<h2 id="copies">Answers flagged as near-copies</h2><p>The grader compares every answer with the '
                 "other answers of its batch and with the course's own implementation; a flag is a reason to look at "
                 "the two answers, never a verdict: the points above are untouched.</p>")
    copy_rows = [[_e(r.submission), _e(r.learner), _e(r.assignment or "(unknown)"), _e(r.exercise), _e(r.copy)]
                 for r in rows if r.copy]
    parts.append(_table(["submission", "learner", "assignment", "exercise", "flag"], copy_rows)
                 if copy_rows else "<p>None.</p>")

    parts.append('<h2 id="totals">Totals</h2>')
    header = ["learner"] + result.assignments + ["total"]
    total_rows = []
    for learner in result.learners:
        cells = [_e(learner)]
        for assignment in result.assignments:
            points = result.points(learner, assignment)
            cells.append("—" if points is None else f"{number(points)} / {number(result.maxima[assignment])}")
        cells.append(f"{number(result.overall(learner))} / {number(result.overall_max)}")
        total_rows.append(cells)
    parts.append(_table(header, total_rows, numeric=range(1, len(header))))

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Class report: {_e(source_name)}</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def write_report(gradebook, out, learner_pattern=None):
    """Read ``gradebook``, write ``out``/totals.csv and ``out``/index.html. Returns the two paths."""
    rows = read_gradebook(gradebook, learner_pattern)
    result = totals(rows)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_totals(result, out / "totals.csv")
    (out / "index.html").write_text(render_html(rows, result, Path(gradebook).name), encoding="utf-8")
    return out / "totals.csv", out / "index.html"


def main(args):
    try:
        totals_path, page = write_report(args.gradebook, args.out, args.learner_pattern)
    except (OSError, GradebookFormatError, ValueError, re.error) as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    print(f"wrote {totals_path} and {page}")
    return 0
