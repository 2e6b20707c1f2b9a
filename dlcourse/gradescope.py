"""``python -m dlcourse gradescope NN_slug OUT.zip``: a Gradescope autograder that grades with our grader.

Gradescope's autograder format (gradescope-autograders.readthedocs.io, "Autograder Specifications"): a zip
with ``setup.sh`` (run once, as root, when Gradescope builds the image on Ubuntu) and ``run_autograder`` (run
for every submission, from ``/autograder``) at its root. Gradescope unpacks the zip into
``/autograder/source``, puts the learner's files in ``/autograder/submission`` and reads the verdict from
``/autograder/results/results.json``.

The zip holds

- ``dlcourse-<version>-py3-none-any.whl``: the course, built here with ``pip wheel --no-deps``;
- ``course/exercises/NN_slug.ipynb``: the pristine assignment the grader compares a submission with;
- ``setup.sh``: installs bubblewrap (the grader's sandbox) with apt when there is apt, makes a virtual
  environment, installs the wheel's dependencies and unpacks the wheel into ``source/course`` beside
  ``exercises/``, which is where the grader looks for the pristine notebooks;
- ``seed``, when ``DLCOURSE_GRADER_SEED`` is set while building: the secret seed of the hidden cases;
- ``run_autograder``: runs ``python -m dlcourse.gradescope run``, which grades every ``.ipynb`` of the
  submission with ``python -m dlcourse grade ... --assignment NN_slug`` and writes results.json: one test
  per exercise with the grader's own feedback (which never shows a hidden case's expected values), every
  text as plain text (``output_format: text``: a learner's file name or output is never rendered as HTML).

``DLCOURSE_AUTOGRADER_ROOT`` (default ``/autograder``) moves the whole tree, so that the zip can be tried on
a fake ``/autograder`` in a temporary directory; ``DLCOURSE_AUTOGRADER_PYTHON`` picks the interpreter
(default: the virtual environment setup.sh made).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .report import COURSE, Status, known_assignments, number, read_gradebook, submissions

ROOT_VARIABLE = "DLCOURSE_AUTOGRADER_ROOT"
PYTHON_VARIABLE = "DLCOURSE_AUTOGRADER_PYTHON"
MAX_NOTEBOOKS = 5  # a submission is one notebook; a few stray copies are graded, the best counts
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so the same course gives the same zip

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; $root/source holds the zip's files.
set -euo pipefail
root="${DLCOURSE_AUTOGRADER_ROOT:-/autograder}"
if command -v apt-get >/dev/null 2>&1; then
    # bubblewrap is the grader's sandbox; without it (or where the container forbids namespaces) grading runs
    # with resource limits only and says so in the autograder output
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
        python3 python3-venv python3-pip bubblewrap
fi
python3 -m venv "$root/venv"
"$root/venv/bin/python" -m pip install --upgrade pip
"$root/venv/bin/python" -m pip install "$root"/source/dlcourse-*.whl
# keep the dependencies only: the grader runs from source/course (exercises/ beside dlcourse/), and a second
# copy in site-packages would be a copy of the answer key that its sandbox does not hide
"$root/venv/bin/python" -m pip uninstall -y dlcourse
"$root/venv/bin/python" -m zipfile -e "$root"/source/dlcourse-*.whl "$root/source/course"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder. DLCOURSE_AUTOGRADER_ROOT moves the tree (to try
# the autograder on a fake one); DLCOURSE_AUTOGRADER_PYTHON picks the interpreter (default: setup.sh's venv).
set -euo pipefail
root="${{DLCOURSE_AUTOGRADER_ROOT:-/autograder}}"
python="${{DLCOURSE_AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
course="$root/source/course"
if [ ! -d "$course/dlcourse" ]; then
    "$python" -m zipfile -e "$root"/source/dlcourse-*.whl "$course"
fi
if [ -f "$root/source/seed" ]; then  # the instructor's secret seed of the hidden cases, if the zip has one
    DLCOURSE_GRADER_SEED="$(cat "$root/source/seed")"
    export DLCOURSE_GRADER_SEED
fi
cd "$course"  # python -m imports this copy of dlcourse, the one with exercises/ beside it
exec "$python" -m dlcourse.gradescope run --root "$root" --assignment {assignment} --timeout {timeout}
"""


