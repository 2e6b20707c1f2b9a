"""course.py, the README's set-up script: a Python without venv, root, Windows paths, and a fake JupyterLab."""
import hashlib
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import course  # noqa: E402


def test_a_python_without_venv_or_ensurepip_gets_the_package_to_install(monkeypatch, tmp_path, capsys):
    real = course.importlib.util.find_spec
    monkeypatch.setattr(course.importlib.util, "find_spec", lambda name: None if name == "ensurepip" else real(name))
    with pytest.raises(SystemExit) as stop:
        course.ensure_environment("", venv=tmp_path / "venv")
    assert "the module ensurepip is missing" in str(stop.value)
    assert "sudo apt-get install python3-venv" in str(stop.value)
    assert not (tmp_path / "venv").exists()


def test_the_environment_python_is_found_where_windows_puts_it(monkeypatch):
    monkeypatch.setattr(course, "os", SimpleNamespace(name="nt"))  # course.os only; pathlib keeps the real one
    assert course.venv_python(Path("v")) == Path("v") / "Scripts" / "python.exe"


def fake_environment(tmp_path, extras="test"):
    """A .venv whose python only records how JupyterLab was started, marked as installed for this pyproject."""
    venv = tmp_path / "venv"
    python = course.venv_python(venv)
    python.parent.mkdir(parents=True)
    record = tmp_path / "started-with.txt"
    python.write_text(f"#!/bin/sh\necho \"$@\" > '{record}'\n")
    python.chmod(0o755)
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    (venv / course.STAMP_NAME).write_text(stamp + "\n")
    return venv, record


@pytest.mark.skipif(os.name == "nt", reason="the fake interpreter is a shell script")
@pytest.mark.parametrize("uid, allow_root", [(0, True), (1000, False)], ids=["root", "normal user"])
def test_lab_opens_jupyterlab_as_root_and_as_a_normal_user(monkeypatch, tmp_path, uid, allow_root):
    venv, record = fake_environment(tmp_path)
    monkeypatch.setattr(course, "VENV", venv)
    monkeypatch.setattr(course, "WORK", tmp_path / "my-work")
    monkeypatch.setattr(course.os, "geteuid", lambda: uid, raising=False)
    monkeypatch.setattr(course, "ensure_environment", lambda extras: course.venv_python(venv))
    assert course.main(["lab", "--no-browser"]) == 0
    started = record.read_text().split()
    assert started[:3] == ["-m", "jupyter", "lab"] and "--no-browser" in started
    assert ("--allow-root" in started) is allow_root
    assert started[started.index("--notebook-dir") + 1] == str(tmp_path / "my-work")
    assert (tmp_path / "my-work" / "exercises" / "01_loss_functions.ipynb").exists()


def test_an_installed_environment_is_reused_without_pip(monkeypatch, tmp_path):
    venv, _ = fake_environment(tmp_path)
    monkeypatch.setattr(course, "pip_with_progress", lambda *a: pytest.fail("pip ran on an up-to-date environment"))
    assert course.ensure_environment("", venv=venv) == course.venv_python(venv)  # lab reuses a test install


def test_a_failing_pip_shows_its_output_and_stops(tmp_path, capsys):
    with pytest.raises(SystemExit, match="pip install --no-such-option failed"):
        course.pip_with_progress(sys.executable, ["install", "--no-such-option"], "  trying")
    out, err = capsys.readouterr()
    assert out.startswith("  trying") and "failed" in out and "no such option" in err


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def answer(grade_id, text):
    meta = {"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": grade_id,
                         "schema_version": 3}}
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": [], "execution_count": None}


def write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


def test_a_learners_answers_survive_a_course_update(tmp_path):
    course_root, work = tmp_path / "course", tmp_path / "my-work"
    stub = "# YOUR CODE HERE\nraise NotImplementedError()"
    write(course_root / "exercises" / "01_x.ipynb", notebook(markdown("Softmax."), answer("softmax", stub)))
    write(course_root / "notebooks" / "01_x.ipynb", notebook(markdown("Lecture, first version.")))
    write(course_root / "notebooks" / "02_y.ipynb", notebook(markdown("Another lecture.")))
    first = course.sync_working_copy(course_root, work, say=lambda line: None)
    assert set(first.values()) == {"added"} and len(first) == 3

    # the learner answers the exercise, edits one lecture and only runs the other
    mine = json.loads((work / "exercises" / "01_x.ipynb").read_text())
    mine["cells"][1]["source"] = "def softmax(x):\n    return my_answer(x)"
    write(work / "exercises" / "01_x.ipynb", mine)
    write(work / "notebooks" / "01_x.ipynb", notebook(markdown("Lecture, first version. My own note.")))
    ran = notebook(markdown("Another lecture."))
    ran["cells"][0]["outputs"] = []
    write(work / "notebooks" / "02_y.ipynb", ran)

    # the course changes all three
    write(course_root / "exercises" / "01_x.ipynb",
          notebook(markdown("Softmax, with a clearer hint."), answer("softmax", stub)))
    write(course_root / "notebooks" / "01_x.ipynb", notebook(markdown("Lecture, corrected.")))
    write(course_root / "notebooks" / "02_y.ipynb", notebook(markdown("Another lecture, corrected.")))
    second = course.sync_working_copy(course_root, work, say=lambda line: None)

    updated = json.loads((work / "exercises" / "01_x.ipynb").read_text())
    assert course.cell_sources(work / "exercises" / "01_x.ipynb") == [
        ("markdown", "Softmax, with a clearer hint."), ("code", "def softmax(x):\n    return my_answer(x)")]
    assert second["exercises/01_x.ipynb"].startswith("updated with your answers carried over")
    assert updated["cells"][1]["metadata"]["nbgrader"]["grade_id"] == "softmax"
    assert course.cell_sources(work / "notebooks" / "01_x.ipynb") == [("markdown", "Lecture, corrected.")]
    kept = list((work / ".course" / "backup").glob("*/notebooks/01_x.ipynb"))
    assert len(kept) == 1 and "My own note." in kept[0].read_text()
    assert second["notebooks/02_y.ipynb"] == "updated"
    # nothing changed since: a third sync does nothing
    assert course.sync_working_copy(course_root, work, say=lambda line: None) == {}
