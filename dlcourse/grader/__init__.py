"""``python -m dlcourse grade SUBMISSION... --out grades.csv [--jobs N] [--timeout S] [--assignment NN_slug]
[--exercise-timeout S] [--learner-pattern REGEX] [--regrade all|changed] [--scheduler tcp://HOST:PORT]``.

A grader that learners cannot fool: the learner's code computes, but every verdict is reached here, in the
grader process, which the learner's code never touches.

How a submission is graded
--------------------------
1. Matching. ``NN_slug.ipynb`` (the file name learners downloaded; a name that starts with a known
   ``NN_slug`` also matches, e.g. ``01_loss_functions (1).ipynb``) is graded against the pristine
   ``exercises/NN_slug.ipynb``; ``--assignment NN_slug`` grades every submission against that one (an
   unknown ``--assignment`` is a usage error: exit 2). A file whose name matches no assignment gets ONE row
   with exercise "" and status ``invalid`` (no exercise is known to give it a row per exercise).
2. Reading. Only a regular file is read (a symbolic link, FIFO, device or directory is ``invalid``, and
   nothing over 64 MB is read), then parsed as JSON, trusting nothing: not UTF-8, not JSON, not a notebook, nbformat
   other than 4 (e.g. an old v3 file), or malformed cells make the whole submission ``invalid`` (every
   exercise gets its row with the reason). Only the learner's ANSWER cells are taken, by nbgrader grade_id;
   an exercise whose answer cell is missing, duplicated (copied cells keep their grade_id) or not a code
   cell is ``invalid`` and the others are still graded. Check cells, every other cell, the order of the
   cells and the points all come from the pristine notebook: edited, deleted or reordered check cells and
   flipped or invented nbgrader metadata change nothing. Cells a learner added are not run either (a
   helper must live in an answer cell); the feedback names what such cells define, and points at them when
   an answer fails with a NameError for one of those names.
3. Running, in a sandbox (``sandbox.py``, ``runner.py``). A child process runs the pristine notebook's code
   cells in order with the learner's answer cells put in (IPython magics become ``get_ipython()`` calls
   that do nothing, transformed inside the sandbox under the time limit; a leading ``%%time``/``%%capture``
   line is dropped). A MemoryError in an answer cell ends the run (runner exit code 3): the exercises after it
   run again in a new sandbox, as after a crash. Where the pristine notebook has a
   check cell, the child instead calls the learner's functions (the objects the pristine check cell would
   pass to ``check``) on the exercise's cases with ``run_case`` and writes the plain outputs back. A cell
   that raises is recorded and the run goes on: course cells that need something hidden while grading
   fail harmlessly; only the answers matter. The cells after the last check cell are not run: they cannot
   change a verdict.
   - Cases: the public ones and ALL hidden random ones, drawn here from a fixed seed per exercise
     (``notebook.seed_for``: reproducible run to run, not the self-check's seed) and sent in as data. The
     default seed is in this public source: a course whose learners can read it should set
     DLCOURSE_GRADER_SEED to a secret text (the same on every run), or a learner could compute the hidden
     inputs in advance and hard-code answers for them.
   - The channel (``channel.py``) carries only plain data: JSON lines for structure and .npy bytes read
     with ``np.load(allow_pickle=False)``; nothing from the child is ever unpickled or imported. Every
     record is validated (tags, types, sizes, depth, number of outputs) before judging; a malformed record
     is an ``error`` for its exercise. Since the child only ever sends DATA, anything the learner's code
     does inside it (always-equal objects, ndarray subclasses, monkeypatched numpy, builtins, check or
     compare functions, ``set_custom_exc``, printed ✓ lines, forged records) can at most change its own
     outputs, which must still match the reference on hidden random inputs it never saw before the run.
     (The one thing the child reports about itself is whether a function changed its input arrays; lying
     about it only hides the learner's own in-place modification.)
4. Judging (``judge.py``), here: the reference implementation (the answer key, dlcourse/checks/<lecture>.py)
   never leaves this process. A failed hidden case is explained by structure only (shape, dtype, which
   index) and never shows an expected value; known mistakes add their hint. Points are all or nothing per
   exercise, as in the self-check.

The answer key is out of reach
------------------------------
The child imports dlcourse from a per-assignment sanitized copy (``sandbox.build_library``) and nothing
else of the course is mounted: no solutions/, exercises/, tests/, gradebook or other submission, and no
dlcourse/checks/<lecture>.py (``dlcourse.checks`` there is a stand-in whose ``check`` does nothing, plus
core.py, which holds no answers). In the copy, the library objects each exercise of the assignment declares
in ``Exercise.hides`` (e.g. ``hides=("functions.softmax", "functions.log_softmax", "layers.SoftmaxWithLoss")``)
are replaced:
- a declared function named like an exercised function (``dlcourse.functions.softmax``) is a proxy that
  calls the LEARNER's own answer, registered once that exercise's cases have run (before: it raises). Course
  cells that use "the library's version" after an exercise therefore run with the learner's version, as the
  lecture promises they behave alike, and a correct submission behaves as in its self-check;
- every other declared object (``layers.Sigmoid`` for ``sigmoid_backward``, ``functions.log_softmax`` for
  ``softmax``) raises when used. tests/test_hides.py checks that each declared name exists and that no
  undeclared public library object computes an exercise's reference output on its public cases.
Third-party libraries in site-packages (scipy.special.softmax ...) stay importable: using a library is not
reading the answer key.

Isolation and limits
--------------------
Every run is a bubblewrap sandbox (new PID, network, IPC and UTS namespaces; the interpreter, libraries, the
sanitized copy and the job mounted read-only; a 256 MB tmpfs at /tmp the only writable place) with a seccomp
filter (``seccomp.py``: no keyrings, memfd_create, new namespaces, ptrace, mount, perf_event_open, bpf ...),
run as a fresh unprivileged uid (a new one for every run, when the grader is root), in a cgroup of its own
(``cgroup.py``, v2 or v1: memory counted with shared memory and tmpfs, 64 tasks), under resource limits
(``_limits.py``: address space DLCOURSE_GRADER_MEMORY_MB, default 3072 MB, per process; CPU time; file size;
open files; no core dumps) and a watchdog here (wall-clock timeout, output and result floods, too many tasks,
memory). The mode in force is printed at the start and in every feedback file; whatever cannot be enforced
on this machine is printed as a WARNING (without bwrap, DLCOURSE_GRADER_SANDBOX=rlimits, or without cgroups,
DLCOURSE_GRADER_CGROUP=none). What each layer is for, and what is left: docs/grader-threat-model.md.

Statuses and crashes
--------------------
``passed``/``failed``: judged. ``invalid``: see 2. ``error``: the answer cell raised and the answer does not
pass (an answer that passes although its cell raised after defining the functions stays passed, with a
note), the sandbox crashed while running this exercise (segfault, ``os._exit``, killed by the watchdog), or
its results were malformed. ``timeout``: the wall clock ran out during this exercise, or its own cells (its
answer cell and its cases) took longer than ``--exercise-timeout`` (``sandbox.ExerciseClock``). After a crash or a
timeout the exercises not yet judged are run again in a new sandbox with the offending answer cell replaced
by the pristine stub (at most 3 runs, each with the full ``--timeout``), so one runaway answer does not cost
the other exercises; exercises that still could not run get the same status with "not reached".

Gradebook
---------
``gradebook.py``: the header ``submission,learner,assignment,exercise,points,max_points,status,feedback``,
``submission`` being the path as given (control characters, bytes that are not UTF-8 and backslashes escaped,
see ``escape_name``; a cell a spreadsheet would evaluate gets a leading ``'``); one row per (submission,
exercise), always. ``learner`` is the submission's folder or the group ``learner`` of ``--learner-pattern``
(``report.learner_and_assignment``, so the report, Canvas and Gradescope agree), ``assignment`` the NN_slug
it was graded against. The CSV is rewritten atomically (temp file + ``os.replace``) after each submission, in
command-line order; re-running with the same ``--out`` skips submissions already in it (resume) and keeps every
row; an older gradebook without the two columns is read and written back with them. ``--regrade all|changed``
grades given submissions again, all or those whose checks changed (``provenance.py``: the sidecar
``<out>.manifest.json`` records what produced each submission's rows). The feedback file of a submission is
``<out stem>_feedback/<learner>/<assignment>.txt`` (``gradebook.feedback_path``): score, every exercise with its
status and feedback, notes (course cells that could not run, ignored cells) and, after a crash, the tail of the
run's output. After the batch, ``copy`` flags near-copies among the answers given and of the course's own
implementation (``copies.py``; a flag for a human, the points stay). The terminal gets a progress bar (tqdm)
and one summary line per submission. ``--jobs N`` grades N submissions at once; ``--scheduler ADDRESS`` sends
each submission to a Dask cluster instead (``cluster.py``), into the same gradebook. An exception while
grading or recording one submission gives it ``error`` rows and the batch goes on. Exit code: 0 when every
submission was graded (whatever the scores), 1 when the grader itself failed on some submission (a course-side problem,
named in its rows), 2 for usage errors or when no sandbox can run at all.
"""
import os
import re
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from ..checks.core import Raised, Unsupported
from . import channel
from .gradebook import Gradebook, GradebookError, Row, atomic_write, escape_name, feedback_path, printable
from .judge import judge
from .notebook import InvalidSubmission, answer_problem, defined_names, job, load_assignment, read_submission
from .provenance import Manifest, Provenance
from .sandbox import MEMORY_MB, SandboxUnavailable, Workspace, hidden_objects

