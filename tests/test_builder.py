"""The single-source builder: solutions/ -> exercises/."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dlcourse.builder import BuildError, build, strip_solution, student_version
from dlcourse.notebooks import BEGIN, END, exercises_in, nbgrader

ROOT = Path(__file__).resolve().parent.parent


def answer_cell(grade_id, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": grade_id,
                                 "schema_version": 3}
    return cell


def check_cell(grade_id, points, source=None):
    cell = nbformat.v4.new_code_cell(source or f'from dlcourse.checks import check\ncheck("{grade_id}", {grade_id})')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": f"{grade_id}-check",
                                 "points": points, "schema_version": 3}
    return cell


SOFTMAX_SOLUTION = f"""import numpy as np

def softmax(x):
    \"\"\"Softmax along the last axis.\"\"\"
    {BEGIN}
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    {END}
"""


def tiny_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Softmax"), answer_cell("softmax", SOFTMAX_SOLUTION),
                check_cell("softmax", 2)]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hello")]
    nb.cells[1].execution_count = 3
    return nb


def test_strip_solution_keeps_indentation_and_the_rest_of_the_cell():
    stub = strip_solution(SOFTMAX_SOLUTION, "cell")
    assert stub == ('import numpy as np\n\ndef softmax(x):\n    """Softmax along the last axis."""\n'
                    "    # YOUR CODE HERE\n    raise NotImplementedError()")


@pytest.mark.parametrize("source, message", [
    (f"{BEGIN}\nx = 1\n", "never closed"),
    (f"x = 1\n{END}\n", "without"),
    (f"{BEGIN}\n{BEGIN}\n{END}\n", "inside another solution region"),
])
def test_strip_solution_rejects_broken_markers(source, message):
    with pytest.raises(BuildError, match=message):
        strip_solution(source, "cell")


def test_student_version_clears_outputs_and_stubs_answers():
    student = student_version(tiny_notebook(), "tiny.ipynb")
    assert "raise NotImplementedError()" in student.cells[1].source and "np.exp" not in student.cells[1].source
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    assert nbgrader(student.cells[2])["points"] == 2
    assert exercises_in(student) == [("softmax", 1, 2, 2)]


@pytest.mark.parametrize("breakage, message", [
    (lambda nb: nb.cells.pop(2), "must be followed by its check cell 'softmax-check'"),
    (lambda nb: nb.cells.insert(2, nb.cells.pop(1)), "must be followed by its check cell"),
    (lambda nb: nb.cells[2].metadata["nbgrader"].update(points=5), "gives 5 points; the exercise 'softmax' defines 2"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(grade_id="sofmax"), "no exercise named 'sofmax'"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(schema_version=1), "schema_version 3"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(locked=True), "answer cell metadata must be exactly"),
    (lambda nb: setattr(nb.cells[1], "source", "def softmax(x):\n    return x"), "has no ### BEGIN SOLUTION region"),
    (lambda nb: nb.cells.append(check_cell("softmax", 2)), "appears twice"),
])
def test_validation_names_the_problem(breakage, message):
    nb = tiny_notebook()
    breakage(nb)
    with pytest.raises(BuildError, match=message):
        student_version(nb, "tiny.ipynb")


def test_build_writes_then_check_reports_drift(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(tiny_notebook(), str(tmp_path / "solutions" / "01_tiny.ipynb"))
    messages = []
    assert build(tmp_path, check_only=True, out=messages.append) == ["01_tiny.ipynb"]
    assert not (tmp_path / "exercises" / "01_tiny.ipynb").exists()
    assert build(tmp_path, out=messages.append) == ["01_tiny.ipynb"]
    assert build(tmp_path, check_only=True, out=messages.append) == []
    generated = tmp_path / "exercises" / "01_tiny.ipynb"
    generated.write_text(generated.read_text().replace("YOUR CODE HERE", "edited by hand"))
    (tmp_path / "exercises" / "99_orphan.ipynb").write_text("{}")
    assert build(tmp_path, check_only=True, out=messages.append) == ["01_tiny.ipynb", "99_orphan.ipynb"]
    assert "out of date" in messages[-1] and "python -m dlcourse build" in messages[-1]


def test_the_course_exercises_are_up_to_date_and_carry_no_solution():
    assert build(ROOT, check_only=True) == []
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert BEGIN not in text and END not in text, path.name
        nb = nbformat.read(str(path), as_version=4)
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code"), path.name


def test_build_check_command_exit_codes(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dlcourse", "build", "--check"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout
