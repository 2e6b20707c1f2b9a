"""The grader (`python -m dlcourse grade`): learners cannot fool it, correct work always gets full marks.

Submissions are built from the real course notebooks: a correct one is exercises/NN_slug.ipynb with the
answer cells of solutions/NN_slug.ipynb put in; the attacks (tests/grader_attacks) change one thing in a
correct lecture-01 submission. The sandbox tests need bubblewrap and are skipped with a message without it.
"""
import copy
import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.builder import answer_cells
from dlcourse.checks import exercises, get
from dlcourse.checks.core import Fn, Raised, Rng, Unsupported
from dlcourse.grader import channel
from dlcourse.grader.gradebook import HEADER, OLD_HEADER, Gradebook, Row, escape_name, feedback_dir, feedback_path
from dlcourse.grader.judge import judge
from dlcourse.grader.notebook import seed_for
from dlcourse.grader.sandbox import build_library, hidden_objects
from dlcourse.notebooks import exercises_in, nbgrader, read
from tests.grader_attacks import ATTACKS, EXERCISES, Fifo, Symlink, SymlinkedFolder

ROOT = Path(__file__).resolve().parent.parent
SLUG = "01_loss_functions"
HAVE_LECTURE_01 = (ROOT / "solutions" / f"{SLUG}.ipynb").exists() and (ROOT / "exercises" / f"{SLUG}.ipynb").exists()
needs_lecture_01 = pytest.mark.skipif(not HAVE_LECTURE_01, reason="solutions/ and exercises/01_loss_functions.ipynb "
                                      "are not there yet")


def _bwrap_works():
    path = shutil.which("bwrap")
    if not path:
        return False
    command = [path, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"]
    if os.geteuid() != 0:
        command.insert(1, "--unshare-user")
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


BWRAP = _bwrap_works()
needs_bwrap = pytest.mark.skipif(not BWRAP, reason="bubblewrap (bwrap) is missing or cannot create namespaces here; "
                                 "the sandbox tests need it (Debian/Ubuntu: apt-get install bubblewrap; .ci/run "
                                 "installs it; see `python -m dlcourse doctor`)")


# ---------------------------------------------------------------- helpers

def correct_submission(slug):
    """exercises/<slug>.ipynb with the answer cells of solutions/<slug>.ipynb, by grade_id."""
    answers = answer_cells(read(ROOT / "solutions" / f"{slug}.ipynb"))
    nb = read(ROOT / "exercises" / f"{slug}.ipynb")
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = answers[nbgrader(cell)["grade_id"]]
    return nb


def write(path, content):
    if isinstance(content, SymlinkedFolder):
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(content.target, path.parent)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Symlink):
        os.symlink(content.target, path)
    elif isinstance(content, Fifo):
        os.mkfifo(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        nbformat.write(content, str(path))
    return path


def grade(paths, out, *options, env=None, timeout=600, cwd=ROOT):
    environment = dict(os.environ, **(env or {}))
    command = [sys.executable, "-m", "dlcourse", "grade", *map(str, paths), "--out", str(out), *options]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
                          errors="surrogateescape")