class GradescopeError(RuntimeError):
    """The autograder cannot be built; the message says why."""


# ------------------------------------------------------------------ building the zip

def _can_build_wheels_here():
    """Whether this environment's setuptools can build a wheel by itself (bdist_wheel is in it from 70.1 on)."""
    try:
        import setuptools
    except ImportError:
        return False
    version = tuple(int(part) for part in setuptools.__version__.split(".")[:2] if part.isdigit())
    try:
        import wheel  # noqa: F401  (older setuptools build wheels through it)
        return True
    except ImportError:
        return version >= (70, 1)


def build_wheel(work):
    """The course as a wheel in ``work``, built from a clean copy of its sources (no stale build/ files)."""
    source = Path(work) / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(COURSE / name, source / name)
    shutil.copytree(COURSE / "dlcourse", source / "dlcourse", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(Path(work) / "dist")]
    if _can_build_wheels_here():  # build with the setuptools installed here, offline, instead of fetching it
        command.append("--no-build-isolation")
    done = subprocess.run(command + [str(source)], capture_output=True, text=True)
    wheels = sorted((Path(work) / "dist").glob("dlcourse-*.whl"))
    if done.returncode != 0 or not wheels:
        raise GradescopeError(f"pip wheel could not build the course:\n{(done.stdout + done.stderr)[-2000:]}")
    return wheels[0]


def _add(archive, name, data, executable=False):
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def build_autograder(assignment, out, timeout=120.0, seed=None):
    """Write the autograder zip for ``assignment`` (an NN_slug of exercises/) to ``out``. ``seed`` (default:
    $DLCOURSE_GRADER_SEED) is the secret the hidden cases are drawn from on Gradescope."""
    seed = os.environ.get("DLCOURSE_GRADER_SEED") if seed is None else seed
    if assignment not in known_assignments():
        raise GradescopeError(f"{assignment!r} is not an assignment of the course; expected one of "
                              f"{', '.join(known_assignments())}")
    if not timeout > 0:
        raise GradescopeError(f"--timeout must be a positive number of seconds, not {timeout}")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="dlcourse-gradescope-") as work:
        wheel = build_wheel(work)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        with zipfile.ZipFile(partial, "w") as archive:
            _add(archive, "setup.sh", SETUP_SH, executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER.format(assignment=assignment, timeout=f"{timeout:g}"),
                 executable=True)
            _add(archive, wheel.name, wheel.read_bytes())
            _add(archive, f"course/exercises/{assignment}.ipynb",
                 (COURSE / "exercises" / f"{assignment}.ipynb").read_bytes())
            if seed:  # learners never see the autograder zip, so the secret may travel in it
                _add(archive, "seed", seed)
        os.replace(partial, out)
    return out


# ------------------------------------------------------------------ grading on Gradescope

def find_notebooks(folder, assignment):
    """The notebooks of a submission to grade: ``NN_slug.ipynb`` when it is there, else every notebook (at
    most MAX_NOTEBOOKS), hidden folders (.ipynb_checkpoints) left out."""
    folder = Path(folder)
    found = sorted((p for p in folder.rglob("*.ipynb")
                    if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)),
                   key=lambda p: (len(p.parts), str(p)))
    exact = [p for p in found if p.name == f"{assignment}.ipynb"]
    return exact[:1] or found[:MAX_NOTEBOOKS]


