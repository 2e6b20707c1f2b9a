#!/usr/bin/env python3
"""Set up the course in an isolated environment, then open it or test it.

    python3 course.py lab     create .venv (first time), install the course, open your working copy in JupyterLab
    python3 course.py update  take the course's updates (git pull), keeping your answers and notes
    python3 course.py test    the same set-up, then run the whole test suite (extra arguments go to pytest)

Your working copy is my-work/: the lectures and exercises copied from notebooks/ and exercises/ the first
time, and never touched by git. An update replaces a notebook you have not edited; in an exercise notebook
you have edited, your answers are carried into the new version; a lecture you have edited is replaced, and
your version is kept in my-work/.course/backup/.

On Windows type `py course.py lab`. Only the Python standard library is used here, so it runs the same on
Linux, macOS and Windows. A second run reuses .venv and reinstalls only when pyproject.toml changed.
"""
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import json
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WORK = ROOT / "my-work"
COURSE_FOLDERS = ("notebooks", "exercises")
STAMP_NAME = "dlcourse-installed.txt"
OLDEST_PYTHON = (3, 10)


def venv_python(venv=VENV):
    return Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def no_venv_message():
    """What to install when this Python cannot create virtual environments, or None when it can."""
    missing = [name for name in ("venv", "ensurepip") if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (f"This Python ({sys.executable}) cannot create a virtual environment: the module "
            f"{' and '.join(missing)} is missing. Install it, then run this command again:\n"
            f"  Debian/Ubuntu: sudo apt-get install python3-venv   (or python{version}-venv)\n"
            f"  Fedora/RHEL:   sudo dnf install python3-pip\n"
            f"  elsewhere:     install Python from python.org, which includes both")


def create_environment(venv):
    message = no_venv_message()
    if message:
        sys.exit(message)
    import venv as venv_module

    print(f"Creating the course environment in {venv} ...", flush=True)
    try:
        venv_module.EnvBuilder(with_pip=True).create(venv)
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(venv, ignore_errors=True)  # a half-made environment would be reused next time
        sys.exit(f"Could not create {venv}: {error}\n{no_venv_message() or ''}".rstrip())


def pip_with_progress(python, arguments, what):
    """Run pip quietly, printing a dot every few seconds so a long install does not look stuck."""
    done = threading.Event()

    def tick():
        while not done.wait(5):
            print(".", end="", flush=True)

    print(what, end=" ", flush=True)
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        result = subprocess.run([str(python), "-m", "pip", *arguments], cwd=ROOT, capture_output=True, text=True)
    finally:
        done.set()
        ticker.join()
    print(" done" if result.returncode == 0 else " failed", flush=True)
    if result.returncode != 0:  # show pip's own words only when it failed
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"pip {' '.join(arguments)} failed (exit {result.returncode}); see above")


def ensure_environment(extras, venv=VENV, install=None):
    """The Python of ``venv`` with the course installed (with ``extras``), creating or updating it as needed.

    ``install(python, target)`` replaces the default pip install (``.ci/versions.py`` installs the lowest
    versions with another resolver).
    """
    if sys.version_info < OLDEST_PYTHON:
        sys.exit(f"dlcourse needs Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]} or newer; "
                 f"this is {sys.version.split()[0]}")
    venv = Path(venv)
    python = venv_python(venv)
    if not python.exists():
        create_environment(venv)
    stamp_file = venv / STAMP_NAME

    def stamp(extra):
        return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()

    installed = stamp_file.read_text().split() if stamp_file.exists() else []
    # the test install is a superset of the plain one
    if stamp(extras) not in installed and not (extras == "" and stamp("test") in installed):
        target = f".[{extras}]" if extras else "."
        print(f"Installing the course{' with its ' + extras + ' tools' if extras else ''} into {venv.name} "
              "(first run, or pyproject.toml changed). This downloads the packages once and takes a few "
              "minutes.", flush=True)
        if install:
            install(python, target)
        else:
            pip_with_progress(python, ["install", "--quiet", "--upgrade", "pip"], "  updating pip")
            pip_with_progress(python, ["install", "--quiet", "-e", target],
                              "  installing numpy, matplotlib, JupyterLab and the course")
        stamp_file.write_text("\n".join(installed + [stamp(extras)]) + "\n")
    return python


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(python, rest):
    command = [str(python), "-m", "jupyter", "lab", "--notebook-dir", str(WORK), *rest]
    # JupyterLab refuses to start as root (containers, cloud machines) unless told to
    if is_root() and "--allow-root" not in rest:
        command.append("--allow-root")
    return command