def rows_of(out):
    """{escape_name(submission): {exercise: row}}, read as a resumed batch reads the gradebook."""
    with open(out, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == HEADER
    table = {}
    for submission, rows in Gradebook(out).rows.items():
        for _, learner, assignment, exercise, points, max_points, status, feedback, copy_flag in rows:
            table.setdefault(submission, {})[exercise] = {
                "points": float(points), "max_points": float(max_points), "status": status, "feedback": feedback,
                "learner": learner, "assignment": assignment, "copy": copy_flag}
    return table


def feedback_file(out, submission):
    """The one feedback file beside ``out`` that is about ``submission`` (its first line names it)."""
    first = f"Feedback for {escape_name(str(submission))}\n"
    found = [p for p in feedback_dir(out).rglob("*.txt") if p.read_text(encoding="utf-8").startswith(first)]
    assert len(found) == 1, (submission, found)
    return found[0]


def points_of(slug):
    return {name: points for name, _, _, points in exercises_in(read(ROOT / "exercises" / f"{slug}.ipynb"))}


def processes_with(text):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if text.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


class Listener:
    """A helper on 127.0.0.1 that would hand out the right softmax: any connection counts as a breach."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        reference = get("softmax").reference["softmax"]
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            with connection:
                line = connection.makefile().readline()
                connection.sendall((json.dumps(reference(np.array(json.loads(line))).tolist()) + "\n").encode())

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.server.close()


# ---------------------------------------------------------------- the adversarial batch

ATTACK_TIMEOUT = 20


@pytest.fixture(scope="module")
def attack_batch(tmp_path_factory):
    if not (HAVE_LECTURE_01 and BWRAP):
        pytest.skip("needs lecture 01 and bubblewrap")
    base = tmp_path_factory.mktemp("attacks")
    folder = base / "submissions"  # the grader runs here, so the paths given are relative, as an instructor types them
    correct = correct_submission(SLUG)
    controls = [str(write(folder / f"control_{i}" / f"{SLUG}.ipynb", correct).relative_to(folder)) for i in range(6)]
    canary = base / "canary"
    canary.mkdir()
    listener = Listener()
    public_shapes = sorted({np.shape(case.args[0]) for case in get("softmax").public})
    ctx = {"solutions": str(ROOT / "solutions" / f"{SLUG}.ipynb"), "solutions_dir": str(ROOT / "solutions"),
           "peer": str((folder / controls[0]).resolve()),
           "gradebook": str((base / "grades.csv").resolve()), "canary": str(canary.resolve()), "root": str(ROOT),
           "port": listener.port, "marker": f"dlcourse-detached-{uuid.uuid4().hex}", "public_shapes": public_shapes}
    paths = {}  # attack name -> the path as given on the command line
    for attack in ATTACKS:
        name = os.fsdecode(attack.filename)
        given = f"{attack.name}/{name}" if attack.folder else name
        write(folder / given, attack.build(correct, ctx))
        paths[attack.name] = given
    helper = copy.deepcopy(correct)  # not an attack: a learner's helper in a cell of their own
    answer_cell = next(c for c in helper.cells if nbgrader(c).get("grade_id") == "softmax")
    answer_cell.source = "def softmax(x):\n    return _stable_softmax(x)\n"
    helper.cells.insert(helper.cells.index(answer_cell), nbformat.v4.new_code_cell(
        "def _stable_softmax(x):\n    e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
        "    return e / e.sum(axis=-1, keepdims=True)"))
    paths["helper_outside"] = str(write(folder / "helper_outside" / f"{SLUG}.ipynb", helper).relative_to(folder))
    order = []
    for i, attack in enumerate(ATTACKS):  # correct submissions among the attacks
        order.append(paths[attack.name])
        if i % 10 == 4:
            order.append(controls[i // 10])
    order += [c for c in controls if c not in order] + [paths["helper_outside"]]
    checks_before = (ROOT / "dlcourse" / "checks" / "__init__.py").read_bytes()
    started = time.monotonic()
    try:
        result = grade(order, base / "grades.csv", "--jobs", "2", "--timeout", str(ATTACK_TIMEOUT), cwd=folder)
    finally:
        listener.close()
    seconds = time.monotonic() - started
    survivors = processes_with(ctx["marker"])
    for pid in survivors:  # leave no mess behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    rows = rows_of(base / "grades.csv")
    return {"result": result, "rows": {path: rows.get(escape_name(path)) for path in order}, "paths": paths,
            "controls": controls,
            "ctx": ctx, "listener": listener, "survivors": survivors, "base": base, "seconds": seconds,
            "checks_unchanged": checks_before == (ROOT / "dlcourse" / "checks" / "__init__.py").read_bytes()}


@needs_bwrap
@needs_lecture_01
def test_there_are_enough_attacks():
    assert len(ATTACKS) >= 20
    assert [name for name, *_ in exercises_in(read(ROOT / "exercises" / f"{SLUG}.ipynb"))] == list(EXERCISES)


@needs_bwrap
@needs_lecture_01
@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_scores_nothing(attack_batch, attack):
    rows = attack_batch["rows"][attack_batch["paths"][attack.name]]
    points = points_of(SLUG)
    if attack.target == "":
        assert list(rows) == [""]
        assert rows[""]["status"] in attack.statuses and rows[""]["points"] == 0
        return
    assert list(rows) == list(points), "one row per exercise, always"
    for name, row in rows.items():
        assert row["max_points"] == points[name], "max_points come from the pristine notebook"
        if attack.target in ("*", name):
            assert row["points"] == 0 and row["status"] in attack.statuses, (name, row)
            assert row["feedback"].strip()
        elif attack.others:
            assert row["status"] == attack.others, (name, row)
            assert row["points"] == (points[name] if attack.others == "passed" else 0)


@needs_bwrap
@needs_lecture_01
def test_correct_submissions_in_the_attack_batch_get_full_marks(attack_batch):
    points = points_of(SLUG)
    assert attack_batch["result"].returncode == 0, attack_batch["result"].stderr[-3000:]
    for control in attack_batch["controls"]:
        rows = attack_batch["rows"][control]
        assert {n: (r["status"], r["points"]) for n, r in rows.items()} == {n: ("passed", p) for n, p in points.items()}


@needs_bwrap
@needs_lecture_01
def test_attacks_leave_no_trace_outside_the_sandbox(attack_batch):
    base, ctx = attack_batch["base"], attack_batch["ctx"]
    assert list(Path(ctx["canary"]).iterdir()) == [], "a file was written outside the sandbox (or a pickle was loaded)"
    assert attack_batch["listener"].connections == 0, "the sandbox reached 127.0.0.1 of the host"
    assert attack_batch["survivors"] == [], "a detached process outlived its sandbox"
    assert not (ROOT / "solutions" / "hacked.txt").exists()
    assert attack_batch["checks_unchanged"]
    assert "hacked" not in (base / "grades.csv").read_text(encoding="utf-8")


@needs_bwrap
@needs_lecture_01
def test_every_submission_gets_a_summary_line_and_a_feedback_file(attack_batch):
    stderr = attack_batch["result"].stderr
    for path in list(attack_batch["paths"].values()) + attack_batch["controls"]:
        assert f"{escape_name(path)}: " in stderr
        report = feedback_file(attack_batch["base"] / "grades.csv", path)
        assert report.stat().st_size < 100_000, "megabytes of output must not reach the feedback"
    assert "grading" in stderr  # the progress bar


@needs_bwrap
@needs_lecture_01
def test_hidden_cases_expected_values_are_never_shown(attack_batch):
    """The public_only submission passes the public cases and fails the hidden ones."""
    path = str(attack_batch["paths"]["public_only"])
    feedback = attack_batch["rows"][path]["softmax"]["feedback"]
    feedback += feedback_file(attack_batch["base"] / "grades.csv", path).read_text(encoding="utf-8")
    exercise = get("softmax")
    hidden = exercise.hidden_cases(seed_for("softmax"))
    assert "hidden case" in feedback
    for case in hidden:
        for value in np.ravel(exercise.expected(case)):
            if len(f"{value:.6g}".strip("-0.")) >= 4:  # distinctive digits, not 1 or 0.5
                assert f"{value:.6g}" not in feedback, value
    assert "expected:" not in feedback


@needs_bwrap
@needs_lecture_01
def test_timeouts_and_crashes_do_not_cost_the_other_exercises(attack_batch):
    for name in ("infinite_loop", "ignore_sigterm", "fork_bomb", "os_exit", "segfault"):
        rows = attack_batch["rows"][attack_batch["paths"][name]]
        assert [r["status"] for n, r in rows.items() if n != "softmax"] == ["passed"] * 3, name
    feedback = attack_batch["rows"][attack_batch["paths"]["infinite_loop"]]["softmax"]["feedback"]
    assert f"longer than {ATTACK_TIMEOUT} s" in feedback
    assert "segmentation fault" in attack_batch["rows"][attack_batch["paths"]["segfault"]]["softmax"]["feedback"]
    assert "processes" in attack_batch["rows"][attack_batch["paths"]["fork_bomb"]]["softmax"]["feedback"]


@needs_bwrap
@needs_lecture_01
def test_a_helper_outside_the_answer_cells_is_named_in_the_feedback(attack_batch):
    path = attack_batch["paths"]["helper_outside"]
    rows = attack_batch["rows"][str(path)]
    assert rows["softmax"]["status"] == "failed"
    assert "_stable_softmax is defined in a cell that is not an answer cell" in rows["softmax"]["feedback"]
    report = feedback_file(attack_batch["base"] / "grades.csv", path).read_text(encoding="utf-8")
    assert "cells you added or changed are not run. They define: _stable_softmax" in report


@needs_bwrap
@needs_lecture_01
def test_names_from_learners_cannot_inject_formulas_or_terminal_escapes(attack_batch):
    base, paths = attack_batch["base"], attack_batch["paths"]
    text = (base / "grades.csv").read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(text.splitlines()) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], "a cell a spreadsheet would evaluate"
    assert "'=HYPERLINK(" in text
    assert "\x1b" not in text and "\x1b" not in attack_batch["result"].stderr
    assert escape_name(paths["escape_name"]).startswith("escape_name/01_loss_functions\\x1b[2K\\x0d\\x1b[1A")
    for name in ("escape_name", "latin1_name", "formula_name"):
        report = feedback_file(base / "grades.csv", paths[name]).read_text(encoding="utf-8")
        assert "\x1b" not in report and "\r" not in report and escape_name(paths[name]) in report
    assert "latin1_name/01_loss_functions-caf\\xe9.ipynb" in text, "the byte that is not UTF-8 stays visible"


@needs_bwrap
@needs_lecture_01
def test_the_holes_of_issue_13_are_closed_for_the_reasons_given(attack_batch):
    def feedback(name, exercise="softmax"):
        return attack_batch["rows"][attack_batch["paths"][name]][exercise]["feedback"]

    assert "out of memory" in feedback("memfd_memory")
    assert "out of memory" in feedback("memory_bomb_cell")
    assert "symbolic link" in feedback("symlink_to_solutions")
    assert "FIFO" in feedback("fifo")
    assert "is a symbolic link" in feedback("symlinked_folder")
    assert f"longer than {ATTACK_TIMEOUT} s" in feedback("slow_transform")
    assert "cannot tell which assignment" in feedback("formula_name", "")
    assert attack_batch["seconds"] < 900, "the batch finishes in time, with rows for every submission"
    stderr = attack_batch["result"].stderr
    assert "bubblewrap, seccomp, own uid per run" in stderr or os.geteuid() != 0
    assert "cgroup v" in stderr or "NO cgroup memory and task limit" in stderr, "the cgroup in force is named"


# ---------------------------------------------------------------- many correct submissions, every lecture

@needs_bwrap
@needs_lecture_01
def test_fifty_correct_submissions_with_two_jobs_get_full_marks(tmp_path, capsys):
    slugs = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb") if (ROOT / "exercises" / p.name).exists())
    notebooks = {slug: correct_submission(slug) for slug in slugs}
    paths = [write(tmp_path / f"learner_{i:02d}" / f"{slugs[i % len(slugs)]}.ipynb", notebooks[slugs[i % len(slugs)]])
             for i in range(50)]
    started = time.monotonic()
    result = grade(paths, tmp_path / "grades.csv", "--jobs", "2")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    rows = rows_of(tmp_path / "grades.csv")
    for i, path in enumerate(paths):
        slug = slugs[i % len(slugs)]
        expected = {name: ("passed", points) for name, points in points_of(slug).items()}
        assert {n: (r["status"], r["points"]) for n, r in rows[str(path)].items()} == expected, rows[str(path)]
    with capsys.disabled():
        print(f"\n[grader] 50 correct submissions ({', '.join(slugs)}) with --jobs 2: {seconds:.1f} s, "
              f"{seconds / 50:.2f} s per submission")


# ---------------------------------------------------------------- resume and atomic CSV

def _snapshot_is_whole(text, n_exercises):
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return True
    counts = {}
    for row in rows[1:]:
        counts[row[0]] = counts.get(row[0], 0) + 1
    return rows[0] == HEADER and all(len(r) == len(HEADER) for r in rows) and set(counts.values()) <= {n_exercises}


@needs_bwrap
@needs_lecture_01
def test_an_interrupted_batch_resumes_without_losing_a_row(tmp_path):
    correct = correct_submission(SLUG)
    paths = [write(tmp_path / f"s{i}" / f"{SLUG}.ipynb", correct) for i in range(5)]
    out = tmp_path / "grades.csv"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    command = [sys.executable, "-m", "dlcourse", "grade", *map(str, paths), "--out", str(out), "--jobs", "1"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    snapshots, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists():
            snapshots.append(out.read_text(encoding="utf-8"))
            if len(snapshots[-1].splitlines()) > 1:
                break
        time.sleep(0.005)
    process.kill()  # a crash: no clean-up code runs
    process.wait()
    assert snapshots and all(_snapshot_is_whole(s, 4) for s in snapshots)
    first = rows_of(out)
    assert 1 <= len(first) < len(paths), "the batch was interrupted after its first submission"
    time.sleep(1)
    assert processes_with(str(scratch)) == [], "a sandbox outlived the killed grader"
    result = grade(paths, out, "--jobs", "2", env={"TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "already in" in result.stderr
    final = rows_of(out)
    assert list(final) == [str(p) for p in paths], "every submission once, in command-line order"
    def graded(rows):  # the copy column is the whole batch's, computed again when it ends: not a grade
        return {exercise: {k: v for k, v in row.items() if k != "copy"} for exercise, row in rows.items()}

    for submission, rows in first.items():
        assert graded(final[submission]) == graded(rows), "a finished row changed"
    assert all(final[str(p)]["cross_entropy_error"]["copy"].startswith("near-copy of ") for p in paths), \
        "five identical answers, each flagged once the batch is complete"
    lines = out.read_text(encoding="utf-8").count("\n")
    assert lines == 1 + 4 * len(paths)


def test_the_gradebook_is_replaced_atomically(tmp_path, monkeypatch):
    out = tmp_path / "grades.csv"
    book = Gradebook(out)
    book.add("a.ipynb", [Row("a.ipynb", "softmax", 2, 2, "passed", "✓ fine, with a comma, and\na newline")])
    before = out.read_text(encoding="utf-8")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        book.add("b.ipynb", [Row("b.ipynb", "softmax", 0, 2, "failed", "no")])
    assert out.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"], "no temporary file is left behind"
    monkeypatch.undo()
    assert rows_of(out)["a.ipynb"]["softmax"]["feedback"] == "✓ fine, with a comma, and\na newline"
    with pytest.raises(Exception):
        Gradebook(write(tmp_path / "other.csv", b"name,score\nx,1\n"))


@needs_lecture_01
def test_submissions_are_matched_by_file_name():
    from dlcourse.grader import Grader
    grader = Grader()
    assert grader.match("alice/01_loss_functions.ipynb") == SLUG
    assert grader.match("bob/01_loss_functions (1).ipynb") == SLUG
    assert grader.match("carol/homework.ipynb") is None
    assert grader.match("carol/homework.ipynb", SLUG) == SLUG
    assert grader.match("carol/homework.ipynb", "99_nothing") is None


def test_feedback_file_names_never_collide(tmp_path):
    names = {feedback_path(tmp_path / "g.csv", s) for s in ("a/b.ipynb", "a_b.ipynb", "./a/b.ipynb", "a b.ipynb")}
    assert len(names) == 4
    assert all(p.parent == tmp_path / "g_feedback" for p in names)


def test_feedback_is_grouped_per_learner_and_never_collides(tmp_path):
    out = tmp_path / "g.csv"
    assert feedback_path(out, "s/alice/01_x.ipynb", "alice", "01_x") == tmp_path / "g_feedback/alice/01_x.txt"
    shared = [feedback_path(out, s, "alice", "01_x", shared=True)
              for s in ("a/alice/01_x.ipynb", "b/alice/01_x.ipynb")]
    odd = [feedback_path(out, "s/alice/01_x (1).ipynb", "alice", "01_x"),
           feedback_path(out, "s/al ice/01_x.ipynb", "al ice", "01_x"),
           feedback_path(out, "s/al_ice/01_x.ipynb", "al_ice", "01_x"),
           feedback_path(out, "s/../01_x.ipynb", "..", "01_x")]
    names = shared + odd
    assert len(set(names)) == len(names), names
    assert [p.parent.name for p in names] == ["alice", "alice", "alice", "al_ice", "al_ice", "learner"]
    assert [p.name == "01_x.txt" for p in names] == [False, False, False, False, True, False]
    assert all(p.parent.parent == tmp_path / "g_feedback" for p in names)


@needs_bwrap
@needs_lecture_01
def test_a_gradebook_names_learner_and_assignment_migrates_an_old_one_and_regrades_what_changed(tmp_path):
    out = tmp_path / "grades.csv"
    old = [escape_name(str(tmp_path / "s" / "carol" / f"{SLUG}.ipynb")), "softmax", "2", "2", "passed", "✓"]
    out.write_text(",".join(OLD_HEADER) + "\n" + ",".join(old) + "\n", encoding="utf-8")
    wrong = correct_submission(SLUG)
    for cell in wrong.cells:
        if nbgrader(cell).get("grade_id") == "softmax":
            cell.source = "def softmax(x):\n    return x\n"
    paths = [write(tmp_path / "s" / "alice" / f"{SLUG}.ipynb", correct_submission(SLUG)),
             write(tmp_path / "s" / "bob" / f"{SLUG}.ipynb", wrong)]
    result = grade(paths, out, "--jobs", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "an older gradebook" in result.stderr
    rows = rows_of(out)
    assert {s: {r["learner"] for r in ex.values()} for s, ex in rows.items()} == {
        old[0]: {"carol"}, str(paths[0]): {"alice"}, str(paths[1]): {"bob"}}
    assert {r["assignment"] for ex in rows.values() for r in ex.values()} == {SLUG}
    assert rows[str(paths[1])]["softmax"]["status"] == "failed"
    assert rows[str(paths[0])]["cross_entropy_error"]["copy"].startswith("near-copy of "), "the solution's own answer"
    assert rows[str(paths[0])]["cross_entropy_error"]["points"] == 2, "a flag, never a zero"
    assert rows[str(paths[0])]["softmax"]["copy"] == "" and rows[old[0]]["softmax"]["copy"] == ""
    from dlcourse.report import read_gradebook
    assert {(r.learner, r.assignment) for r in read_gradebook(out)} == {(n, SLUG) for n in ("alice", "bob", "carol")}
    alice = (tmp_path / "grades_feedback" / "alice" / f"{SLUG}.txt").read_text(encoding="utf-8")
    assert alice.startswith(f"Feedback for {paths[0]}\n")
    manifest = json.loads((tmp_path / "grades.csv.manifest.json").read_text(encoding="utf-8"))
    record = manifest["submissions"][str(paths[0])]
    assert set(record["checks"]) == set(points_of(SLUG)) and record["assignment"] == SLUG
    assert "dlcourse-grader" not in json.dumps(manifest), "the seed itself is never recorded"

    unchanged = grade(paths, out, "--regrade", "changed")
    assert unchanged.returncode == 0 and "2 submission(s) already in" in unchanged.stderr, unchanged.stderr[-3000:]
    assert rows_of(out) == rows
    reseeded = grade(paths, out, "--regrade", "changed", env={"DLCOURSE_GRADER_SEED": "another secret"})
    assert reseeded.returncode == 0, reseeded.stderr[-3000:]
    for path in paths:
        assert f"regrade {path}: every row: the grading seed changed" in reseeded.stderr
    assert "another secret" not in (tmp_path / "grades.csv.manifest.json").read_text(encoding="utf-8")
    assert rows_of(out) == rows, "same answers, same verdicts under another seed; carol's rows kept"


def test_the_regrade_plan_names_the_rows_whose_checks_changed():
    from dlcourse.grader.provenance import Provenance
    now = Provenance("v1", {"numpy": "2.0"}, "seedfp", {"01_x": "nb"}, {"01_x": {"a": "1", "b": "2"}})
    recorded = now.record("01_x")
    assert now.changes(recorded, "01_x") == {} and now.drift(recorded) == ""
    later = Provenance("v2", {"numpy": "2.1"}, "seedfp", {"01_x": "nb"}, {"01_x": {"a": "1", "b": "3", "c": "4"}})
    assert later.changes(recorded, "01_x") == {"b": "its checks changed", "c": "a new exercise"}
    assert later.drift(recorded) == "course v1 -> v2, numpy 2.0 -> 2.1"
    assert later.changes(None, "01_x") == {"": "no record of what graded it (a gradebook from before manifests)"}
    moved = Provenance("v1", {}, "seedfp", {"01_x": "nb2"}, {"01_x": {"a": "1", "b": "2"}})
    assert moved.changes(recorded, "01_x") == {"": "the pristine notebook changed"}


def test_a_learner_pattern_without_its_group_is_a_usage_error(tmp_path):
    result = grade([tmp_path / "x.ipynb"], tmp_path / "g.csv", "--learner-pattern", "(?P<who>.+)")
    assert result.returncode == 2 and "no named group 'learner'" in result.stderr
    result = grade([tmp_path / "x.ipynb"], tmp_path / "g.csv", "--regrade", "some")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@needs_bwrap
@needs_lecture_01
def test_a_learner_pattern_names_learners_of_a_flat_folder(tmp_path):
    path = write(tmp_path / "flat" / f"alice_{SLUG}.ipynb", correct_submission(SLUG))
    out = tmp_path / "grades.csv"
    result = grade([path], out, "--learner-pattern", r"(?P<learner>[^/_]+)_\d\d_", "--assignment", SLUG)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {r["learner"] for r in rows_of(out)[str(path)].values()} == {"alice"}
    assert [p.relative_to(tmp_path) for p in (tmp_path / "grades_feedback").rglob("*.txt")] == [
        Path("grades_feedback") / "alice" / f"{SLUG}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}.txt"]


@needs_bwrap
@needs_lecture_01
def test_a_runaway_answer_costs_its_exercise_within_the_exercise_time_limit(tmp_path):
    from tests.grader_attacks import runaway_answers
    path = write(tmp_path / "s" / "eve" / f"{SLUG}.ipynb", runaway_answers(correct_submission(SLUG)))
    started = time.monotonic()
    result = grade([path], tmp_path / "g.csv", "--timeout", "600", "--exercise-timeout", "5")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    rows = rows_of(tmp_path / "g.csv")[str(path)]
    assert {name: row["status"] for name, row in rows.items()} == {
        "softmax": "timeout", "cross_entropy_error": "passed", "mean_squared_error": "timeout",
        "binary_cross_entropy": "passed"}
    for name in ("softmax", "mean_squared_error"):
        assert "longer than 5 s, the time limit of one exercise" in rows[name]["feedback"], rows[name]
    assert seconds < 300, f"two runaway answers cost about 5 s each, not the submission's 600 s ({seconds:.0f} s)"


def test_the_exercise_clock_adds_up_an_exercises_cells_only():
    from dlcourse.grader.sandbox import ExerciseClock
    job = {"cells": [{"kind": "code", "exercise": None}, {"kind": "answer", "exercise": "a", "transform": True},
                     {"kind": "code", "exercise": None}, {"kind": "check", "exercise": "a"},
                     {"kind": "answer", "exercise": "b", "transform": False}, {"kind": "check", "exercise": "b"}],
           "exercises": {"a": {"run": True}, "b": {"run": False}}}
    clock = ExerciseClock(job, 10)

    def cell(index):
        return f'{{"event":"cell","index":{index},"t":0}}\n'.encode()

    clock.feed(cell(0)[:10], 0.0)
    clock.feed(cell(0)[10:] + cell(1), 0.0)  # records split across reads count once whole
    assert clock.over(9.0) == ""
    clock.feed(cell(2), 6.0)
    assert clock.over(100.0) == "", "a course cell is not the exercise's time"
    clock.feed(cell(3), 100.0)
    assert clock.over(103.0) == "" and clock.over(104.5) == "a", "6 s in the answer + 4.5 s in its cases"
    clock.feed(cell(4) + cell(5), 105.0)
    assert clock.over(1000.0) == "", "a pristine stub and cases that do not run are not timed"
    assert ExerciseClock(job, None).over(1e9) == ""


COPIED = """
def softmax(x):
    # the original, with a loop over the rows
    out = np.empty_like(x, dtype=float)
    for i in range(x.shape[0]):
        shifted = x[i] - np.max(x[i])
        e = np.exp(shifted)
        out[i] = e / np.sum(e)
    if out.ndim == 1:
        return out
    total = 0
    for row in out:
        total = total + row.sum()
    assert abs(total - len(out)) < 1e-6, "rows must sum to one"
    return out
"""


def test_near_copies_are_flagged_whatever_the_names_constants_and_comments():
    from dlcourse.grader.copies import MIN_NODES, near_copies, node_types
    disguised = (COPIED.replace("out", "result").replace("shifted", "z").replace("e =", "ex =")
                 .replace("/ np.sum(e)", "/ np.sum(ex)").replace("np.exp(z)", "np.exp(z)")
                 .replace("# the original, with a loop over the rows", "# my own work").replace("1e-6", "1e-9")
                 .replace('"rows must sum to one"', '"normalised"').replace("total", "acc"))
    other = """
def softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
"""
    assert len(node_types(COPIED)) >= MIN_NODES > len(node_types(other))
    stub = "raise NotImplementedError()"
    answers = {("01", "softmax"): {"a": COPIED, "b": disguised, "c": other, "d": other, "e": stub,
                                   "f": "def softmax(x):\n    return (", "g": stub}}
    flags = {f.submission: f for f in near_copies(answers, stubs={("01", "softmax"): stub})}
    assert sorted(flags) == ["a", "b"], "short answers, stubs and what does not parse are never flagged"
    assert flags["a"].like == "b" and flags["a"].similarity == 1.0
    course = {("01", "softmax"): {"the course's solution": COPIED.replace("np.max", "np.amax")}}
    flags = near_copies({("01", "softmax"): {"a": disguised}}, course)
    assert [(f.submission, f.like) for f in flags] == [("a", "the course's solution")]
    assert "near-copy of the course's solution" in flags[0].text()


# ---------------------------------------------------------------- command line corners

@needs_bwrap
@needs_lecture_01
def test_assignment_option_and_unknown_assignment(tmp_path):
    path = write(tmp_path / "homework.ipynb", correct_submission(SLUG))
    result = grade([path], tmp_path / "grades.csv", "--assignment", "99_nothing")
    assert result.returncode == 2 and "no assignment" in result.stderr
    result = grade([path], tmp_path / "grades.csv", "--assignment", SLUG)
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(r["status"] == "passed" for r in rows_of(tmp_path / "grades.csv")[str(path)].values())


@needs_lecture_01
def test_without_bubblewrap_the_grader_warns_and_still_limits(tmp_path):
    """bwrap hidden from PATH (as on macOS or a Linux without it): a loud warning, and time and memory still limited."""
    from tests.grader_attacks import INFINITE_LOOP, MEMORY_BOMB_CELL, with_answer
    correct = correct_submission(SLUG)
    good = write(tmp_path / "good" / f"{SLUG}.ipynb", correct)
    loop = write(tmp_path / "loop" / f"{SLUG}.ipynb", with_answer(INFINITE_LOOP)(correct, {}))
    bomb = write(tmp_path / "bomb" / f"{SLUG}.ipynb", with_answer(MEMORY_BOMB_CELL)(correct, {}))
    no_bwrap = tmp_path / "bin"  # a PATH with the interpreter and nothing else
    no_bwrap.mkdir()
    os.symlink(sys.executable, no_bwrap / "python")
    result = grade([good, loop, bomb], tmp_path / "grades.csv", "--jobs", "2", "--timeout", "20",
                   env={"PATH": str(no_bwrap), "DLCOURSE_GRADER_MEMORY_MB": "1536"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert ("WARNING: bubblewrap (bwrap) is not installed: NOT enforced while grading: filesystem isolation"
            in result.stderr)
    assert "the seccomp filter" in result.stderr
    assert "sandbox: resource limits only" in result.stderr
    rows = rows_of(tmp_path / "grades.csv")
    assert all(r["status"] == "passed" for r in rows[str(good)].values())
    for path, status in ((loop, "timeout"), (bomb, "error")):
        assert rows[str(path)]["softmax"]["status"] == status and rows[str(path)]["softmax"]["points"] == 0
        assert [r["status"] for n, r in rows[str(path)].items() if n != "softmax"] == ["passed"] * 3
    assert "out of memory" in rows[str(bomb)]["softmax"]["feedback"]


@needs_bwrap
def test_each_run_gets_a_seccomp_filter_a_fresh_uid_and_a_cgroup(monkeypatch):
    from dlcourse.grader import sandbox, seccomp
    numbers = seccomp.SYSCALLS.get(os.uname().machine)
    if numbers is None:
        pytest.skip(f"no seccomp filter for {os.uname().machine}")
    monkeypatch.setattr(sandbox, "MEMORY_MB", 1024)
    probe = f"""
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
numbers = {json.dumps(numbers)}
def call(name, *args):
    return "ok" if libc.syscall(numbers[name], *args) >= 0 else errno.errorcode[ctypes.get_errno()]
print(json.dumps({{"add_key": call("add_key", b"user", b"k", b"v", 1, -4), "keyctl": call("keyctl", 0, -4, 0),
                   "memfd_create": call("memfd_create", b"x", 0), "unshare": call("unshare", 0x10000000),
                   "clone3": call("clone3", 0, 0), "ptrace": call("ptrace", 16, 1, 0, 0),
                   "mount": call("mount", b"none", b"/tmp", b"tmpfs", 0, 0), "bpf": call("bpf", 0, 0, 0),
                   "perf_event_open": call("perf_event_open", 0, 0, -1, -1, 0), "uid": os.getuid()}}))
"""
    hog = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
for _ in range(32):  # 2 GB of System V shared memory, each segment unmapped after it is written
    segment = libc.shmget(0, 64 << 20, 0o1000 | 0o600)
    address = libc.shmat(segment, None, 0)
    ctypes.memset(address, 1, 64 << 20)
    libc.shmdt(ctypes.c_void_p(address))
print("held 2 GB")
"""
    workspace = sandbox.Workspace(1)
    try:
        library = workspace.library("", {})
        mode = workspace.detect_mode(library)

        def run(source):
            cell = {"kind": "code", "exercise": None, "number": 1, "source": source, "transform": False}
            return workspace.run(library, {"cells": [cell], "exercises": {}}, 60)

        seen = [json.loads(run(probe).output.strip().splitlines()[-1]) for _ in range(2)]
        for found in seen:
            denied = {name: value for name, value in found.items() if name not in ("uid", "clone3")}
            assert set(denied.values()) == {"EPERM"}, found
            assert found["clone3"] == "ENOSYS", "glibc falls back to clone(), whose flags the filter reads"
        if os.geteuid() == 0:
            assert seen[0]["uid"] != seen[1]["uid"] and 0 not in (seen[0]["uid"], seen[1]["uid"]), "a new uid per run"
        if mode.cgroups is None:
            pytest.skip("no cgroup can be made here (the grader warns so); the memory part needs one")
        assert "cgroup v" in mode.name and "memory 1024 MB" in mode.name
        outcome = run(hog)
        assert outcome.out_of_memory and outcome.returncode != 0 and "held 2 GB" not in outcome.output
        leftovers = [p for parent in mode.cgroups.parents.values()
                     for p in Path(parent).glob(f"dlcourse-grade-{os.getpid()}-*")]
        assert leftovers == [], "every run's cgroup is removed"
    finally:
        workspace.close()


def test_cgroup_v2_limits_are_written_where_the_kernel_reads_them(tmp_path):
    from dlcourse.grader import cgroup
    parent = tmp_path / "fs" / "grading"
    parent.mkdir(parents=True)
    (parent / "cgroup.controllers").write_text("cpu memory pids\n")
    (parent / "cgroup.subtree_control").write_text("memory pids\n")
    mountinfo, own = tmp_path / "mountinfo", tmp_path / "cgroup"
    mountinfo.write_text(f"30 1 0:26 / {tmp_path / 'fs'} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n")
    own.write_text("0::/grading\n")
    found, why = cgroup._v2_parent(cgroup._mounts(mountinfo), cgroup._own_paths(own))
    assert (found, why) == (parent, "")
    run = cgroup.Cgroups(2, {"unified": parent}).create(1 << 30, 64)
    directory = run.dirs["unified"]
    assert (directory / "memory.max").read_text() == str(1 << 30) and (directory / "pids.max").read_text() == "64"
    assert run.procs_files == [str(directory / "cgroup.procs")]
    (parent / "cgroup.controllers").write_text("cpu io\n")
    found, why = cgroup._v2_parent(cgroup._mounts(mountinfo), cgroup._own_paths(own))
    assert found is None and "does not offer the memory and pids controllers (it has: cpu io)" in why
    with pytest.raises(cgroup.CgroupUnavailable, match="turned off by DLCOURSE_GRADER_CGROUP=none"):
        cgroup.detect("none")


def test_the_seccomp_program_is_well_formed():
    from dlcourse.grader import seccomp
    for machine in ("x86_64", "aarch64"):
        program = seccomp.program(machine)
        assert len(program) % 8 == 0 and len(program) // 8 < 4096
        numbers = seccomp.SYSCALLS[machine]
        assert set(seccomp.DENIED) <= set(numbers)
        assert len(set(numbers.values())) == len(numbers), "two names with one number: a typo in the table"
    assert seccomp.program("sparc64") is None


def test_a_submission_is_read_only_as_a_regular_file(tmp_path, monkeypatch):
    from dlcourse.grader.notebook import InvalidSubmission, read_regular_file
    real = tmp_path / "real.ipynb"
    real.write_bytes(b"{}")
    assert read_regular_file(real, 10) == b"{}"
    (tmp_path / "link.ipynb").symlink_to(real)
    os.mkfifo(tmp_path / "pipe.ipynb")
    (tmp_path / "folder.ipynb").mkdir()
    (tmp_path / "big.ipynb").write_bytes(b"x" * 11)
    for name, reason in (("link.ipynb", "symbolic link"), ("pipe.ipynb", "FIFO"), ("folder.ipynb", "directory"),
                         ("big.ipynb", "at most 0 MB"), ("missing.ipynb", "no such file")):
        with pytest.raises(InvalidSubmission, match=reason):
            read_regular_file(tmp_path / name, 10)
    with pytest.raises(InvalidSubmission, match="device"):
        read_regular_file("/dev/zero", 10)
    (tmp_path / "learner").symlink_to(tmp_path)
    with pytest.raises(InvalidSubmission, match="the folder .*learner is a symbolic link"):
        read_regular_file(tmp_path / "learner" / "real.ipynb", 10)
    monkeypatch.chdir(tmp_path)  # a relative path: every folder in it is checked
    (tmp_path / "deeper").mkdir()
    (tmp_path / "deeper" / "inside").symlink_to(tmp_path)
    with pytest.raises(InvalidSubmission, match="the folder deeper/inside is a symbolic link"):
        read_regular_file(Path("deeper") / "inside" / "real.ipynb", 10)


def test_names_are_escaped_and_formulas_neutralised_and_resuming_finds_them(tmp_path):
    out = tmp_path / "grades.csv"
    names = ["=1+1.ipynb", "+x.ipynb", "-x.ipynb", "@x.ipynb", "'quoted.ipynb", os.fsdecode(b"caf\xe9.ipynb"),
             "esc\x1b[2K\r.ipynb", "back\\slash\\xe9.ipynb", "plain/01_loss_functions.ipynb"]
    book = Gradebook(out)
    book.set_order(names)
    for name in names:
        book.add(name, [Row(name, "softmax", 0, 2, "failed", "-1 is wrong\n\x1b[31mred\tend")])
    text = out.read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(text.splitlines()) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "\x1b" not in text and "caf\\xe9.ipynb" in text and "plain/01_loss_functions.ipynb" in text
    assert len({escape_name(n) for n in names}) == len(names), "two paths never share a name"
    again = Gradebook(out)
    assert all(again.graded(name) for name in names), "a resumed batch skips every one of them"
    assert rows_of(out)[escape_name("=1+1.ipynb")]["softmax"]["feedback"] == "-1 is wrong\n\\x1b[31mred\tend"


def test_a_failure_while_recording_one_submission_costs_only_its_rows(tmp_path, monkeypatch):
    import dlcourse.grader as grader
    out = tmp_path / "grades.csv"
    book, said = Gradebook(out), []
    real_write = grader.atomic_write

    def flaky(path, text):
        if "bad" in str(path):
            raise OSError("File name too long")
        return real_write(path, text)

    monkeypatch.setattr(grader, "atomic_write", flaky)
    names = ("good.ipynb", "bad.ipynb", "later.ipynb")
    batch = grader._Batch(out, book, grader.Manifest(out), grader.Provenance("v", {}, "fp", {}, {}),
                          {name: ("someone", "") for name in names}, frozenset(), said.append)
    for name in names:
        graded = grader.Graded(name, [Row(name, "softmax", 2, 2, "passed", "fine")], "report", f"{name}: 2/2 points")
        grader._record(graded, batch)
    rows = rows_of(out)
    assert [rows[n]["softmax"]["status"] for n in ("good.ipynb", "bad.ipynb", "later.ipynb")] == \
        ["passed", "error", "passed"]
    assert "File name too long" in rows["bad.ipynb"]["softmax"]["feedback"]
    assert rows["bad.ipynb"]["softmax"]["points"] == 0
    assert any("bad.ipynb: internal grader error" in line for line in said)


def test_the_ipython_transformation_happens_in_the_sandbox_not_in_the_grader():
    from dlcourse.grader.notebook import defined_names, job, load_assignment
    if not HAVE_LECTURE_01:
        pytest.skip("needs lecture 01")
    assignment = load_assignment(ROOT / "exercises" / f"{SLUG}.ipynb")
    slow = "x = %time 1\n" * 20_000 + "def softmax(x):\n    return x\n"
    started = time.monotonic()
    spec = job(assignment, {"softmax": slow})
    names = defined_names(["x = %time 1\n" * 5_000 + "def softmax(x):\n    return x\n"])
    assert time.monotonic() - started < 5, "the grader process never runs IPython on a learner's text"
    cell = next(c for c in spec["cells"] if c["kind"] == "answer" and c["exercise"] == "softmax")
    assert cell["transform"] and cell["source"] == slow
    assert {"x", "softmax"} <= names


# ---------------------------------------------------------------- units: judging, channel, sanitized library

def _wrong(value):
    """A wrong output of the same structure."""
    if isinstance(value, np.ndarray):
        return value * 0.5 + 0.25 if value.dtype.kind == "f" else value + 1
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 0.5 + 0.25 if isinstance(value, float) else value + 1
    if isinstance(value, (tuple, list)):
        return type(value)(_wrong(v) for v in value)
    if isinstance(value, dict):
        return {k: _wrong(v) for k, v in value.items()}
    return value


def _shown(value):
    """How an expected value would be printed (6 and 4 significant digits), when it has enough digits to tell."""
    if isinstance(value, np.ndarray):
        return [t for v in np.ravel(value)[:50] if value.dtype.kind == "f" for t in _shown(float(v))]
    if isinstance(value, float):
        return [t for t in (f"{value:.6g}", f"{value:.4g}") if len(t.strip("-0.").replace(".", "")) >= 4]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _shown(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _shown(v)]
    return []


@pytest.mark.parametrize("name", sorted(exercises()))
def test_judging_a_wrong_hidden_case_shows_no_expected_value(name):
    exercise = get(name)
    results = []
    for case in exercise.cases(seed_for(name)):
        expected = exercise.expected(case)
        results.append((case, _wrong(expected) if case.hidden else expected, False))
    if not any(case.hidden for case, *_ in results):
        pytest.skip(f"{name} has no hidden cases")
    passed, feedback = judge(exercise, results)
    assert not passed
    assert "hidden case" in feedback and "expected:" not in feedback
    told = feedback.split("got:")[0] + feedback.partition("hint:")[2]  # all but the learner's own output
    for case, got, _ in results:
        if case.hidden:
            for text in _shown(exercise.expected(case)):
                assert text not in told, (text, feedback)


def test_judging_a_right_answer_passes_and_a_public_failure_is_explained():
    exercise = get("softmax")
    cases = exercise.cases(seed_for("softmax"))
    assert judge(exercise, [(c, exercise.expected(c), False) for c in cases])[0]
    results = [(c, exercise.expected(c) if c.hidden else np.zeros(np.shape(c.args[0])), False) for c in cases]
    passed, feedback = judge(exercise, results)
    assert not passed and "expected:" in feedback and "case 1" in feedback
    results = [(c, Unsupported("AlwaysEqual"), False) for c in cases]
    assert "AlwaysEqual" in judge(exercise, results)[1]
    results = [(c, Raised("ValueError", "boom", ""), False) for c in cases]
    assert "ValueError: boom" in judge(exercise, results)[1]


def test_hidden_cases_use_a_fixed_seed_of_their_own():
    assert seed_for("softmax") == seed_for("softmax") != seed_for("cross_entropy_error")
    a, b = get("softmax").cases(seed_for("softmax")), get("softmax").cases(seed_for("softmax"))
    assert all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, b))
    assert len([c for c in a if c.hidden]) > len([c for c in get("softmax").cases() if c.hidden])


