"""The learner release: what it holds, that its self-checks judge as the full course does, and that it leaks no answer.

The wheel is installed into a fresh virtual environment (no system site-packages) with ``pip install --no-deps``;
its runtime dependencies (numpy, matplotlib ...) cannot be installed offline here, so the environment sees this
venv's site-packages through a .pth file placed AFTER its own, and the test shows that ``dlcourse`` and all of its
modules come from the wheel (and that ``dlcourse.grader``, ``dlcourse.builder`` and the lecture checks modules are
not importable there).
"""
import ast
import inspect
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checks import exercises
from dlcourse.checks.core import evaluate
from dlcourse.checks.stored import StoredExercise, decode, encode
from dlcourse.release import LEARNER_MODULES, learner_files, release, store
from tests import catalogue
from tests.test_catalogue_grader import answer_source

# wheels and installs: what old setuptools and pip break, so also run at the oldest end (.ci/versions.py)
pytestmark = pytest.mark.versions

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "01_loss_functions"  # the exercise notebook executed from the release


# ---------------------------------------------------------------- stored data judges like the full course

def test_stored_values_round_trip_exactly():
    values = (np.arange(6, dtype=np.float32).reshape(2, 3), np.float64(0.1), np.int64(3), float("nan"), -0.0,
              {"W": np.array([[1e-300, np.inf]])}, [1, (2, "three")], None, True)
    back = decode(json.loads(json.dumps(encode(values))))
    assert type(back) is tuple and len(back) == len(values)
    assert back[0].dtype == np.float32 and back[0].shape == (2, 3) and np.array_equal(back[0], values[0])
    assert type(back[1]) is np.float64 and back[1] == 0.1 and type(back[2]) is np.int64
    assert np.isnan(back[3]) and str(back[4]) == "-0.0"
    assert back[5]["W"][0, 0] == 1e-300 and back[5]["W"][0, 1] == np.inf
    assert back[6:] == ([1, (2, "three")], None, True)


def _stored():
    return {data["name"]: StoredExercise(data) for data in json.loads(store())["exercises"]}


@pytest.mark.slow
def test_stored_checks_give_the_full_courses_feedback_on_both_catalogues():
    stored = _stored()
    assert sorted(stored) == sorted(exercises())
    different = []
    for entry in catalogue.entries():
        full = catalogue.judge(entry)
        with np.errstate(all="ignore"):
            verdict = evaluate(stored[entry.exercise], entry.functions())
        if (verdict.passed, verdict.feedback) != (full.passed, full.feedback):
            different.append(f"{entry.id}:\n{full.feedback}\n-- stored --\n{verdict.feedback}")
    assert len(catalogue.entries()) > 300 and not different, "\n\n".join(different[:3])


# ---------------------------------------------------------------- the release, built and installed

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "out"
    release(out)
    return out


