"""Every lecture's claims about its experiments are listed in tests/claims/NN_slug.txt, so deleting one is noticed."""
import ast
import json
from pathlib import Path

import pytest

from dlcourse.claims import below, claim, mean_spread

ROOT = Path(__file__).resolve().parent.parent
LECTURES = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if not p.name.startswith("00_")]


def claims_in(path):
    """The statements of every ``claim(...)`` and ``below(...)`` call in a notebook's code cells, in order."""
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            python = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]  # magics
            tree = ast.parse("\n".join(python))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("claim", "below"):
                statement = node.args[-1] if node.args else None
                found.append(statement.value if isinstance(statement, ast.Constant) else ast.unparse(statement))
    return found


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_every_listed_claim_is_still_made(path):
    listed = ROOT / "tests" / "claims" / f"{path.stem}.txt"
    assert listed.exists(), f"{listed.relative_to(ROOT)} is missing: list the lecture's claims there, one a line"
    expected = [line for line in listed.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert claims_in(path) == expected, (
        f"{path.name}'s claim(...) calls differ from {listed.relative_to(ROOT)}; a claim removed from a lecture "
        "must be removed from the list on purpose")


def test_claim_prints_what_it_verified(capsys):
    claim(2 > 1, "two is more than one")
    assert capsys.readouterr().out == "✓ two is more than one\n"


def test_claim_fails_when_the_numbers_stop_supporting_it():
    with pytest.raises(AssertionError, match="no longer holds: one is more than two"):
        claim(1 > 2, "one is more than two")


def test_below_shows_the_bound_not_the_round_off_digits(capsys):
    below(3.2e-11, 1e-7, "max relative error")
    assert capsys.readouterr().out == "✓ max relative error below 1e-07\n"
    with pytest.raises(AssertionError):
        below([1e-9, 2e-6], 1e-7, "max relative error")


def test_mean_spread():
    assert mean_spread([1.0, 3.0], digits=1) == "2.0 ± 1.0"