def test_the_channel_carries_plain_data_only(tmp_path):
    make_in = {"fn": Fn, "rng": Rng}
    make_out = {"unsupported": Unsupported, "raised": Raised}
    tokens = {Fn: lambda f: {"t": "fn", "name": f.name}, Rng: lambda r: {"t": "rng", "seed": r.seed}}
    value = (np.arange(6.0).reshape(2, 3), [1, 2.5, float("nan")], {"a": np.int64(3), "b": None}, True, "x",
             Fn("quadratic"), Rng(7), np.float32(0.5), np.array(2.5))
    line = channel.dumps({"v": channel.encode(value, tokens)})
    back = channel.decode(json.loads(line)["v"], channel.INPUT_TAGS, make_in)
    assert isinstance(back, tuple) and isinstance(back[1], list) and np.isnan(back[1][2])
    assert np.array_equal(back[0], value[0]) and back[2]["a"] == 3 and type(back[2]["a"]) is np.int64
    assert back[5] == Fn("quadratic") and back[6] == Rng(7) and back[7].dtype == np.float32
    assert back[8].shape == () and back[8] == 2.5

    import base64
    import io
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path}/pwned",))

    object_array = io.BytesIO()
    np.save(object_array, np.array([Payload()], dtype=object), allow_pickle=True)
    archive = io.BytesIO()
    np.savez(archive, a=np.zeros(3))
    bad = [{"t": "nd", "npy": base64.b64encode(pickle.dumps(Payload())).decode()},
           {"t": "nd", "npy": base64.b64encode(object_array.getvalue()).decode()},
           {"t": "nd", "npy": base64.b64encode(archive.getvalue()).decode()},
           {"t": "fn", "name": "quadratic"},  # inputs only
           {"t": "pickle", "v": "..."}, {"t": "tuple", "v": "not a list"}, [1, 2], {"no": "tag"},
           {"t": "dict", "v": {"a": {"t": "nd", "npy": "%%%"}}}]
    for node in bad:
        with pytest.raises(channel.ChannelError):
            channel.decode(node, channel.OUTPUT_TAGS, make_out)
    deep = 1.0
    for _ in range(100):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(channel.ChannelError):
        channel.decode(deep, channel.OUTPUT_TAGS, make_out)
    with pytest.raises(TypeError):
        channel.encode(object())
    assert not (tmp_path / "pwned").exists()


