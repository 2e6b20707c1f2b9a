"""The answer catalogues themselves: runnable as learners' answer cells, and summarised in tests/CATALOGUE.md."""
import ast
import inspect

import pytest

from dlcourse.checks import exercises
from tests import catalogue

MODULES = sorted({entry.module for entry in catalogue.entries()}, key=lambda m: m.__name__)
EXERCISED = {name for exercise in exercises().values() for name in exercise.functions}


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_a_catalogue_module_can_be_pasted_into_an_answer_cell(module):
    """numpy and the standard library only, and no exercised name bound at top level (the grader test binds them)."""
    tree = ast.parse(inspect.getsource(module))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert imported <= {"numpy", "math", "colorsys",
                        "warnings"} | ({"matplotlib"} if "image_features" in module.__name__
                                                                    else set())
    top = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    top |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    assert top & EXERCISED == set()


def test_every_entry_names_a_known_exercise_and_its_answers():
    for entry in catalogue.entries():
        exercise = exercises()[entry.exercise]
        assert len(entry.answers) == len(exercise.functions), entry.id
        assert entry.kind == "right" or entry.expected, f"{entry.id}: a wrong answer needs its expected feedback"


def test_the_catalogue_table_is_up_to_date():
    text = catalogue.markdown(catalogue.summary())
    assert (catalogue.HERE / "CATALOGUE.md").read_text(encoding="utf-8") == text, \
        "tests/CATALOGUE.md is out of date: run python -m tests.catalogue"
