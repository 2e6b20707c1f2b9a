"""python -m dlcourse report: totals, item analysis, failure hints and the page, from a small gradebook."""
import csv
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from dlcourse.__main__ import main
from dlcourse.report import (GradebookFormatError, Status, failure_hint, frequent_hints, items, learner_and_assignment,
                             read_gradebook, totals, write_report)

HEADER = ["submission", "exercise", "points", "max_points", "status", "feedback"]
XSS = "<img src=x onerror=alert(1)>"
SOFTMAX_HINT = "hint: exp alone is not a probability: divide by the sum of the row so it adds up to 1"
# What the grader writes today (no learner or assignment column); feedback shaped like the grader's
ROWS = [
    ["submissions/alice/01_loss_functions.ipynb", "softmax", "2", "2", "passed", "✓ softmax: all 10 cases passed"],
    ["submissions/alice/01_loss_functions.ipynb", "mean_squared_error", "0", "1", "failed",
     "mean_squared_error: 6 of 6 cases failed. First failure, case 1 (a batch):\n"
     "  output: expected 0.00638438, got 0.0127688\n  hint: keep the factor 0.5"],
    # alice's second copy: fewer points, so it does not count
    ["submissions/alice/01_loss_functions (1).ipynb", "softmax", "0", "2", "failed",
     f"softmax: 10 of 10 cases failed.\n  output: values differ (expected 0.9, got 0.1)\n  {SOFTMAX_HINT}"],
    ["submissions/alice/01_loss_functions (1).ipynb", "mean_squared_error", "0", "1", "error",
     "mean_squared_error: your answer cell raised NameError: name 'np' is not defined"],
    ["submissions/bob/01_loss_functions.ipynb", "softmax", "0", "2", "failed",
     f"softmax: 3 of 10 cases failed.\n  output: values differ; largest difference 0.5 at index (2,) "
     f"(expected 0.5, got 0)\n  {SOFTMAX_HINT}"],
    ["submissions/bob/01_loss_functions.ipynb", "mean_squared_error", "1", "1", "passed", "✓ all 6 cases passed"],
    ["submissions/bob/02_gradient_descent.ipynb", "gradient_descent", "0", "2", "timeout",
     "gradient_descent: it ran longer than 120 s, the time limit of a submission"],
    [f"submissions/{XSS}/01_loss_functions.ipynb", "softmax", "0", "2", "invalid",
     f"the file is not a notebook: {XSS}"],
    [f"submissions/{XSS}/01_loss_functions.ipynb", "mean_squared_error", "0", "1", "invalid",
     f"the file is not a notebook: {XSS}"],
    # a learner named like a formula: the grader writes such a cell with a leading quote
    ["'=SUM(1+2)/02_gradient_descent.ipynb", "gradient_descent", "2", "2", "passed", "✓"],
    ["submissions/carol/homework.ipynb", "", "0", "0", "invalid", "the file name matches no assignment"],
]


