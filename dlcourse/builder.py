"""``python -m dlcourse build``: generate the student notebooks in exercises/ from solutions/.

In every answer cell the region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()`` at the same indentation; outputs and execution
counts are cleared. The notebooks are validated first: every answer cell has its check cell
("<exercise>-check") right after it, with nbgrader schema-3 metadata and a registered exercise.
"""
import copy
from pathlib import Path

import nbformat

from .notebooks import BEGIN, END, ROOT, nbgrader, read


class BuildError(ValueError):
    pass


def strip_solution(source, where):
    """Replace every BEGIN/END SOLUTION region of a cell's source with the stub, keeping indentation."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise BuildError(f"{where}: line {number}: {BEGIN} inside another solution region")
            inside, indent = True, line[:len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif stripped == END:
            if not inside:
                raise BuildError(f"{where}: line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise BuildError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def validate(nb, name):
    from .checks import exercises

    registry = exercises()
    cells = nb.cells
    seen = set()
    for index, cell in enumerate(cells):
        meta = nbgrader(cell)
        if not meta:
            continue
        where = f"{name}, cell {index}"
        grade_id = meta.get("grade_id")
        if meta.get("schema_version") != 3:
            raise BuildError(f"{where}: nbgrader metadata must have schema_version 3, got {meta.get('schema_version')}")
        if grade_id in seen:
            raise BuildError(f"{where}: grade_id {grade_id!r} appears twice")
        seen.add(grade_id)
        if meta.get("solution"):
            if meta != {"solution": True, "grade": False, "locked": False, "grade_id": grade_id, "schema_version": 3}:
                raise BuildError(f"{where}: answer cell metadata must be exactly "
                                 '{"solution": true, "grade": false, "locked": false, "grade_id": ..., '
                                 f'"schema_version": 3}}, got {meta}')
            if BEGIN not in cell.source:
                raise BuildError(f"{where}: answer cell {grade_id!r} has no {BEGIN} region")
            if grade_id not in registry:
                raise BuildError(f"{where}: no exercise named {grade_id!r} in dlcourse.checks")
            following = next((c for c in cells[index + 1:] if c.cell_type == "code"), None)
            if following is None or nbgrader(following).get("grade_id") != f"{grade_id}-check":
                raise BuildError(f"{where}: answer cell {grade_id!r} must be followed by its check cell "
                                 f"'{grade_id}-check'")
        elif meta.get("grade"):
            expected = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                        "points": meta.get("points"), "schema_version": 3}
            if meta != expected or not grade_id.endswith("-check"):
                raise BuildError(f"{where}: check cell metadata must be {expected} with grade_id '<exercise>-check'")
            exercise = grade_id[:-len("-check")]
            if registry.get(exercise) is None or meta["points"] != registry[exercise].points:
                raise BuildError(f"{where}: check cell {grade_id!r} gives {meta.get('points')} points; the exercise "
                                 f"{exercise!r} defines {getattr(registry.get(exercise), 'points', 'none')}")


def student_version(nb, name):
    """The exercise notebook generated from a solutions notebook (a new object)."""
    validate(nb, name)
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        if nbgrader(cell).get("solution"):
            cell.source = strip_solution(cell.source, f"{name}, cell {index}")
    return out


def render(nb):
    return nbformat.writes(nb) + "\n"


def build(root=ROOT, check_only=False, out=print):
    """Generate exercises/ from solutions/. Returns the list of out-of-date (or written) notebook names."""
    solutions, exercises = Path(root) / "solutions", Path(root) / "exercises"
    exercises.mkdir(exist_ok=True)
    changed = []
    sources = sorted(solutions.glob("*.ipynb"))
    for source in sources:
        text = render(student_version(read(source), source.name))
        target = exercises / source.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(source.name)
            if not check_only:
                target.write_text(text, encoding="utf-8")
    stale = sorted(p.name for p in exercises.glob("*.ipynb") if not (solutions / p.name).exists())
    for name in stale:
        changed.append(name)
        if not check_only:
            (exercises / name).unlink()
    verb = "out of date" if check_only else "written"
    if changed:
        out(f"exercises/: {len(changed)} notebook(s) {verb}: {', '.join(changed)}"
            + (" (run: python -m dlcourse build)" if check_only else ""))
    else:
        out(f"exercises/: all {len(sources)} notebook(s) up to date")
    return changed


def answer_cells(nb):
    """{grade_id: source} of a notebook's answer cells (used by the grader)."""
    return {nbgrader(c)["grade_id"]: c.source for c in nb.cells if nbgrader(c).get("solution")}