ROOT = Path(__file__).resolve().parent.parent.parent  # the course (exercises/ beside dlcourse/)
MAX_RUNS = 3
EXERCISE_TIMEOUT = 60.0  # seconds one exercise's cells may take; a correct answer needs a few at most
OUT_OF_MEMORY_EXIT = 3  # runner.py's exit code after a MemoryError in an answer cell
_MAKE = {"unsupported": Unsupported, "raised": Raised}
_SIGNALS = {4: "SIGILL (illegal instruction)", 6: "SIGABRT (aborted)", 7: "SIGBUS (bus error)",
            8: "SIGFPE (arithmetic error)", 9: "SIGKILL (killed, e.g. out of memory)",
            11: "SIGSEGV (segmentation fault)", 15: "SIGTERM", 24: "SIGXCPU (CPU time limit)",
            25: "SIGXFSZ (file size limit)"}


@dataclass
class Graded:
    submission: str
    rows: list
    report: str  # the feedback file's text
    summary: str  # one line for the terminal
    internal: bool = False  # the grader (not the submission) had a problem
    seconds: float = 0.0


@dataclass
class _Run:
    results: dict = field(default_factory=dict)  # exercise -> [(case, got, modified)]
    stopped: dict = field(default_factory=dict)  # exercise -> (status, feedback)
    answer_errors: dict = field(default_factory=dict)  # exercise -> text
    notes: list = field(default_factory=list)
    course_notes: list = field(default_factory=list)  # failed course cells: shown unless all passed
    noted: set = field(default_factory=set)  # course cells already in course_notes
    output: str = ""
    runs: int = 0
    internal: bool = False


