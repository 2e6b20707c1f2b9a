"""``python -m dlcourse release OUT/``: what an instructor hands out, with no answer key in it.

OUT/notebooks (the lectures), OUT/exercises (never solutions/), OUT/dist/dlcourse-<version>-py3-none-any.whl (the
learner's library: LEARNER_MODULES and the stored-data self-check client) and OUT/INSTALL.md (the one command that
installs it). The wheel's checks judge from checks/exercises.json: each self-check case's inputs and the
reference's output, and each known mistake's output, computed here (see checks/stored.py).
"""
import inspect
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .checks import core, exercises
from .checks.core import CaseRule, Raised
from .checks.stored import encode

# The learner's library: the modules the wheel ships (a name is a module, or a package with all its modules).
# Everything else in dlcourse is instructor tooling (builder, grader, site, doctor, notebooks, gradescope, canvas,
# report, slides, selfcheck) or the answer key (checks/<lecture>.py). tests/test_import_direction.py holds the
# learner modules to importing nothing from the rest.
LEARNER_MODULES = ("__init__", "_validate", "claims", "data", "experiments", "fast_layers", "features", "functions",
                   "gradcheck", "layers", "naive", "network", "optim", "plots", "ravine", "seeds", "training",
                   "widgets")
# What of dlcourse/checks the release ships: the judging machinery and the stored-data client (never a lecture's
# module: those hold the references and the mistakes).
LEARNER_CHECKS = ("core", "stored")

CHECKS_INIT = '''"""Exercise checks of a learner release: ``check("softmax", softmax)`` judges from stored data.

The cases, the expected outputs and each known mistake's outputs were computed when the release was made
(``checks/exercises.json``); no reference implementation is installed.
"""
from .core import Case, CheckFailed, Exercise, Fn, Mistake, Rng
from .stored import check, exercises, get

__all__ = ["Case", "CheckFailed", "Exercise", "Fn", "Mistake", "Rng", "check", "exercises", "get"]
'''

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "dlcourse"
version = "{version}"
description = "Deep-learning fundamentals from scratch in numpy: the learner's library and self-checks"
requires-python = ">=3.10"
license = {{ text = "MIT" }}
dependencies = ["numpy>=1.24", "matplotlib>=3.7", "ipywidgets>=8.0", "tqdm>=4.64", "scikit-learn>=1.2"]

[tool.setuptools]
packages = {packages}

[tool.setuptools.package-data]
"dlcourse.checks" = ["exercises.json"]
'''

INSTALL = '''# Deep-learning fundamentals from scratch: the learner's release

- `notebooks/`: the lectures, with their outputs
- `exercises/`: the exercise notebooks; each check cell says ✓ or what is not yet right
- `dist/{wheel}`: the course library with its self-checks

Install it (Python 3.10 or newer; it brings numpy, matplotlib, ipywidgets, tqdm and scikit-learn) and a notebook
front end of your choice:

    python -m pip install dist/{wheel}

