#!/usr/bin/env python3
"""Set up the course in an isolated environment, then open it or test it.

    python3 course.py lab     create .venv (first time), install the course, open JupyterLab
    python3 course.py test    the same set-up, then run the whole test suite (extra arguments go to pytest)

Only the Python standard library is used here, so it runs the same on Linux, macOS and Windows.
A second run reuses .venv and reinstalls only when pyproject.toml changed.
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "dlcourse-installed.txt"


def venv_python():
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(extras):
    if sys.version_info < (3, 10):
        sys.exit(f"dlcourse needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print(f"Creating the course environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)

    def stamp(extra):
        return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()

    installed = STAMP.read_text().split() if STAMP.exists() else []
    # the test install is a superset of the plain one
    if stamp(extras) not in installed and not (extras == "" and stamp("test") in installed):
        print(f"Installing the course{' with ' + extras if extras else ''} (first run, or pyproject.toml changed; "
              "this takes a few minutes) ...",
              flush=True)
        target = f".[{extras}]" if extras else "."
        for command in (["install", "--quiet", "--upgrade", "pip"], ["install", "--quiet", "-e", target]):
            result = subprocess.run([str(python), "-m", "pip", *command], cwd=ROOT, capture_output=True, text=True)
            if result.returncode != 0:  # show pip's own words only when it failed
                sys.stderr.write(result.stdout + result.stderr)
                sys.exit(f"pip {' '.join(command)} failed (exit {result.returncode}); see above")
        STAMP.write_text("\n".join(installed + [stamp(extras)]) + "\n")
    return python


def main(argv):
    if not argv or argv[0] not in ("lab", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    env = dict(os.environ, PYTHONNOUSERSITE="1")
    if command == "lab":
        python = ensure_environment("")
        return subprocess.call([str(python), "-m", "jupyter", "lab", "--notebook-dir", str(ROOT), *rest],
                               cwd=ROOT, env=env)
    python = ensure_environment("test")
    # pytest runs two workers on the two cores; a multi-threaded BLAS in each would fight over them
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    # both cores; a notebook's cells stay together on one worker (nbval shares a kernel per notebook)
    parallel = [] if "-n" in rest or "-p" in rest else ["-n", "2", "--dist", "loadfile"]
    return subprocess.call([str(python), "-m", "pytest", *parallel, *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