def _stop_reason(outcome, timeout, exercise_timeout=None):
    """(status, why the sandbox stopped early) from an Outcome."""
    if outcome.over_budget:
        return "timeout", f"it ran longer than {exercise_timeout:g} s, the time limit of one exercise"
    if outcome.timed_out:
        return "timeout", f"it ran longer than {timeout:g} s, the time limit of a submission"
    if outcome.killed:
        return "error", f"the sandbox was stopped because {outcome.killed}"
    if outcome.out_of_memory:
        return "error", (f"it ran out of memory: its processes, shared memory and in-memory files together reached "
                         f"the sandbox's limit of {MEMORY_MB} MB")
    code = outcome.returncode
    if code == OUT_OF_MEMORY_EXIT:
        return "error", ("it ran out of memory (MemoryError in an answer cell; the rest of the run would have had too "
                         "little left)")
    signal_number = -code if code < 0 else code - 128 if code > 128 else None
    if signal_number in _SIGNALS:
        return "error", f"the process crashed with signal {_SIGNALS[signal_number]}"
    return "error", (f"the process ended early with exit code {code} (os._exit, sys.exit outside a cell, or "
                     f"a crash)")


class Grader:
    """Grades submissions against the pristine assignments in ``exercises_dir`` (trusted material)."""

    def __init__(self, exercises_dir=None, timeout=120.0, jobs=1, exercise_timeout=None):
        self.exercises_dir = Path(exercises_dir or ROOT / "exercises")
        self.available = {p.stem: p for p in sorted(self.exercises_dir.glob("*.ipynb"))}
        self.timeout, self.jobs = float(timeout), max(1, int(jobs))
        self.exercise_timeout = float(exercise_timeout) if exercise_timeout else None
        self.assignments, self.libraries = {}, {}
        self.workspace = None

    # ------------------------------------------------------------ set-up

    def match(self, submission, assignment=None):
        """The NN_slug a submission is graded against, or None."""
        if assignment:
            return assignment if assignment in self.available else None
        stem = Path(submission).stem
        if stem in self.available:
            return stem
        prefixed = [slug for slug in self.available if stem.startswith(slug)]
        return max(prefixed, key=len) if prefixed else None

    def load(self, slugs):
        """Load the pristine assignments ``slugs`` (their cases drawn from the seed); no sandbox yet."""
        for slug in slugs:
            if slug not in self.assignments:
                self.assignments[slug] = load_assignment(self.available[slug])

    def prepare(self, slugs):
        """Load the assignments, build their sanitized libraries, find the sandbox mode. Returns the Mode."""
        from ..checks import _load_all
        _load_all()
        self.load(slugs)
        self.workspace = self.workspace or Workspace(self.jobs)  # a cluster worker prepares again per assignment
        for slug in slugs:
            if slug in self.libraries:
                continue
            assignment = self.assignments[slug]
            hidden = hidden_objects([s.exercise for s in assignment.exercises if s.exercise is not None])
            self.libraries[slug] = self.workspace.library(slug, hidden)
        if not self.libraries:
            self.libraries[""] = self.workspace.library("", {})
        return self.workspace.mode or self.workspace.detect_mode(next(iter(self.libraries.values())))

    def close(self):
        if self.workspace is not None:
            self.workspace.kill_all()
            self.workspace.close()

    # ------------------------------------------------------------ one submission

    def grade(self, submission, slug, raw=None):
        """The Graded rows of one submission; ``raw``: its bytes when they were read elsewhere."""
        start = time.monotonic()
        if slug is None:
            known = ", ".join(f"{s}.ipynb" for s in self.available) or "none"
            row = Row(submission, "", 0, 0, "invalid",
                      f"cannot tell which assignment this is: the file name must be NN_slug.ipynb as downloaded "
                      f"(known: {known}), or grade it with --assignment NN_slug")
            return self._finish(submission, None, [row], _Run(), start)
        assignment = self.assignments[slug]
        try:
            found, other_cells = read_submission(submission, raw)
        except InvalidSubmission as error:
            rows = [Row(submission, s.name, 0, s.points, "invalid", str(error)) for s in assignment.exercises]
            return self._finish(submission, assignment, rows, _Run(), start)
        invalid = {s.name: answer_problem(s.name, found.get(s.name, [])) for s in assignment.exercises}
        invalid = {name: why for name, why in invalid.items() if why}
        answers = {name: found[name][0][1] for name in found if name in {s.name for s in assignment.exercises}
                   and name not in invalid}
        run = _Run()
        ignored = sorted(set(found) - {s.name for s in assignment.exercises})
        if ignored:
            run.notes.append("answer cells with grade_ids this assignment does not have were ignored: "
                             + ", ".join(ignored))
        pristine = {c["source"] for c in assignment.cells}
        outside = sorted(defined_names([c for c in other_cells if c not in pristine])
                         - defined_names(pristine) - defined_names(answers.values()))
        if outside:
            run.notes.append("only the answer cells of a submission are graded; cells you added or changed are not "
                             f"run. They define: {', '.join(outside[:20])}")
        runnable = [s.name for s in assignment.exercises if s.exercise is not None and not s.problem
                    and s.name not in invalid]
        if runnable:
            self._execute(assignment, answers, set(invalid), runnable, run)
        rows = []
        for spec in assignment.exercises:
            if spec.problem or spec.exercise is None:
                run.internal = True
                rows.append(Row(submission, spec.name, 0, spec.points, "error", spec.problem))
            elif spec.name in invalid:
                rows.append(Row(submission, spec.name, 0, spec.points, "invalid", invalid[spec.name]))
            elif spec.name in run.stopped:
                status, why = run.stopped[spec.name]
                rows.append(Row(submission, spec.name, 0, spec.points, status, why))
            else:
                passed, feedback = judge(spec.exercise, run.results[spec.name])
                raised = run.answer_errors.get(spec.name)
                if passed:
                    note = (f"\n(note: your answer cell raised {raised}; the functions it defined are right)"
                            if raised else "")
                    rows.append(Row(submission, spec.name, spec.points, spec.points, "passed", feedback + note))
                elif raised:
                    rows.append(Row(submission, spec.name, 0, spec.points, "error",
                                    f"{spec.name}: your answer cell raised {raised}\n{feedback}"))
                else:
                    missing = [n for n in outside if f"NameError: name '{n}' is not defined" in feedback]
                    if missing:
                        feedback += (f"\n  note: {', '.join(missing)} is defined in a cell that is not an answer cell; "
                                     "only answer cells are graded, so put it inside the answer cell")
                    rows.append(Row(submission, spec.name, 0, spec.points, "failed", feedback))
        return self._finish(submission, assignment, rows, run, start)

    def _execute(self, assignment, answers, invalid, runnable, run):
        """Run the sandbox (again after a crash, without the offending answer) until every runnable exercise
        has results or a stop reason."""
        library = self.libraries[assignment.slug]
        stubbed = set(invalid)
        last_stop = None
        for attempt in range(MAX_RUNS):
            job_spec = job(assignment, answers, stubbed, skip=set(run.results) | set(run.stopped) | set(invalid))
            outcome = self.workspace.run(library, job_spec, self.timeout, self.exercise_timeout)
            run.runs += 1
            done, last_cell = False, -1
            for record in outcome.records:
                event = record.get("event")
                index = record.get("index")
                known_cell = type(index) is int and 0 <= index < len(assignment.cells)
                if event == "done":
                    done = True
                elif event == "cell" and known_cell:
                    last_cell = max(last_cell, index)
                elif event == "cell_error" and known_cell:
                    self._cell_error(assignment, record, stubbed, run)
                elif event == "result":
                    self._result(assignment, record, runnable, run)
            missing = [n for n in runnable if n not in run.results and n not in run.stopped]
            if not missing:
                return
            if done and outcome.returncode == 0 and not outcome.timed_out and not outcome.killed:
                for name in missing:
                    run.stopped[name] = ("error", f"{name}: no result came back from the sandbox for this exercise "
                                                  "(did the answer interfere with the grading run?)")
                return
            status, reason = _stop_reason(outcome, self.timeout, self.exercise_timeout)
            run.output = run.output or outcome.output  # the first run that stopped early tells most
            answers_before = [c["exercise"] for c in assignment.cells[:last_cell + 1]
                              if c["kind"] == "answer" and c["exercise"] in runnable]
            culprit = outcome.over_budget if outcome.over_budget in runnable else next(
                (name for name in reversed(answers_before) if name not in stubbed), None)
            if culprit is None:
                run.internal = run.internal or not answers_before
                for name in missing:
                    run.stopped[name] = (status, f"{name}: the grading run stopped before your answer could run: "
                                                 f"{reason}")
                return
            if culprit not in run.results:
                run.stopped[culprit] = (status, f"{culprit}: the grading run stopped while running your answer to "
                                                f"this exercise: {reason}")
            stubbed.add(culprit)
            last_stop = (status, culprit, reason)
        for name in runnable:
            if name not in run.results and name not in run.stopped and last_stop:
                status, culprit, reason = last_stop
                run.stopped[name] = (status, f"{name}: not reached: the grading run stopped {MAX_RUNS} times, the "
                                             f"last time in the answer to {culprit} ({reason})")

    def _cell_error(self, assignment, record, stubbed, run):
        cell = assignment.cells[record["index"]]
        error = record.get("error")
        error = error[:2000] if isinstance(error, str) else "an error"
        line = record.get("line")
        where = f" (line {line})" if type(line) is int else ""
        if cell["kind"] == "answer" and cell["exercise"] not in stubbed:
            run.answer_errors.setdefault(cell["exercise"], f"{error}{where}")
        elif cell["kind"] == "code" and record["index"] not in run.noted:
            run.noted.add(record["index"])
            run.course_notes.append(f"cell {cell['number']} of the course notebook could not run in the sandbox "
                             f"({error}{where}); harmless unless your answers need it")

    def _result(self, assignment, record, runnable, run):
        name = record.get("exercise")
        if name not in runnable or name in run.results or name in run.stopped:
            return
        spec = assignment.spec(name)
        items = record.get("results")
        try:
            if type(items) is not list or len(items) != len(spec.cases):
                raise channel.ChannelError(f"{len(items) if type(items) is list else 'no'} outputs for "
                                           f"{len(spec.cases)} cases")
            outputs = []
            for case, item in zip(spec.cases, items):
                if type(item) is not dict or type(item.get("modified")) is not bool or "out" not in item:
                    raise channel.ChannelError("an output record without 'out' and 'modified'")
                outputs.append((case, channel.decode(item["out"], channel.OUTPUT_TAGS, _MAKE), item["modified"]))
        except channel.ChannelError as error:
            run.stopped[name] = ("error", f"{name}: the sandbox sent malformed results for this exercise ({error})")
            return
        run.results[name] = outputs

    # ------------------------------------------------------------ reporting

    def _finish(self, submission, assignment, rows, run, start):
        seconds = time.monotonic() - start
        score, total = sum(float(r.points) for r in rows), sum(float(r.max_points) for r in rows)
        lines = [f"Feedback for {escape_name(submission)}",
                 f"assignment: {assignment.slug if assignment else '(unknown)'}    score: {score:g}/{total:g}",
                 ""]
        width = max([len(r.exercise) for r in rows] + [8])
        for row in rows:
            mark = "✓" if row.status == "passed" else "✗"
            lines.append(f"{mark} {row.exercise or '(submission)':<{width}}  {row.status:<8} "
                         f"{float(row.points):g}/{float(row.max_points):g}")
            if row.status != "passed":
                lines += [f"      {line}" for line in row.feedback.splitlines()]
        notes = run.notes + (run.course_notes if any(r.status != "passed" for r in rows) else [])
        if notes:
            lines += ["", "Notes:"] + [f"  - {note}" for note in notes]
        if any(r.status in ("error", "timeout") for r in rows) and run.output.strip():
            tail = run.output.strip()[-3000:]
            lines += ["", "The last output of the grading run:"] + [f"  | {line}" for line in tail.splitlines()]
        mode = self.workspace.mode.name if self.workspace and self.workspace.mode else "-"
        lines += ["", f"(graded in {seconds:.1f} s, {run.runs} sandbox run(s), sandbox: {mode})", ""]
        bad = [f"{r.exercise or 'submission'} {r.status}" for r in rows if r.status != "passed"]
        summary = (f"{escape_name(submission)}: {score:g}/{total:g} points, "
                   + (", ".join(bad) if bad else "all passed") + f" ({seconds:.1f} s)")
        return Graded(submission, rows, "\n".join(lines), summary, run.internal, seconds)