Then open `exercises/01_loss_functions.ipynb` in Jupyter and run it top to bottom.
'''


class ReleaseError(RuntimeError):
    pass


def learner_files(package=None):
    """{path inside the package: source file} of everything the wheel ships (the learner modules and the checks
    client); the one place the learner/tooling split is applied."""
    from .notebooks import ROOT
    package = Path(package or ROOT / "dlcourse")
    files = {}
    for name in LEARNER_MODULES:
        if (package / name).is_dir():
            for path in sorted((package / name).glob("*.py")):
                files[f"{name}/{path.name}"] = path
        else:
            files[f"{name}.py"] = package / f"{name}.py"
    for name in LEARNER_CHECKS:
        files[f"checks/{name}.py"] = package / "checks" / f"{name}.py"
    return files


def _stored_name(function, what):
    """The name under which ``function`` is found in checks.core (a release can ship only core's functions)."""
    name = getattr(function, "__name__", "")
    if getattr(core, name, None) is not function:
        raise ReleaseError(f"{what} {function!r} is not a function of dlcourse.checks.core: a release cannot store it")
    return name


def _outcome(compute):
    try:
        return compute()
    except Exception as error:  # stored as the exception's name, which is what judging looks at
        return Raised(type(error).__name__, str(error))


def store_exercise(exercise):
    """Plain data from which StoredExercise judges ``exercise`` as the full course's self-check does."""
    cases = exercise.cases()
    rule = exercise._compare
    if rule is not None and not isinstance(rule, CaseRule):
        raise ReleaseError(f"{exercise.name}: its compare function is code; declare it as a CaseRule (facts stored "
                           "per case, a rule of checks.core) so that a release can judge it")

    def parameters(function):
        try:
            return list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            return []

    return {
        "name": exercise.name, "functions": list(exercise.functions), "points": exercise.points,
        "rtol": exercise.rtol, "atol": exercise.atol, "value": exercise.value, "success": exercise.success,
        "parameters": {f: parameters(r) for f, r in exercise.reference.items()},
        "judged_part": {f: _stored_name(part, f"{exercise.name}: judged_part") for f, part
                        in exercise.judged_part.items()},
        "rule": None if rule is None else _stored_name(rule.rule, f"{exercise.name}: compare rule"),
        "cases": [{"args": encode(case.args), "kwargs": encode(case.kwargs), "label": case.label,
                   "function": case.function, "hidden": case.hidden, "call": case.call,
                   "expected": encode(_outcome(lambda: exercise.expected(case))),
                   "facts": encode(exercise.case_facts(case))} for case in cases],
        "mistakes": [{"name": m.name, "hint": m.hint, "raises": list(m.raises),
                      "outputs": [encode(_outcome(lambda: exercise._mistake_output(m, case))) for case in cases]}
                     for m in exercise.mistakes],
    }


def store(names=None):
    """The JSON text of checks/exercises.json for the exercises ``names`` (default: all)."""
    everything = exercises()
    chosen = [everything[name] for name in (names or sorted(everything))]
    return json.dumps({"exercises": [store_exercise(e) for e in chosen]}, separators=(",", ":"))


def build_wheel(work, version):
    """The learner wheel, built in ``work`` from a staged copy holding only learner_files() and the stored data."""
    from .gradescope import _can_build_wheels_here
    source = Path(work) / "source"
    for relative, path in learner_files().items():
        (source / "dlcourse" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, source / "dlcourse" / relative)
    (source / "dlcourse" / "checks" / "__init__.py").write_text(CHECKS_INIT, encoding="utf-8")
    (source / "dlcourse" / "checks" / "exercises.json").write_text(store(), encoding="utf-8")
    packages = sorted({"dlcourse." + str(Path(r).parent).replace("/", ".") for r in learner_files()} | {"dlcourse"})
    packages = [p.removesuffix(".") for p in packages if p != "dlcourse.."]
    (source / "pyproject.toml").write_text(PYPROJECT.format(version=version, packages=json.dumps(packages)),
                                           encoding="utf-8")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(Path(work) / "dist")]
    if _can_build_wheels_here():  # build with the setuptools installed here, offline
        command.append("--no-build-isolation")
    done = subprocess.run(command + [str(source)], capture_output=True, text=True)
    wheels = sorted((Path(work) / "dist").glob("dlcourse-*.whl"))
    if done.returncode != 0 or not wheels:
        raise ReleaseError(f"pip wheel could not build the learner package:\n{(done.stdout + done.stderr)[-2000:]}")
    return wheels[0]


def release(out):
    """Write OUT/notebooks, OUT/exercises, OUT/dist/<wheel> and OUT/INSTALL.md. Returns OUT."""
    from . import __version__
    from .notebooks import ROOT
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty: a release is written into a new folder")
    for folder in ("notebooks", "exercises"):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            shutil.copyfile(path, out / folder / path.name)
    with tempfile.TemporaryDirectory() as work:
        wheel = build_wheel(work, __version__)
        (out / "dist").mkdir()
        shutil.copyfile(wheel, out / "dist" / wheel.name)
    (out / "INSTALL.md").write_text(INSTALL.format(wheel=wheel.name), encoding="utf-8")
    return out


def main(args):
    try:
        out = release(args.out)
    except ReleaseError as error:
        print(f"release failed: {error}", file=sys.stderr)
        return 2
    print(f"release written to {out}: notebooks/, exercises/, dist/, INSTALL.md")
    return 0