def results_json(rows, assignment, submission_folder=None):
    """results.json's content for the gradebook rows of one or more notebooks: the best notebook's rows."""
    graded = submissions(rows)
    best = max(graded.values(), key=lambda s: s.points)
    name = best.path
    if submission_folder is not None:
        try:
            name = str(Path(best.path).relative_to(submission_folder))
        except ValueError:
            pass
    tests = [{"name": row.exercise or "(submission)", "number": str(index), "score": row.points,
              "max_score": row.max_points, "status": "passed" if row.status is Status.PASSED else "failed",
              "output": row.feedback, "visibility": "visible"}
             for index, row in enumerate(best.rows, start=1)]
    output = f"{name}: {number(best.points)} of {number(best.max_points)} points ({assignment})."
    if len(graded) > 1:
        output += (f" {len(graded)} notebooks were submitted; this one scored best. Submit only "
                   f"{assignment}.ipynb next time.")
    return {"score": best.points, "output": output, "output_format": "text", "test_output_format": "text",
            "test_name_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def not_graded(message):
    """results.json when nothing could be graded: no points, and why."""
    return {"score": 0.0, "output": message, "output_format": "text", "test_output_format": "text",
            "test_name_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def run(root, assignment, timeout=120.0):
    """Grade ``root``/submission and write ``root``/results/results.json. Returns the results."""
    root = Path(root)
    started = time.monotonic()
    notebooks = find_notebooks(root / "submission", assignment)
    if not notebooks:
        results = not_graded(f"No notebook (.ipynb) was found in the submission: upload {assignment}.ipynb.")
    else:
        with tempfile.TemporaryDirectory(prefix="dlcourse-gradescope-") as work:
            out = Path(work) / "grades.csv"
            command = [sys.executable, "-m", "dlcourse", "grade", *map(str, notebooks), "--assignment", assignment,
                       "--out", str(out), "--timeout", f"{timeout:g}"]
            done = subprocess.run(command, cwd=COURSE, capture_output=True, text=True, errors="replace")
            # Gradescope shows run_autograder's own output to instructors only (stdout_visibility hidden)
            print(done.stdout, end="")
            print(done.stderr, end="", file=sys.stderr)
            rows = read_gradebook(out, known=[assignment]) if out.exists() else []
        if rows:
            results = results_json(rows, assignment, root / "submission")
        else:
            results = not_graded(f"The autograder could not grade this submission (the grader exited with code "
                                 f"{done.returncode}); your instructor can see why in the autograder output.")
    results["execution_time"] = round(time.monotonic() - started)
    (root / "results").mkdir(parents=True, exist_ok=True)
    target = root / "results" / "results.json"
    target.with_suffix(".partial").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(target.with_suffix(".partial"), target)
    return results


def main(args):
    """``python -m dlcourse gradescope NN_slug OUT.zip``."""
    try:
        out = build_autograder(args.assignment, args.zip, timeout=args.timeout)
    except (GradescopeError, OSError) as error:
        print(f"gradescope: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment "
          f"(learners submit {args.assignment}.ipynb)")
    if not os.environ.get("DLCOURSE_GRADER_SEED"):
        print("gradescope: warning: DLCOURSE_GRADER_SEED is not set, so the hidden cases come from the default seed "
              "in the course's public source; build with DLCOURSE_GRADER_SEED=$(openssl rand -hex 8) when learners "
              "can read it", file=sys.stderr)
    return 0


def _run_main(argv=None):
    """``python -m dlcourse.gradescope run``: what run_autograder calls on Gradescope."""
    parser = argparse.ArgumentParser(prog="python -m dlcourse.gradescope",
                                     description="Grade a Gradescope submission and write results.json.")
    parser.add_argument("command", choices=["run"], help="run: grade ROOT/submission into ROOT/results")
    parser.add_argument("--root", default=os.environ.get(ROOT_VARIABLE, "/autograder"),
                        help=f"the autograder tree (default ${ROOT_VARIABLE} or /autograder)")
    parser.add_argument("--assignment", required=True, metavar="NN_slug", help="the assignment to grade against")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one notebook may take (default 120)")
    args = parser.parse_args(argv)
    run(args.root, args.assignment, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(_run_main())