class Regrade(str, Enum):
    """Which submissions already in the gradebook ``--regrade`` grades again."""
    ALL = "all"
    CHANGED = "changed"  # those whose checks, pristine notebook or seed changed (see provenance.py)


@dataclass(frozen=True)
class _Batch:
    """Where one run of ``grade`` writes: the gradebook, its manifest, the feedback files."""
    out: Path
    gradebook: Gradebook
    manifest: Manifest
    provenance: Provenance
    identities: dict  # submission -> (learner, NN_slug or "")
    shared: frozenset  # (learner, assignment) pairs with more than one submission: hashed feedback names
    say: object

    def feedback_path(self, submission):
        learner, slug = self.identities[submission]
        return feedback_path(self.out, submission, learner, slug, (learner, slug) in self.shared)


def _learner_pattern(text):
    """The compiled ``--learner-pattern``; ValueError with what to write when it is unusable."""
    try:
        pattern = re.compile(text)
    except re.error as error:
        raise ValueError(f"--learner-pattern {text!r} is not a regular expression ({error})") from None
    if "learner" not in pattern.groupindex:
        raise ValueError(f"--learner-pattern {text!r} has no named group 'learner': write it like "
                         "'submissions/(?P<learner>[^/]+)/'")
    return pattern


def _to_regrade(unique, gradebook, manifest, provenance, slugs, regrade, say):
    """The submissions already in the gradebook that ``regrade`` grades again, each said with why."""
    graded = [s for s in unique if gradebook.graded(s)]
    if regrade is Regrade.ALL:
        return graded
    chosen = []
    for submission in graded:
        recorded = manifest.get(submission)
        changes = provenance.changes(recorded, slugs[submission] or "")
        drift = provenance.drift(recorded)
        if changes:
            chosen.append(submission)
            rows = "every row" if "" in changes else "rows " + ", ".join(changes)
            why = "; ".join(dict.fromkeys(changes.values()))
            say(printable(f"regrade {escape_name(submission)}: {rows}: {why}" + (f" ({drift})" if drift else "")))
        elif drift:
            say(printable(f"kept {escape_name(submission)}: its checks are unchanged although {drift}"))
    return chosen


