"""python -m dlcourse gradescope: the autograder zip, run as Gradescope runs it on a fake /autograder tree."""
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dlcourse.__main__ import main
from dlcourse.gradescope import find_notebooks, results_json, run
from dlcourse.report import GradeRow, Status

# wheels and installs: what old setuptools and pip break, so also run at the oldest end (.ci/versions.py)
pytestmark = pytest.mark.versions

ROOT = Path(__file__).resolve().parent.parent
SLUG = "01_loss_functions"

# Gradescope's "Autograder Specifications", Output format: every documented field and its type
TOP_LEVEL = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
             "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
             "extra_data": dict, "tests": list, "leaderboard": list}
TEST_FIELDS = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
               "number": str, "output": str, "output_format": str, "tags": list, "visibility": str,
               "extra_data": dict}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_results(data):
    """Raise AssertionError unless ``data`` is a results.json Gradescope documents (and shows as plain text)."""
    assert isinstance(data, dict), type(data)
    for key, value in data.items():
        assert key in TOP_LEVEL, f"undocumented top-level field {key!r}"
        assert isinstance(value, TOP_LEVEL[key]) and not isinstance(value, bool), (key, value)
    assert "score" in data or all("score" in t for t in data.get("tests", [])), "a score is required"
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITIES, (key, data[key])
    # learners' file names and output reach these texts: never rendered as HTML or markdown
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert data.get(key) == "text", (key, data.get(key))
    for test in data.get("tests", []):
        for key, value in test.items():
            assert key in TEST_FIELDS, f"undocumented test field {key!r}"
            assert isinstance(value, TEST_FIELDS[key]) and not isinstance(value, bool), (key, value)
        assert test.get("status", "passed") in {"passed", "failed"}, test
        assert test.get("visibility", "visible") in VISIBILITIES, test
        assert test.get("output_format", "text") in FORMATS and test.get("name_format", "text") in FORMATS
        if "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"], test
    if data.get("tests"):
        assert data["score"] == pytest.approx(sum(t.get("score", 0) for t in data["tests"]))


def row(submission, exercise, points, max_points, status, feedback):
    return GradeRow(submission, "submission", SLUG, exercise, points, max_points, Status(status), feedback)


def test_results_pass_the_graders_feedback_through_and_count_the_best_notebook():
    feedback = "softmax: 3 of 10 cases failed. First failure, hidden case 4 (random (3, 5) logits):\n" \
               "  output: shape (5,) instead of (3, 5)\n  hint: <b>normalise each row</b>"
    rows = [row("/ag/submission/01_loss_functions.ipynb", "softmax", 0, 2, "failed", feedback),
            row("/ag/submission/01_loss_functions.ipynb", "mean_squared_error", 1, 1, "passed", "✓"),
            row("/ag/submission/<img src=x>.ipynb", "softmax", 0, 2, "timeout", "ran too long"),
            row("/ag/submission/<img src=x>.ipynb", "mean_squared_error", 0, 1, "error", "NameError")]
    data = results_json(rows, SLUG, Path("/ag/submission"))
    check_results(data)
    assert data["score"] == 1.0
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("softmax", 0.0, 2.0, "failed"), ("mean_squared_error", 1.0, 1.0, "passed")]
    assert data["tests"][0]["output"] == feedback  # exactly the grader's words: no expected value added
    assert data["output"].startswith("01_loss_functions.ipynb: 1 of 3 points") and "2 notebooks" in data["output"]


def test_the_schema_check_rejects_what_gradescope_would_not_show_as_documented():
    good = {"score": 1.0, "output_format": "text", "test_output_format": "text", "test_name_format": "text",
            "tests": [{"name": "a", "score": 1.0, "max_score": 1.0, "status": "passed"}]}
    check_results(good)
    for broken in ({**good, "scroe": 1}, {**good, "output_format": "html"}, {**good, "visibility": "public"},
                   {**good, "tests": [{"name": "a", "score": 2.0, "max_score": 1.0}]},
                   {**good, "tests": [{"name": "a", "score": 1.0, "status": "ok"}]}, {**good, "score": 3.0}):
        with pytest.raises(AssertionError):
            check_results(broken)


def test_which_notebooks_of_a_submission_are_graded(tmp_path):
    for name in ("notes.ipynb", "a/01_loss_functions.ipynb", ".ipynb_checkpoints/01_loss_functions.ipynb",
                 "z.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert find_notebooks(tmp_path, SLUG) == [tmp_path / "a" / "01_loss_functions.ipynb"]
    assert find_notebooks(tmp_path, "02_gradient_descent") == [tmp_path / "notes.ipynb", tmp_path / "z.ipynb",
                                                               tmp_path / "a" / "01_loss_functions.ipynb"]


def test_an_empty_submission_gets_a_valid_results_file(tmp_path):
    (tmp_path / "submission").mkdir()
    run(tmp_path, SLUG)
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    check_results(data)
    assert data["score"] == 0 and "upload 01_loss_functions.ipynb" in data["output"]


def test_an_unknown_assignment_is_a_usage_error(tmp_path, capsys):
    assert main(["gradescope", "99_nothing", str(tmp_path / "ag.zip")]) == 2
    assert "not an assignment of the course" in capsys.readouterr().err
    assert not (tmp_path / "ag.zip").exists()


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    environment = dict(os.environ, DLCOURSE_GRADER_SEED="a secret of the test")
    done = subprocess.run([sys.executable, "-m", "dlcourse", "gradescope", SLUG, str(out), "--timeout", "90"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_zip_holds_what_gradescope_needs(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        wheel = next(n for n in names if n.endswith(".whl"))
        assert archive.read("seed") == b"a secret of the test"
        run_script = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", f"course/exercises/{SLUG}.ipynb", "seed"} <= set(names)
    assert wheel.startswith("dlcourse-") and wheel.endswith("-py3-none-any.whl")
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert f"--assignment {SLUG} --timeout 90" in run_script and "DLCOURSE_AUTOGRADER_ROOT" in run_script
    assert "apt-get install" in setup and "bubblewrap" in setup and "pip install" in setup
    for script in (setup, run_script):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


@pytest.mark.slow
def test_run_autograder_on_a_fake_autograder_tree(autograder_zip, tmp_path):
    """Gradescope's layout in a temporary root: source/ = the zip, submission/ = the learner's notebook."""
    from tests.test_grader import correct_submission, write
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    notebook = correct_submission(SLUG)
    wrong = "\n_right = mean_squared_error\n\ndef mean_squared_error(y, t):\n    return 2 * _right(y, t)\n"
    for cell in notebook.cells:  # one wrong answer: the factor 0.5 of the course's MSE left out
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "mean_squared_error":
            cell.source += wrong
    write(root / "submission" / f"{SLUG}.ipynb", notebook)
    environment = dict(os.environ, DLCOURSE_AUTOGRADER_ROOT=str(root), DLCOURSE_AUTOGRADER_PYTHON=sys.executable)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=environment, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_results(data)
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == ["softmax", "cross_entropy_error", "mean_squared_error", "binary_cross_entropy"]
    assert tests["mean_squared_error"]["status"] == "failed" and tests["mean_squared_error"]["score"] == 0
    assert "hint:" in tests["mean_squared_error"]["output"]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for n, t in tests.items()
               if n != "mean_squared_error")
    assert data["score"] == 5.0 and data["output"] == f"{SLUG}.ipynb: 5 of 6 points ({SLUG})."
    assert (root / "source" / "course" / "dlcourse" / "grader" / "__init__.py").is_file()  # graded from the copy
