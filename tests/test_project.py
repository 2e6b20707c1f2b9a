"""The project's own consistency: environment.yml vs pyproject.toml, the layout and names of the contract."""
import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _normalise(requirement):
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                if not pip_entry.startswith("-e"):
                    listed.update([_normalise(pip_entry)])
        elif not entry.startswith(("python", "pip")) or entry.startswith("python-"):
            listed.update([_normalise(entry)])
    python = [e for e in env["dependencies"] if isinstance(e, str) and e.startswith("python")]
    wanted_python = "python" + project["requires-python"]
    assert python == [wanted_python] or python[0].replace(" ", "") == wanted_python
    assert listed == wanted


def test_torch_is_not_a_dependency():
    text = (ROOT / "pyproject.toml").read_text() + (ROOT / "environment.yml").read_text()
    assert "torch" not in text


def test_contract_names_exist():
    names = {
        "dlcourse.functions": ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "mean_squared_error",
                               "cross_entropy_error"],
        "dlcourse.layers": ["Affine", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", "Dropout", "SoftmaxWithLoss",
                            "Conv2d", "MaxPool2d", "Flatten", "BatchNorm"],
        "dlcourse.gradcheck": ["numerical_gradient", "rel_error"],
        "dlcourse.optim": ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"],
        "dlcourse.data": ["load_digits"],
    }
    for module, attributes in names.items():
        loaded = importlib.import_module(module)
        assert [a for a in attributes if not hasattr(loaded, a)] == [], module


def test_every_solutions_notebook_has_a_lecture_and_an_exercise_notebook():
    solutions = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert solutions, "no solutions notebooks"
    for name in solutions:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name), name
        assert (ROOT / "notebooks" / name).exists(), f"notebooks/{name} is missing"
        assert (ROOT / "exercises" / name).exists(), f"exercises/{name} is missing"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py test" in readme and "python3 course.py lab" in readme
    assert "python3 course.py test" in (ROOT / ".ci" / "run").read_text()


def test_the_code_follows_the_linter_rules():
    """ruff with the project's own configuration ([tool.ruff] in pyproject.toml) finds nothing."""
    pytest.importorskip("ruff", reason="ruff is in the test extra: pip install -e '.[test]'")
    import subprocess
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