@pytest.fixture(scope="module")
def learner_python(built, tmp_path_factory):
    """A fresh venv with the release's wheel installed; this venv's packages visible after its own."""
    env = tmp_path_factory.mktemp("venv") / "learner"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env)
    python = env / "bin" / "python"
    wheel = next((built / "dist").glob("dlcourse-*.whl"))
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    # zz_: .pth files are read in name order, after the venv's own site-packages is on the path
    Path(own, "zz_course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python, Path(own)


def test_release_holds_lectures_exercises_a_wheel_and_how_to_install_it(built):
    assert sorted(p.name for p in (built / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (built / "exercises").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    wheel = next((built / "dist").glob("dlcourse-*.whl"))
    assert f"python -m pip install dist/{wheel.name}" in (built / "INSTALL.md").read_text(encoding="utf-8")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"dlcourse/{relative}" for relative in learner_files()} | {"dlcourse/checks/__init__.py",
                                                                         "dlcourse/checks/exercises.json"}
    assert {n for n in names if not n.startswith("dlcourse-")} == shipped
    for tooling in ("builder", "grader/__init__", "site", "doctor", "notebooks", "gradescope", "canvas", "report",
                    "slides", "selfcheck", "release", "__main__", "checks/loss_functions", "checks/cnn"):
        assert f"dlcourse/{tooling}.py" not in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    requires = sorted(re.findall(r"^Requires-Dist: ([A-Za-z_-]+)", metadata, re.M))
    assert requires == ["ipywidgets", "matplotlib", "numpy", "scikit-learn", "tqdm"]


@pytest.mark.slow
def test_the_installed_learner_package_comes_from_the_wheel(learner_python):
    python, site = learner_python
    code = textwrap.dedent(f"""
        import importlib, pkgutil, dlcourse, dlcourse.checks
        from dlcourse.checks import check
        assert dlcourse.__file__.startswith({str(site)!r}), dlcourse.__file__
        assert check.__module__ == "dlcourse.checks.stored", check.__module__
        for module in pkgutil.walk_packages(dlcourse.__path__, "dlcourse."):
            assert importlib.import_module(module.name).__file__.startswith({str(site)!r}), module.name
        for tooling in ("grader", "builder", "notebooks", "release", "checks.loss_functions", "checks.cnn"):
            try:
                importlib.import_module("dlcourse." + tooling)
                raise SystemExit("importable: " + tooling)
            except ModuleNotFoundError:
                pass
        print("ok", len(dlcourse.checks.exercises()))
    """)
    done = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, cwd="/")
    assert done.stdout.split() == ["ok", str(len(exercises()))], done.stderr


RUNNER = r'''
import json, sys, traceback
import matplotlib
matplotlib.use("Agg")
nb = json.load(open(sys.argv[1], encoding="utf-8"))
namespace, results = {"__name__": "__main__"}, {}
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    source = "".join(cell["source"])
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    try:
        exec(compile(source, "<cell>", "exec"), namespace)
        if grade_id.endswith("-check"):
            results[grade_id[:-6]] = ["passed", ""]
    except Exception as error:
        if grade_id.endswith("-check"):
            results[grade_id[:-6]] = ["failed", str(error)]
print(json.dumps(results))
'''


def _run(python, notebook, folder):
    runner = folder / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    done = subprocess.run([str(python), "-I", str(runner), str(notebook)], capture_output=True, text=True,
                          cwd=folder, timeout=300, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _without_location(feedback):
    return "\n".join(line for line in feedback.splitlines() if not line.startswith("  at line "))


def _with_answers(source, answers):
    """The notebook at ``source`` with answer cells replaced: {exercise: cell source}."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and name in answers:
            cell.source = answers[name]
    return nb


@pytest.mark.slow
def test_an_exercise_notebook_from_the_release_checks_stubs_right_and_wrong_answers(built, learner_python,
                                                                                   tmp_path):
    python, _ = learner_python
    pristine = built / "exercises" / f"{NOTEBOOK}.ipynb"
    names = [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(pristine, as_version=4).cells
             if c.metadata.get("nbgrader", {}).get("solution")]
    stubs = _run(python, pristine, tmp_path)
    assert sorted(stubs) == sorted(names)
    assert all(status == "failed" and "is not implemented yet" in feedback for status, feedback in stubs.values())

    by_exercise = {}
    for entry in catalogue.entries():
        if entry.exercise in names:
            by_exercise.setdefault(entry.kind, {}).setdefault(entry.exercise, []).append(entry)
    for kind in ("right", "wrong"):
        rounds = max(len(entries) for entries in by_exercise[kind].values())
        for k in range(rounds):
            chosen = {name: entries[k] for name, entries in by_exercise[kind].items() if k < len(entries)}
            notebook = tmp_path / f"{kind}{k}.ipynb"
            nbformat.write(_with_answers(pristine, {n: answer_source(e) for n, e in chosen.items()}), notebook)
            results = _run(python, notebook, tmp_path)
            for name, entry in chosen.items():
                status, feedback = results[name]
                full = catalogue.judge(entry)
                assert (status == "passed") == full.passed == (kind == "right"), (entry.id, feedback)
                if kind == "wrong":  # the same hint and words around it; "at line ..." names where the code ran
                    assert _without_location(feedback) == _without_location(full.feedback), entry.id
                    assert catalogue.hints(feedback) == catalogue.hints(full.feedback), entry.id
                    assert entry.expected.lower() in feedback.lower(), entry.id


# ---------------------------------------------------------------- no answer in the release

def _normalised(node):
    """ast.dump of a function or lambda with its name, docstring and parameter names taken out."""
    node = ast.parse(ast.unparse(node)).body[0]  # a fresh copy
    target = node.value if isinstance(node, ast.Expr) else node
    arguments = target.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    renamed = {name: f"_p{i}" for i, name in enumerate(names)}
    for child in ast.walk(target):
        if isinstance(child, ast.arg) and child.arg in renamed:
            child.arg = renamed[child.arg]
        elif isinstance(child, ast.Name) and child.id in renamed:
            child.id = renamed[child.id]
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            child.returns = None
            body = child.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                child.body = body[1:] or [ast.Pass()]
        if isinstance(child, ast.arg):
            child.annotation = None
    if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
        target.name, target.decorator_list = "_f", []
        return ast.dump(ast.Module(body=target.body, type_ignores=[]), annotate_fields=False)
    return ast.dump(ast.Module(body=[ast.Return(target.body)], type_ignores=[]), annotate_fields=False)


def _functions_in(source):
    """Every function and lambda defined anywhere in ``source`` (nothing when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]


def _size(node):
    return sum(1 for _ in ast.walk(node))


def _source_of(function):
    """The source of a function, or of the lambda it is (its defining line, cut down to that lambda)."""
    try:
        text = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    if function.__name__ != "<lambda>":
        return text
    lambdas = [n for n in _functions_in(text) if isinstance(n, ast.Lambda)] or \
        [n for n in _functions_in("(" + text.strip().rstrip(",") + ")") if isinstance(n, ast.Lambda)]
    code = function.__code__
    chosen = [n for n in lambdas if [a.arg for a in n.args.args] == list(code.co_varnames[:code.co_argcount])]
    return ast.unparse(chosen[0]) if chosen else None


def answer_key():
    """{normalised AST: where} of every reference function, every known mistake's implementation, and every
    function of the solutions' answer cells (the code between BEGIN and END SOLUTION)."""
    key = {}

    def add(function, where):
        source = _source_of(function)
        for node in _functions_in(source) if source else []:
            if _size(node) >= 12:  # smaller ones (lambda x: x) are everyone's, not the answer
                key.setdefault(_normalised(node), where)

    for name, exercise in exercises().items():
        for function, reference in exercise.reference.items():
            add(reference, f"{name}: the reference {function}")
        for mistake in exercise.mistakes:
            implementations = mistake.implementation
            for implementation in (implementations.values() if isinstance(implementations, dict)
                                   else [implementations]):
                add(implementation, f"{name}: the mistake {mistake.name!r}")
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                for node in _functions_in(cell.source):
                    if _size(node) >= 12:
                        key.setdefault(_normalised(node), f"{path.name}: the answer cell "
                                                          f"{cell.metadata['nbgrader']['grade_id']}")
    return key


# (file in the release, what of the answer key): why it is no leak
NOT_LEAKS = {
    ("dlcourse/fast_layers.py", "conv_output_size: the reference conv_output_size"):
        "the one-line formula (H + 2P - F) // S + 1, printed in lecture 07 and in the exercise's own instructions",
}


def leaks(folder):
    """[(where in the release, what of the answer key)] for a release folder: solutions notebooks, and functions
    of any .py in the wheel or code cell of a notebook whose normalised AST is in the answer key."""
    key, found = answer_key(), []

    def scan(source, where):
        for node in _functions_in(source):
            if _size(node) >= 12 and _normalised(node) in key \
                    and (where.rpartition(":")[2], key[_normalised(node)]) not in NOT_LEAKS:
                found.append((f"{where}, line {node.lineno}", key[_normalised(node)]))

    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            if any("### BEGIN SOLUTION" in cell.source for cell in nb.cells):
                found.append((str(path), "a solutions notebook"))
            for number, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    scan(cell.source, f"{path.name} cell {number}")
        elif path.suffix == ".py":
            scan(path.read_text(encoding="utf-8"), str(path))
        elif path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                for name in wheel.namelist():
                    if name.endswith(".py"):
                        scan(wheel.read(name).decode("utf-8"), f"{path.name}:{name}")
                    elif name.endswith(".json") and b"def " in wheel.read(name):
                        found.append((f"{path.name}:{name}", "source code in stored data"))
    return found


def test_the_answer_key_is_found_by_the_normalisation():
    key = answer_key()
    softmax = exercises()["softmax"].reference["softmax"]
    renamed = textwrap.dedent(inspect.getsource(softmax)).replace(softmax.__name__, "my_softmax", 1)
    parameter = list(inspect.signature(softmax).parameters)[0]
    renamed = re.sub(rf"\b{parameter}\b", "scores", renamed)
    assert any(_normalised(node) in key for node in _functions_in(renamed))
    assert len(key) > 100


@pytest.mark.slow
def test_the_release_holds_no_answer(built):
    assert leaks(built) == []


@pytest.mark.slow
def test_the_leak_test_flags_a_reference_slipped_back_into_the_release(built, tmp_path):
    slipped = tmp_path / "slipped"
    shutil.copytree(built, slipped)
    reference = exercises()["conv2d_naive"].reference["conv2d_naive"]
    (slipped / "notebooks" / "helpers.py").write_text(textwrap.dedent(inspect.getsource(reference)),
                                                      encoding="utf-8")
    found = leaks(slipped)
    assert [what for _, what in found] == ["conv2d_naive: the reference conv2d_naive"], found


def test_learner_modules_are_defined_once():
    assert "grader" not in LEARNER_MODULES and "builder" not in LEARNER_MODULES
    assert set(learner_files()) >= {"layers.py", "checks/core.py", "checks/stored.py", "widgets/cnn.py"}