def test_the_sanitized_library_has_no_answer_key(tmp_path):
    lecture = [get(n) for n in EXERCISES]
    hidden = hidden_objects(lecture)
    assert hidden["functions.softmax"][0] == "proxy" and hidden["layers.SoftmaxWithLoss"][0] == "stub"
    library = build_library(tmp_path, hidden) / "dlcourse"
    assert sorted(p.name for p in (library / "checks").glob("*.py")) == ["__init__.py", "core.py"]
    assert not (library / "grader").exists()
    functions = (library / "functions.py").read_text()
    assert "np.exp(x - x.max" not in functions and "_dlcourse_hidden.call('dlcourse.functions.softmax'" in functions
    code = f"""
import sys; sys.path.insert(0, {str(tmp_path)!r})
import numpy as np
import dlcourse
from dlcourse import functions, layers, _hidden
assert dlcourse.__file__.startswith({str(tmp_path)!r})
for call in (lambda: functions.softmax(np.zeros(3)), lambda: functions.log_softmax(np.zeros(3)),
             lambda: layers.SoftmaxWithLoss()):
    try:
        call()
        raise SystemExit("not hidden")
    except _hidden.HiddenWhileGrading:
        pass
_hidden.register("softmax", lambda x: "the learner's own")
assert functions.softmax(1) == "the learner's own"
assert functions.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]  # other lectures' functions stay
print("ok")
"""
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


