"""``python -m dlcourse check NOTEBOOK``: run a notebook top to bottom and report every exercise."""
from pathlib import Path

from .notebooks import execute, exercises_in, read


def _cell_result(cell):
    """(status, feedback) read from an executed check cell's outputs."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            if output.get("ename") in ("CheckFailed", "AssertionError"):
                return "failed", output.get("evalue", "")
            return "error", f"{output.get('ename')}: {output.get('evalue')}"
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    ticks = [line for line in text.splitlines() if line.startswith("✓")]
    if ticks:
        return "passed", ticks[0]
    return "failed", "the check cell printed no ✓ line"


def check_notebook(path, timeout=120, out=print):
    """Execute the notebook in a fresh kernel, print a per-exercise table and the score; True if all passed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}")
    nb = read(path)
    found = exercises_in(nb)
    if not found:
        out(f"{path}: no exercises (no cell with nbgrader grade metadata)")
        return False
    out(f"Running {path} in a fresh kernel ...")
    execute(nb, cwd=path.parent.resolve(), timeout=timeout, allow_errors=True)
    rows, score, total = [], 0, 0
    for name, _, check_index, points in found:
        status, feedback = _cell_result(nb.cells[check_index])
        earned = points if status == "passed" else 0
        score, total = score + earned, total + points
        rows.append((name, status, f"{earned}/{points}", feedback))
    width = max(len(r[0]) for r in rows)
    out("")
    for name, status, pts, feedback in rows:
        mark = "✓" if status == "passed" else "✗"
        out(f"{mark} {name:<{width}}  {status:<7} {pts:>5}")
        if status != "passed":
            for line in feedback.strip().splitlines():
                out(f"      {line}")
    out(f"\nScore: {score}/{total} ({sum(r[1] == 'passed' for r in rows)} of {len(rows)} exercises passed)")
    return all(r[1] == "passed" for r in rows)
