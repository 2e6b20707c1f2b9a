"""The learner's library imports nothing from the instructor's tooling (a static scan of every import).

The learner modules are what the release's wheel ships (dlcourse.release.learner_files, defined once there);
every other module of dlcourse is tooling or the answer key. Absolute (``import dlcourse.grader``,
``from dlcourse import builder``) and relative (``from . import site``, ``from ..checks import cnn``) imports are
resolved, also those inside functions.
"""
import ast
from pathlib import Path

import pytest

from dlcourse.release import learner_files

PACKAGE = Path(__file__).resolve().parent.parent / "dlcourse"


def _module_of(relative):
    """dlcourse.x.y for a path x/y.py inside the package (a package's __init__.py is the package)."""
    parts = Path(relative).with_suffix("").parts
    return ".".join(("dlcourse",) + (parts[:-1] if parts[-1] == "__init__" else parts))


def imported_modules(source, module, is_package=False):
    """Every dlcourse module that ``source`` (the module ``module``) imports, as dotted names."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module
            found.append(stem)
            found += [f"{stem}.{alias.name}" for alias in node.names]  # from . import x: x may be a module
    return [name for name in found if name == "dlcourse" or name.startswith("dlcourse.")]


def _exists(dotted):
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _learner_module_names():
    return {_module_of(relative) for relative in learner_files()}


def forbidden_imports(files):
    """[(importing module, imported tooling module)] among ``files`` {relative path: path}."""
    learner = _learner_module_names()
    bad = []
    for relative, path in files.items():
        module = _module_of(relative)
        for name in imported_modules(path.read_text(encoding="utf-8"), module, relative.endswith("__init__.py")):
            if _exists(name) and name not in learner and name != "dlcourse.checks":
                bad.append((module, name))
    return bad


def test_the_scan_resolves_relative_imports():
    source = "from . import site\nfrom ..checks import cnn\nimport dlcourse.grader\nfrom .layers import Affine\n"
    assert imported_modules(source, "dlcourse.widgets.cnn") == [
        "dlcourse.widgets", "dlcourse.widgets.site", "dlcourse.checks", "dlcourse.checks.cnn", "dlcourse.grader",
        "dlcourse.widgets.layers", "dlcourse.widgets.layers.Affine"]
    assert imported_modules("from . import builder", "dlcourse", is_package=True)[1] == "dlcourse.builder"


def test_the_scan_catches_a_learner_module_importing_tooling(tmp_path):
    leaky = tmp_path / "layers.py"
    leaky.write_text("import numpy as np\n\ndef f():\n    from .grader import sandbox\n    from . import notebooks\n",
                     encoding="utf-8")
    assert forbidden_imports({"layers.py": leaky}) == [("dlcourse.layers", "dlcourse.grader"),
                                                       ("dlcourse.layers", "dlcourse.grader.sandbox"),
                                                       ("dlcourse.layers", "dlcourse.notebooks")]


@pytest.mark.parametrize("relative", sorted(learner_files()))
def test_a_learner_module_imports_no_tooling(relative):
    assert forbidden_imports({relative: learner_files()[relative]}) == []