def write_gradebook(path, rows=ROWS, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def gradebook(tmp_path):
    return write_gradebook(tmp_path / "grades.csv")


def test_learner_and_assignment_from_the_path():
    known = ["01_loss_functions", "02_gradient_descent"]
    assert learner_and_assignment("submissions/alice/01_loss_functions.ipynb") == ("alice", "01_loss_functions")
    assert learner_and_assignment("s/bob/01_loss_functions (1).ipynb", known=known) == ("bob", "01_loss_functions")
    assert learner_and_assignment("s/bob/homework.ipynb", known=known) == ("bob", "")
    assert learner_and_assignment("01_loss_functions.ipynb") == ("01_loss_functions.ipynb", "01_loss_functions")
    pattern = r"(?P<learner>[a-z]+)_\d{2}_"
    assert learner_and_assignment("all/dave_01_loss_functions.ipynb", pattern, known) == ("dave", "")
    assert learner_and_assignment("all/eve/02_gradient_descent.ipynb", pattern) == ("eve", "02_gradient_descent")
    with pytest.raises(ValueError, match="no named group 'learner'"):
        learner_and_assignment("a/b.ipynb", r"(\w+)")


def test_columns_win_over_the_path(tmp_path):
    path = write_gradebook(tmp_path / "g.csv", [["x/y/01_loss_functions.ipynb", "alice", "03_backpropagation",
                                                 "affine", "1", "2", "failed", "nope", "no"]],
                           ["submission", "learner", "assignment", "exercise", "points", "max_points", "status",
                            "feedback", "copy_flag"])
    (row,) = read_gradebook(path)
    assert (row.learner, row.assignment, row.points, row.max_points, row.status) == \
        ("alice", "03_backpropagation", 1.0, 2.0, Status.FAILED)


def test_totals_count_the_best_submission_per_learner_and_assignment(gradebook):
    rows = read_gradebook(gradebook)
    assert rows[-2].submission == "=SUM(1+2)/02_gradient_descent.ipynb"  # the grader's quote taken off
    result = totals(rows)
    assert result.assignments == ["01_loss_functions", "02_gradient_descent"]
    assert result.maxima == {"01_loss_functions": 3.0, "02_gradient_descent": 2.0}
    assert result.learners == [XSS, "=SUM(1+2)", "alice", "bob"]  # carol's only file matches nothing
    assert result.best[("alice", "01_loss_functions")].path == "submissions/alice/01_loss_functions.ipynb"
    assert [result.points("alice", a) for a in result.assignments] == [2.0, None]
    assert (result.overall("bob"), result.overall_max) == (1.0, 5.0)


def test_items_are_sorted_hardest_first_and_hints_are_normalised(gradebook):
    result = totals(read_gradebook(gradebook))
    found = [(i.exercise, i.statuses[Status.PASSED], i.count) for i in items(result)]
    # softmax: alice passed, bob failed, the invalid one: 1 of 3; mean_squared_error 1 of 3 too; then 1 of 2
    assert found == [("mean_squared_error", 1, 3), ("softmax", 1, 3), ("gradient_descent", 1, 2)]
    hints = frequent_hints(result)
    not_a_notebook = "the file is not a notebook: " + XSS.replace("1", "#")  # numbers become #
    assert hints[("01_loss_functions", "mean_squared_error")] == [("hint: keep the factor 0.5", 1), (not_a_notebook, 1)]
    assert hints[("02_gradient_descent", "gradient_descent")] == [
        ("it ran longer than # s, the time limit of a submission", 1)]


def test_failure_hint_without_a_hint_keeps_what_differed_and_drops_the_values():
    one = failure_hint("softmax: 3 of 10 cases failed.\n  output: values differ; largest difference 0.903 at "
                       "index (2,) (expected 0.902538, got 0)\n  expected: [0.1, 0.9]")
    two = failure_hint("softmax: 9 of 10 cases failed.\n  output: values differ; largest difference 1e-3 at "
                       "index (0,) (expected 1, got 2)")
    assert one == two == "output: values differ; largest difference # at index (#,)"
    assert failure_hint("") == "(no feedback)"


def test_the_report_files(gradebook, tmp_path):
    out = tmp_path / "report"
    assert main(["report", str(gradebook), "--out", str(out)]) == 0
    with open(out / "totals.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["learner", "01_loss_functions", "01_loss_functions max", "02_gradient_descent",
                        "02_gradient_descent max", "total", "total max"]
    assert table[1:] == [[XSS, "0", "3", "", "2", "0", "5"],
                         ["'=SUM(1+2)", "", "3", "2", "2", "2", "5"],  # a formula stays text
                         ["alice", "2", "3", "", "2", "2", "5"],
                         ["bob", "1", "3", "0", "2", "1", "5"]]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from a network
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 3  # 2 histograms and the pass rates
    assert page.index(">mean_squared_error</a>") < page.index(">gradient_descent</a>")  # hardest first
    problems = page[page.index('id="problems"'):page.index('id="totals"')]
    assert problems.count("<tr>") == 1 + 5  # header, alice's error, bob's timeout, 2 invalid, carol's invalid
    assert "homework.ipynb" in problems and "(unknown)" in problems


def test_a_file_that_is_not_a_gradebook_is_a_usage_error(tmp_path, capsys):
    path = write_gradebook(tmp_path / "g.csv", [["a"]], ["name"])
    with pytest.raises(GradebookFormatError, match="lacks the column"):
        read_gradebook(path)
    bad = write_gradebook(tmp_path / "bad.csv", [["a/01_x.ipynb", "e", "1", "1", "ok", ""]])
    assert main(["report", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "line 2: status 'ok'" in capsys.readouterr().err


@pytest.mark.slow
def test_the_page_in_headless_chromium(gradebook, tmp_path):
    """The page opens without a server, its figures render and every link resolves."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Playwright package is not installed: pip install -e '.[test]' (or pip install playwright)")
    from tests.test_browser import CHROMIUM_FLAGS, find_chromium
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (looked for $DLCOURSE_CHROMIUM, /usr/bin/chromium, chromium, "
                    "chromium-browser, google-chrome on PATH): sudo apt-get install chromium")
    _, page_path = write_report(gradebook, tmp_path / "report")
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts" / "report"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            errors, requests = [], []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri(), wait_until="load")
            widths = page.evaluate("() => [...document.images].map(i => i.complete ? i.naturalWidth : 0)")
            links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => ["
                                  "a.getAttribute('href'), a.href])")
            targets = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
            artifacts.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(artifacts / "index.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert len(widths) == 3 and all(w > 0 for w in widths), widths
    assert all(url.startswith(("file:", "data:")) for url in requests), requests  # no network
    assert len(links) >= 8
    for written, resolved in links:
        if written.startswith("#"):
            assert written[1:] in targets, written
        else:
            assert Path(unquote(urlparse(resolved).path)).is_file(), written
    shutil.copy(page_path, artifacts / "index.html")


def test_near_copies_are_listed_for_a_human_and_cost_no_points(tmp_path):
    header = ["submission", "learner", "assignment", "exercise", "points", "max_points", "status", "feedback", "copy"]
    rows = [["s/alice/01_loss_functions.ipynb", "alice", "01_loss_functions", "softmax", "2", "2", "passed", "✓", ""],
            ["s/bob/01_loss_functions.ipynb", "bob", "01_loss_functions", "softmax", "2", "2", "passed", "✓",
             f"near-copy of s/alice/01_loss_functions.ipynb ({XSS}) (0.97)"],
            ["s/carol/01_loss_functions.ipynb", "carol", "01_loss_functions", "softmax", "2", "2", "passed", "✓",
             "near-copy of the course's own softmax (0.93)"]]
    gradebook = write_gradebook(tmp_path / "grades.csv", rows, header)
    assert [r.copy for r in read_gradebook(gradebook)] == ["", rows[1][-1], rows[2][-1]]
    _, page_path = write_report(gradebook, tmp_path / "report")
    page = page_path.read_text(encoding="utf-8")
    copies = page[page.index('id="copies"'):page.index('id="totals"')]
    assert copies.count("<tr>") == 1 + 2  # header, bob and carol
    assert "the course&#x27;s own softmax (0.93)" in copies and XSS not in copies and "&lt;img" in copies
    assert 'href="#copies"' in page
    result = totals(read_gradebook(gradebook))
    assert [result.overall(learner) for learner in ("alice", "bob", "carol")] == [2, 2, 2]


def test_a_report_without_flags_says_none(gradebook, tmp_path):
    _, page_path = write_report(gradebook, tmp_path / "report")
    page = page_path.read_text(encoding="utf-8")
    assert "<p>None.</p>" in page[page.index('id="copies"'):page.index('id="totals"')]