def grade(submissions, out, jobs=1, timeout=120.0, assignment=None, exercises_dir=None, progress=True,
          print_line=None, learner_pattern=None, regrade=None, exercise_timeout=EXERCISE_TIMEOUT, scheduler=None,
          cluster=None):
    """Grade ``submissions`` into the gradebook ``out``; the exit code (see the module docstring).
    ``learner_pattern``: a regular expression with a named group ``learner`` (else the submission's folder);
    ``regrade``: None, "all" or "changed" (submissions already in the gradebook to grade again);
    ``scheduler``: the address of a Dask scheduler to grade on (``cluster.py``) instead of this machine;
    ``cluster``: a preset (``local:4``, ``ssh:a,b``, ``slurm:8``, ``pbs:8``) for a cluster started for this run."""
    from tqdm.auto import tqdm

    from ..report import learner_and_assignment

    def say(text):
        (print_line or (lambda t: tqdm.write(t, file=sys.stderr)))(text)

    if os.name == "nt":
        say("grade: grading needs Linux (best, with bubblewrap) or macOS; on Windows use WSL2")
        return 2
    if jobs < 1 or timeout <= 0 or (exercise_timeout is not None and exercise_timeout <= 0):
        say("grade: --jobs must be at least 1, --timeout and --exercise-timeout positive")
        return 2
    try:
        pattern = _learner_pattern(learner_pattern) if learner_pattern else None
        regrade = Regrade(regrade) if regrade else None
    except ValueError as error:
        say(f"grade: {error}")
        return 2
    grader = Grader(exercises_dir, timeout, jobs, exercise_timeout)
    if assignment and assignment not in grader.available:
        say(f"grade: no assignment {assignment!r} in {grader.exercises_dir} "
            f"(known: {', '.join(grader.available) or 'none'})")
        return 2
    known = list(grader.available)
    try:  # an older gradebook's rows get their learner and assignment as the report would derive them
        gradebook = Gradebook(out, identify=lambda s: learner_and_assignment(s, pattern, known))
    except GradebookError as error:
        say(f"grade: {error}")
        return 2
    manifest = Manifest(out)
    unique = list(dict.fromkeys(str(s) for s in submissions))
    gradebook.set_order(unique)
    slugs = {s: grader.match(s, assignment) for s in unique}
    identities = {s: (learner_and_assignment(s, pattern, known)[0], slugs[s] or "") for s in unique}
    todo = [s for s in unique if not gradebook.graded(s)]
    try:
        grader.load(sorted({slugs[s] for s in (unique if regrade else todo) if slugs[s]}))
    except Exception as error:  # a broken pristine notebook: nothing can be graded against it
        say(f"grade: cannot load the assignments ({type(error).__name__}: {error})")
        return 2
    provenance = Provenance.current(ROOT, {slug: (grader.available[slug], grader.assignments[slug])
                                           for slug in grader.assignments})
    again = _to_regrade(unique, gradebook, manifest, provenance, slugs, regrade, say) if regrade else []
    skipped = len(unique) - len(todo) - len(again)
    if skipped:
        say(f"{skipped} submission(s) already in {out}: skipped (--regrade all or --regrade changed grades them "
            "again)")
    chosen = set(todo) | set(again)
    todo = [s for s in unique if s in chosen]
    if gradebook.migrated:
        say(f"{out}: an older gradebook; its rows get the learner and assignment columns")
    if not todo:
        gradebook.save()
        return 0
    pairs = [(learner, slug) for learner, slug in identities.values()]
    pairs += [(fields[1], fields[2]) for name, rows in gradebook.rows.items() if name not in
              {escape_name(s) for s in unique} for fields in rows[:1]]
    shared = frozenset(pair for pair, count in Counter(pairs).items() if count > 1)
    batch = _Batch(Path(out), gradebook, manifest, provenance, identities, shared, say)
    if scheduler or cluster:
        code = _grade_on_cluster(scheduler, grader, todo, slugs, batch, progress, preset=cluster)
        if code in (0, 1):
            _flag_copies(grader, unique, slugs, gradebook, say)
        return code
    try:
        mode = grader.prepare(sorted({slugs[s] for s in todo if slugs[s]}))
    except SandboxUnavailable as error:
        grader.close()
        say(f"grade: {error}")
        return 2
    say(f"sandbox: {mode.name}; {len(todo)} submission(s), {jobs} at a time, {timeout:g} s each"
        + (f" and {exercise_timeout:g} s per exercise" if exercise_timeout and exercise_timeout < timeout else "")
        + "; hidden cases from "
        + ("DLCOURSE_GRADER_SEED" if os.environ.get("DLCOURSE_GRADER_SEED") else
           "the default seed (set DLCOURSE_GRADER_SEED to a secret of your own when learners can read the course's "
           "source)") + f" (fingerprint {provenance.seed}); course {provenance.course}")
    for warning in mode.warnings:
        say(f"WARNING: {warning}")
    internal = False
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress, file=sys.stderr)
    executor = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {executor.submit(_grade_safely, grader, s, slugs[s]): s for s in todo}
        for future in as_completed(futures):
            internal = _record(future.result(), batch) or internal
            bar.update(1)
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)
        grader.close()
        bar.close()
        say(f"interrupted: the rows written to {out} are complete; run the same command again to continue")
        return 130
    executor.shutdown(wait=True)
    bar.close()
    grader.close()
    _flag_copies(grader, unique, slugs, gradebook, say)
    return 1 if internal else 0


