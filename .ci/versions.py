#!/usr/bin/env python3
"""The versions the README claims, tested: the whole suite on the oldest and on the newest supported set-up.

    python3 .ci/versions.py            # both ends; exit 0 only when both pass
    python3 .ci/versions.py oldest     # one end
    python3 .ci/versions.py --record   # write the timings of the last run to benchmarks/RESULTS.md

Every run leaves its figures in test-artifacts/versions.json (ignored by git), which --record reads.

- ``oldest``: the oldest supported Python (3.10) with the lowest versions ``pyproject.toml`` allows, chosen
  by uv's ``--resolution lowest-direct`` (uv itself is installed from the package index by pip), in
  ``.venv-oldest``; numpy's run-time SIMD dispatch is switched off there (``NPY_DISABLE_CPU_FEATURES``).
- ``newest``: the newest Python found on this machine with the newest versions pip finds, in
  ``.venv-newest``; BLAS runs with 2 threads there.

The tests marked slow (browser, Dask, sandbox attacks, the hiding probe) run once, in the README's test command,
with the newest versions; at both ends the other tests and nbval run, which is where another Python, other
versions and another round-off show. The oldest end also runs the slow tests marked ``versions`` (they build and
install wheels, which old setuptools and pip can break). Give pytest arguments to choose otherwise.

Each perturbation changes floating-point round-off the way another machine does, so the saved outputs of the
notebooks (compared by nbval) must not depend on it. Only the standard library is used here.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import course  # noqa: E402  (the README's set-up script: one way to make an environment)
from perturb import perturbation  # noqa: E402

NEWEST_CANDIDATES = [(3, minor) for minor in range(20, 10, -1)]


def find_python(version):
    """A working ``python3.X`` on this machine (on PATH, or installed by pyenv), or None."""
    name = f"python{version[0]}.{version[1]}"
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(name)] + sorted(pyenv.glob(f"{version[0]}.{version[1]}.*/bin/{name}"), reverse=True)
    for found in filter(None, candidates):
        # a pyenv shim exists for every installed version but runs only the selected ones
        if subprocess.run([str(found), "-c", "import venv, ensurepip"], capture_output=True).returncode == 0:
            return str(found)
    return None


def install_lowest(python, target):
    course.pip_with_progress(python, ["install", "--quiet", "uv"], "  installing uv")
    # lowest-direct: every direct dependency at the lowest version pyproject.toml allows, the rest resolved
    command = [str(python), "-m", "uv", "pip", "install", "--quiet", "--python", str(python),
               "--resolution", "lowest-direct", "-e", target]
    if subprocess.call(command, cwd=ROOT) != 0:
        sys.exit("uv could not install the lowest versions; see above")


def install_newest(python, target):
    course.pip_with_progress(python, ["install", "--quiet", "--upgrade", "pip"], "  updating pip")
    course.pip_with_progress(python, ["install", "--quiet", "--upgrade", "--upgrade-strategy", "eager", "-e", target],
                             "  installing the newest versions")


def run_end(name, pytest_args):
    if name == "oldest":
        interpreter, install, perturb_name = find_python(course.OLDEST_PYTHON), install_lowest, "no-simd"
    else:
        interpreter = next((found for version in NEWEST_CANDIDATES if (found := find_python(version))), None)
        install, perturb_name = install_newest, "blas-2-threads"
    if interpreter is None:
        print(f"== {name}: no such Python on this machine; this end is not tested here", flush=True)
        return None
    venv = ROOT / f".venv-{name}"
    print(f"== {name}: {interpreter}", flush=True)
    started = time.monotonic()
    # the environment is made by that Python, as a learner's would be
    if not course.venv_python(venv).exists() and subprocess.call([interpreter, "-m", "venv", str(venv)]) != 0:
        return {"name": name, "ok": False, "python": interpreter}
    python = course.ensure_environment("test", venv=venv, install=install)
    installed_in = time.monotonic() - started
    versions = subprocess.run([str(python), "-c", VERSIONS], capture_output=True, text=True).stdout.strip()
    changes = perturbation(perturb_name, python)
    print(f"   {versions}\n   perturbation: {perturb_name} {changes}", flush=True)
    started = time.monotonic()
    if not pytest_args:
        pytest_args = ["-m", "not slow or versions" if name == "oldest" else "not slow"]
    code = subprocess.call(course.test_command(python, pytest_args), cwd=ROOT,
                           env={**course.test_environment(), **changes})
    return {"name": name, "ok": code == 0, "python": interpreter, "versions": versions,
            "perturbation": perturb_name, "install": installed_in, "tests": time.monotonic() - started,
            "selection": " ".join(pytest_args) or "all"}


VERSIONS = ("import sys, numpy, matplotlib, sklearn, jupyterlab, ipywidgets, nbclient, nbval; "
            "print(f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, matplotlib {matplotlib.__version__}, '"
            "f'scikit-learn {sklearn.__version__}, jupyterlab {jupyterlab.__version__}, '"
            "f'ipywidgets {ipywidgets.__version__}, nbclient {nbclient.__version__}, nbval {nbval.__version__}')")


SUMMARY = ROOT / "test-artifacts" / "versions.json"


def record(results):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _results import cpu_model, write_section

    lines = ["## The supported versions, tested (`.ci/versions.py`)", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M')} on {cpu_model()}, {os.cpu_count()} cores.", "",
             "| end | versions | perturbation | tests | install (s) | tests (s) | result |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {r.get('versions', r['python'])} | {r.get('perturbation', '')} | "
                     f"{r.get('selection', 'all')} | "
                     f"{r.get('install', 0):.0f} | {r.get('tests', 0):.0f} | {'passed' if r['ok'] else 'FAILED'} |")
    write_section("versions", "\n".join(lines) + "\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ends", nargs="*", metavar="{oldest,newest}", help="which end (default: both)")
    parser.add_argument("--record", action="store_true",
                        help="run nothing; write the figures of the last run to benchmarks/RESULTS.md")
    args, pytest_args = parser.parse_known_args(argv)
    if args.record:
        record(json.loads(SUMMARY.read_text()))
        return 0
    unknown = [end for end in args.ends if end not in ("oldest", "newest")]
    if unknown:
        parser.error(f"unknown end {', '.join(unknown)}: choose oldest or newest")
    results = [r for r in (run_end(name, pytest_args) for name in (args.ends or ["oldest", "newest"])) if r]
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(results, indent=1))
    for r in results:
        print(f"== {r['name']}: {'passed' if r['ok'] else 'FAILED'}"
              + (f" (install {r['install']:.0f} s, suite {r['tests']:.0f} s)" if "tests" in r else ""))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