# ---------------------------------------------------------------- nbgrader (optional test dependency)

def test_nbgrader_accepts_the_solution_notebooks(tmp_path):
    """`nbgrader generate_assignment` on solutions/ (skipped unless nbgrader is installed)."""
    pytest.importorskip("nbgrader", reason="nbgrader is an optional test dependency (pip install nbgrader)")
    notebooks = sorted((ROOT / "solutions").glob("*.ipynb"))
    if not notebooks:
        pytest.skip("no solutions/ notebooks yet")
    source = tmp_path / "source" / "course"
    source.mkdir(parents=True)
    for path in notebooks:
        shutil.copy(path, source / path.name)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'dlcourse'\n")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "course", "--force",
                             "--CourseDirectory.root=" + str(tmp_path)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600, env=env)  # nbgrader runs `alembic` from PATH
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for path in notebooks:
        released = read(tmp_path / "release" / "course" / path.name)
        ours = read(ROOT / "exercises" / path.name)
        ids = [nbgrader(c).get("grade_id") for c in released.cells if nbgrader(c)]
        assert ids == [nbgrader(c).get("grade_id") for c in ours.cells if nbgrader(c)]
        for theirs, mine in zip(released.cells, ours.cells):
            if nbgrader(mine).get("solution"):
                assert "### BEGIN SOLUTION" not in theirs.source and "raise NotImplementedError" in theirs.source