def _flag_copies(grader, submissions, slugs, gradebook, say):
    """Fill the ``copy`` column of the rows of ``submissions`` (copies.py: near-copies of each other or of the
    course's own implementation) and list the flags; the points are not touched."""
    try:
        _find_copies(grader, submissions, slugs, gradebook, say)
    except Exception as error:  # a flag for a human: its failure must not cost the grades already written
        say(f"grade: copy detection failed ({type(error).__name__}: {error}); the grades are complete")


def _find_copies(grader, submissions, slugs, gradebook, say):
    import nbformat

    from ..builder import answer_cells
    from . import copies
    graded = [s for s in submissions if slugs[s] and gradebook.graded(s)]
    grader.load(sorted({slugs[s] for s in graded}))
    answers, course, stubs = defaultdict(dict), {}, {}
    for slug in sorted({slugs[s] for s in graded}):
        solution = ROOT / "solutions" / f"{slug}.ipynb"
        solved = answer_cells(nbformat.read(str(solution), as_version=4)) if solution.is_file() else {}
        pristine = {c["exercise"]: c["source"] for c in grader.assignments[slug].cells if c["kind"] == "answer"}
        for spec in grader.assignments[slug].exercises:
            stubs[(slug, spec.name)] = pristine.get(spec.name, "")
            course[(slug, spec.name)] = copies.course_sources(spec.exercise, solved.get(spec.name, ""))
    for submission in graded:
        try:
            found, _ = read_submission(submission)
        except InvalidSubmission:
            continue
        for spec in grader.assignments[slugs[submission]].exercises:
            cells = found.get(spec.name, [])
            if len(cells) == 1 and cells[0][0] == "code":
                answers[(slugs[submission], spec.name)][submission] = cells[0][1]
    flags = copies.near_copies(answers, course, stubs)
    texts = defaultdict(dict)
    for flag in flags:
        texts[flag.submission][flag.exercise[1]] = flag.text()
    for submission in graded:
        gradebook.flag_copies(submission, texts.get(submission, {}))
    gradebook.save()
    if flags:
        say(f"{len(flags)} answer(s) look like near-copies (column copy of {gradebook.path.name}; a reason to look, "
            "never a verdict):")
        for flag in flags:
            say(printable(f"  {escape_name(flag.submission)} {flag.exercise[1]}: {escape_name(flag.text())}"))


