"""python -m dlcourse canvas: a Canvas gradebook export filled with the totals, in the format Canvas imports."""
import csv

import pytest

from dlcourse.__main__ import main
from dlcourse.canvas import CanvasError, fill, normalised, read_roster
from dlcourse.report import read_gradebook

# Shaped like Canvas's Grades > Export: UTF-8 with a byte-order mark, the identity columns, assignment columns
# "name (assignment id)", read-only totals, the "Points Possible" row after the header, a test student.
EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,01 Loss functions (2101),02 Gradient descent (2102),"
    "Quiz 1 (2103),Current Score,Unposted Current Score,Final Score\r\n"
    "    Points Possible,,,,,6.00,8.00,10.00,(read only),(read only),(read only)\r\n"
    '"Anders, Alice",5001,S-001,alice@uni.example,DL 2026 - 01,,,9.00,90.00,90.00,90.00\r\n'
    '"Berg, Bob",5002,S-002,Bob@uni.example,DL 2026 - 01,3.00,,7.00,70.00,70.00,70.00\r\n'
    '"=HYPERLINK(""http://x.example"";""click"")",5003,S-003,chen@uni.example,@section,,,,,,\r\n'
    '"Student, Test",5099,,teststudent,DL 2026 - 01,,,,,,\r\n'
)
GRADES = [
    ["submission", "exercise", "points", "max_points", "status", "feedback"],
    ["subs/alice/01_loss_functions.ipynb", "softmax", "2", "2", "passed", "✓"],
    ["subs/alice/01_loss_functions.ipynb", "mean_squared_error", "1", "4", "failed", "no"],
    ["subs/alice/02_gradient_descent.ipynb", "gradient_descent", "8", "8", "passed", "✓"],
    ["subs/bob/01_loss_functions.ipynb", "softmax", "0", "2", "failed", "no"],
    ["subs/bob/01_loss_functions.ipynb", "mean_squared_error", "4", "4", "passed", "✓"],
    ["subs/=1+1/01_loss_functions.ipynb", "softmax", "2", "2", "passed", "✓"],  # in no roster
    ["subs/=1+1/01_loss_functions.ipynb", "mean_squared_error", "0", "4", "failed", "no"],
]


@pytest.fixture
def files(tmp_path):
    export = tmp_path / "canvas_export.csv"
    export.write_bytes(EXPORT.encode("utf-8"))
    grades = tmp_path / "grades.csv"
    with open(grades, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(GRADES)
    return export, grades, tmp_path / "canvas_import.csv"


def read_import(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_import_file_keeps_canvas_layout_and_fills_the_assignments(files, capsys):
    export, grades, out = files
    assert main(["canvas", str(grades), "--roster", str(export), "--out", str(out), "--key", "email"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfStudent,ID,")  # as Canvas writes it
    table = read_import(out)
    assert table == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01 Loss functions (2101)",
         "02 Gradient descent (2102)"],
        ["    Points Possible", "", "", "", "", "6.00", "8.00"],
        ["Anders, Alice", "5001", "S-001", "alice@uni.example", "DL 2026 - 01", "3", "8"],
        ["Berg, Bob", "5002", "S-002", "Bob@uni.example", "DL 2026 - 01", "4", ""],  # no submission: blank
        ["'=HYPERLINK(\"http://x.example\";\"click\")", "5003", "S-003", "chen@uni.example", "'@section", "", ""],
        ["Student, Test", "5099", "", "teststudent", "DL 2026 - 01", "", ""],
    ]
    assert out.read_bytes().count(b"\r\n") == len(table)  # Canvas's line ends
    error = capsys.readouterr().err
    assert "1 submission(s) match no student" in error and "'=1+1' 01_loss_functions 2/6" in error
    assert read_import(out.with_name("canvas_import_unmatched.csv")) == [
        ["learner", "assignment", "points", "max_points", "submission"],
        ["'=1+1", "01_loss_functions", "2", "6", "subs/=1+1/01_loss_functions.ipynb"]]


def test_missing_zero_and_the_login_key(files):
    export, grades, out = files
    assert main(["canvas", str(grades), "--roster", str(export), "--out", str(out), "--missing", "zero"]) == 0
    table = read_import(out)
    # by the whole SIS Login ID: the folder names "alice" and "bob" match nobody, so everyone gets 0
    assert [row[5:] for row in table[2:]] == [["0", "0"]] * 4
    unmatched = read_import(out.with_name("canvas_import_unmatched.csv"))
    assert sorted(row[0] for row in unmatched[1:]) == ["'=1+1", "alice", "alice", "bob"]


def test_a_column_named_on_the_command_line(files, tmp_path):
    export, grades, out = files
    assert main(["canvas", str(grades), "--roster", str(export), "--out", str(out), "--key", "email",
                 "--missing", "zero", "--assignment-column", "02_gradient_descent=Quiz 1",
                 "--assignment-column", '01_loss_functions="01 Loss functions (2101)"']) == 0
    table = read_import(out)
    assert table[0][5:] == ["01 Loss functions (2101)", "Quiz 1 (2103)"]
    assert table[2][5:] == ["3", "8"] and table[3][5:] == ["4", "0"]


def test_usage_errors_say_what_to_change(files, capsys):
    export, grades, out = files
    roster, rows = read_roster(export), read_gradebook(grades)
    with pytest.raises(CanvasError, match="no column 'Homework'"):
        fill(roster, rows, mapping={"01_loss_functions": "Homework"})
    with pytest.raises(CanvasError, match="read-only"):
        fill(roster, rows, mapping={"01_loss_functions": "Current Score"})
    with pytest.raises(CanvasError, match="does not grade"):
        fill(roster, rows, mapping={"09_transformers": "Quiz 1"})
    doubled = read_roster(export)
    doubled.students.append(["Twin, Alice", "5005", "S-005", "ALICE@other.example", "x"] + [""] * 6)
    with pytest.raises(CanvasError, match="several students share 'alice'"):
        fill(doubled, rows, key="email")
    assert main(["canvas", str(grades), "--roster", str(grades), "--out", str(out)]) == 2
    assert "is not a Canvas gradebook export" in capsys.readouterr().err
    assert not out.exists()


def test_column_names_compare_with_slugs():
    assert normalised("01 Loss functions (2101)") == "01_loss_functions"
    assert normalised("01_loss_functions") == "01_loss_functions"
    assert normalised("Gradient descent (2102)") == "gradient_descent"
