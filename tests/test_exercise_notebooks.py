"""The generated exercise notebooks, run exactly as learners get them: every check fails, every other cell runs.

Also the learner's command-line self-check on the solutions (everything passes) and on the stubs.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse.checks import exercises
from dlcourse.notebooks import execute, exercises_in, is_answer_cell, is_check_cell, read

ROOT = Path(__file__).resolve().parent.parent
EXERCISE_NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb"))


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=[p.stem for p in EXERCISE_NOTEBOOKS])
def test_stubs_fail_every_check_and_nothing_else(path):
    nb = read(path)
    found = exercises_in(nb)
    assert found, f"{path.name} has no exercises"
    execute(nb, cwd=path.parent, allow_errors=True)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        raised = errors(cell)
        if is_check_cell(cell):
            assert raised, f"{path.name}: check cell {index} passed on the unfilled stub"
            assert raised[0]["ename"] == "CheckFailed", raised[0]
            assert "not implemented yet" in raised[0]["evalue"] or "not answered yet" in raised[0]["evalue"], \
                raised[0]["evalue"]
        elif is_answer_cell(cell):
            assert all(e["ename"] == "NotImplementedError" for e in raised), raised
        else:
            assert not raised, (f"{path.name}: cell {index} fails on the stubs: "
                                f"{raised[0]['ename']}: {raised[0]['evalue']}")
    registered = exercises()
    for name, answer_index, _, points in found:
        assert name in registered and registered[name].points == points
        assert answer_index is not None, f"{path.name}: exercise {name} has no answer cell"


def test_every_registered_exercise_appears_in_exactly_one_notebook():
    seen = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for name, *_ in exercises_in(read(path)):
            seen.setdefault(name, []).append(path.name)
    assert {n: p for n, p in seen.items() if len(p) > 1} == {}
    assert sorted(set(exercises()) - set(seen)) == []


def _self_check(path):
    return subprocess.run([sys.executable, "-m", "dlcourse", "check", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_self_check_command_on_the_lecture_01_solutions_and_stubs():
    solutions = ROOT / "solutions" / "01_loss_functions.ipynb"
    if not solutions.exists():
        pytest.skip("lecture 01 is not in solutions/")
    total = sum(points for *_, points in exercises_in(read(solutions)))
    result = _self_check(solutions)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Score: {total}/{total}" in result.stdout
    result = _self_check(ROOT / "exercises" / "01_loss_functions.ipynb")
    assert result.returncode == 1
    assert f"Score: 0/{total}" in result.stdout and "not implemented yet" in result.stdout


def test_self_check_command_on_a_missing_notebook():
    result = _self_check(ROOT / "exercises" / "no_such.ipynb")
    assert result.returncode == 2 and "no notebook at" in result.stderr