def _grade_on_cluster(scheduler, grader, todo, slugs, batch, progress, preset=None):
    """The submissions ``todo`` graded on the Dask cluster at ``scheduler``, or on one started from ``preset``
    for this run and stopped after it; the exit code."""
    from tqdm.auto import tqdm

    from . import cluster
    started = None
    try:
        if preset:
            started = cluster.start_cluster(preset)
            scheduler = started.scheduler_address
        client = cluster.connect(scheduler)
    except cluster.ClusterUnavailable as error:
        if started is not None:
            started.close()
        grader.close()
        batch.say(f"grade: {error}")
        return 2
    if started is not None:
        client.wait_for_workers(1, timeout=600)
    workers = len(client.scheduler_info().get("workers", {}))
    started_by = f" (--cluster {preset})" if preset else ""
    batch.say(f"Dask scheduler {scheduler}{started_by}: {workers} worker(s) now; {len(todo)} submission(s), "
              f"{grader.timeout:g} s each; hidden cases from the workers' DLCOURSE_GRADER_SEED (this machine's "
              f"fingerprint {batch.provenance.seed}); course {batch.provenance.course}")
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress, file=sys.stderr)

    def record(graded, manifest_record):
        bar.update(1)
        return _record(graded, batch, manifest_record)

    try:
        internal = cluster.grade_on_cluster(client, grader, todo, slugs, batch.provenance, record)
    except KeyboardInterrupt:
        batch.say(f"interrupted: the rows written to {batch.out} are complete; run the same command again to "
                  "continue")
        return 130
    finally:
        bar.close()
        client.close()
        if started is not None:
            started.close()
        grader.close()
    return 1 if internal else 0


