"""Reading and running course notebooks: nbgrader cell metadata, execution with nbclient."""
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer_cell(cell):
    return bool(nbgrader(cell).get("solution"))


def is_check_cell(cell):
    return bool(nbgrader(cell).get("grade")) and not nbgrader(cell).get("solution")


def exercises_in(nb):
    """[(exercise name, answer cell index, check cell index, points)] in notebook order."""
    answers, found = {}, []
    for index, cell in enumerate(nb.cells):
        meta = nbgrader(cell)
        if is_answer_cell(cell):
            answers[meta.get("grade_id")] = index
        elif is_check_cell(cell):
            grade_id = meta.get("grade_id", "")
            name = grade_id[:-len("-check")] if grade_id.endswith("-check") else grade_id
            found.append((name, answers.get(name), index, meta.get("points", 0)))
    return found


def read(path):
    return nbformat.read(str(path), as_version=4)


def execute(nb, cwd, timeout=120, allow_errors=False, kernel_name="python3"):
    """Run every cell of ``nb`` top to bottom in a fresh kernel, in place; returns nb."""
    from nbclient import NotebookClient

    # the kernel's own start-up log (e.g. "running over TCP without encryption" on a local kernel) is noise
    # here; what the notebook's code prints or warns still reaches its outputs
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    client.execute()
    return nb


def execute_in_place(path, timeout=300):
    """Execute a notebook top to bottom in a fresh kernel and save it with its outputs; returns seconds."""
    import os
    import time

    path = Path(path)
    nb = read(path)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    start = time.perf_counter()
    execute(nb, cwd=path.parent.resolve(), timeout=timeout)
    seconds = time.perf_counter() - start
    nbformat.write(nb, str(path))
    return seconds