def test_command(python, rest):
    # both cores; a notebook's cells stay together on one worker (nbval shares a kernel per notebook)
    parallel = [] if "-n" in rest or "-p" in rest else ["-n", "2", "--dist", "loadfile"]
    return [str(python), "-m", "pytest", *parallel, *rest]


def test_environment(base=None):
    env = dict(os.environ if base is None else base, PYTHONNOUSERSITE="1")
    # pytest runs two workers on the two cores; a multi-threaded BLAS in each would fight over them
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    return env


# ---------------------------------------------------------------- the learner's working copy

def cell_sources(path):
    """What a person wrote in a notebook (cell types and sources), without outputs or execution counts."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [(cell["cell_type"], "".join(cell["source"])) for cell in cells]


def answers_of(notebook):
    """{exercise: answer cell source} of an exercise notebook (its nbgrader answer cells)."""
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"] for cell in notebook["cells"]
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def carry_answers(mine, new):
    """The course's new exercise notebook with the learner's answers put into its answer cells."""
    notebook, answers = json.loads(Path(new).read_text(encoding="utf-8")), answers_of(
        json.loads(Path(mine).read_text(encoding="utf-8")))
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id in answers:
            cell["source"] = answers[grade_id]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def sync_working_copy(root=None, work=None, say=print):
    """Bring the working copy up to date with the course; return {relative path: what happened}."""
    root, work = Path(root or ROOT), Path(work or WORK)
    base, backup = work / ".course" / "as-given", work / ".course" / "backup" / time.strftime("%Y%m%d-%H%M%S")
    done = {}
    for folder in COURSE_FOLDERS:
        for course_file in sorted((root / folder).glob("*.ipynb")):
            relative = Path(folder) / course_file.name
            mine, given = work / relative, base / relative
            if not mine.exists():
                action = "added"
            elif given.exists() and cell_sources(given) == cell_sources(course_file):
                continue  # the course did not change this notebook
            elif given.exists() and cell_sources(mine) == cell_sources(given):
                action = "updated"  # the learner only ran it: nothing of theirs to keep
            else:
                (backup / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(mine, backup / relative)
                action = "updated; your previous version is in " + str((backup / relative).relative_to(work))
                if folder == "exercises":
                    mine.write_text(carry_answers(mine, course_file), encoding="utf-8")
                    action = "updated with your answers carried over; " + action.split("; ")[1]
            if not action.startswith("updated with"):
                mine.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(course_file, mine)
            given.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(course_file, given)
            done[str(relative)] = action
            say(f"  {relative}: {action}")
    return done


def update():
    """git pull the course (its tracked files are never the learner's), then refresh the working copy."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        print("Taking the course's updates (git pull) ...", flush=True)
        if subprocess.call(["git", "pull", "--ff-only"], cwd=ROOT) != 0:
            sys.exit("git pull failed (see above); your working copy in my-work/ is unchanged")
    print(f"Updating your working copy in {WORK} ...", flush=True)
    changed = sync_working_copy()
    print("  nothing to update" if not changed else f"  {len(changed)} notebook(s) added or updated")
    return 0


def main(argv):
    if argv and argv[0] == "update":
        return update()
    if not argv or argv[0] not in ("lab", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "lab":
        python = ensure_environment("")
        print(f"Your working copy: {WORK} (course updates never overwrite your answers there)", flush=True)
        sync_working_copy()
        if is_root():
            print("Running as root: starting JupyterLab with --allow-root.", flush=True)
        return subprocess.call(lab_command(python, rest), cwd=ROOT, env=dict(os.environ, PYTHONNOUSERSITE="1"))
    python = ensure_environment("test")
    return subprocess.call(test_command(python, rest), cwd=ROOT, env=test_environment())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