def _record(graded, batch, manifest_record=None):
    """Write one submission's feedback file, manifest record and rows, and print its summary; True when the
    grader had a problem. A failure here (a name the file system or the CSV cannot take, a full disk) costs
    this submission an ``error`` row, never the rest of the batch."""
    learner, slug = batch.identities[graded.submission]
    identified = [replace(row, learner=learner, assignment=slug) for row in graded.rows]
    try:
        atomic_write(batch.feedback_path(graded.submission), printable(graded.report))
        # before the rows: a row always has its record
        batch.manifest.set(graded.submission, manifest_record or batch.provenance.record(slug))
        batch.gradebook.add(graded.submission, identified)
        batch.say(printable(graded.summary))
        return graded.internal
    except Exception as error:  # the grader's own failure: reported in the rows, exit code 1
        message = (f"internal grader error while recording the grades of this submission ({type(error).__name__}: "
                   f"{error}); please report it")
        rows = [replace(r, points=0, status="error", feedback=message) for r in identified]
        try:
            batch.gradebook.add(graded.submission,
                                rows or [Row(graded.submission, "", 0, 0, "error", message, learner, slug)])
        except Exception as second:  # e.g. the disk is full: said here, the next submission tries again
            batch.say(printable(f"grade: could not write the rows of {escape_name(graded.submission)}: {second}"))
        batch.say(printable(f"{escape_name(graded.submission)}: {message}"))
        return True


def _grade_safely(grader, submission, slug, raw=None):
    """grade(), with a bug of the grader itself turned into error rows instead of a lost batch."""
    try:
        return grader.grade(submission, slug, raw)
    except Exception as error:  # the grader's own failure: reported as such, exit code 1
        import traceback
        return internal_error(grader, submission, slug, f"{type(error).__name__}: {error}", traceback.format_exc())


def internal_error(grader, submission, slug, what, details=""):
    """A Graded whose every row is ``error`` because the grader (not the submission) failed on it."""
    assignment = grader.assignments.get(slug)
    names = [s.name for s in assignment.exercises] if assignment else [""]
    message = f"internal grader error ({what}); please report it"
    rows = [Row(submission, name, 0, 0 if not assignment else assignment.spec(name).points, "error", message)
            for name in names]
    return Graded(submission, rows, message + "\n\n" + details, f"{escape_name(submission)}: {message}", True)


def main(args):
    """Entry point of ``python -m dlcourse grade`` (args from dlcourse.__main__); returns the exit code."""
    return grade(args.submissions, args.out, jobs=args.jobs, timeout=args.timeout, assignment=args.assignment,
                 learner_pattern=args.learner_pattern, regrade=args.regrade, exercise_timeout=args.exercise_timeout,
                 scheduler=args.scheduler, cluster=getattr(args, "cluster", None))
