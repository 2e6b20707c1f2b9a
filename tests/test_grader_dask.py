"""Grading on a real Dask cluster on 127.0.0.1: a scheduler and three workers as processes of their own, one
of them killed in the middle of the batch; the gradebook must hold exactly the rows of a local run."""
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.test_grader import BWRAP, HAVE_LECTURE_01, ROOT, SLUG, correct_submission, grade, nbgrader, rows_of, write

distributed = pytest.importorskip("distributed", reason="dask/distributed are not installed: pip install "
                                                        "'dlcourse[dask]' (the test extra has them too)")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not BWRAP, reason="bubblewrap (bwrap) is missing: the workers cannot sandbox"),
              pytest.mark.skipif(not HAVE_LECTURE_01, reason="lecture 01's notebooks are missing")]


def _with_answer(nb, grade_id, source):
    for cell in nb.cells:
        if nbgrader(cell).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _batch(folder):
    """8 submissions: right, wrong, raising, broken, in one folder per learner."""
    right = correct_submission(SLUG)
    kinds = {"ann": right, "ben": right, "cho": right, "dan": right,
             "eve": _with_answer(correct_submission(SLUG), "softmax", "def softmax(x):\n    return x\n"),
             "fay": _with_answer(correct_submission(SLUG), "cross_entropy_error", "raise ValueError('no idea')\n"),
             "gus": b'{"cells": [',  # truncated JSON
             "hal": _with_answer(correct_submission(SLUG), "mean_squared_error", "def mean_squared_error(y, t):\n"
                                 "    return 0.0\n")}
    return [write(folder / name / f"{SLUG}.ipynb", content) for name, content in kinds.items()]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, each in a session of its own (killed as a group)."""

    def __init__(self, base, workers):
        self.file = base / "scheduler.json"
        self.environment = dict(os.environ, PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__WORKER__DAEMON="False")
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.scheduler = self._start(dask + ["--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                             "--scheduler-file", str(self.file)], base / "scheduler.log")
        deadline = time.monotonic() + 120
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.file.exists(), (base / "scheduler.log").read_text()
        self.workers = [self._start([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                     str(self.file), "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                     "--name", f"worker{i}"], base / f"worker{i}.log") for i in range(workers)]
        with distributed.Client(scheduler_file=str(self.file), timeout="60s") as client:
            client.wait_for_workers(workers, timeout=180)
            self.address = client.scheduler.address

    def _start(self, command, log):
        return subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=open(log, "wb"),
                                stderr=subprocess.STDOUT, start_new_session=True)

    def busy_worker(self):
        """The process of a worker that has a task in hand now, or None."""
        with distributed.Client(self.address, timeout="60s") as client:
            processing = client.processing()
            names = {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}
        busy = [names[address] for address, keys in processing.items() if keys and address in names]
        return self.workers[int(busy[0].removeprefix("worker"))] if busy else None

    def kill(self, process):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def close(self):
        for process in self.workers + [self.scheduler]:
            self.kill(process)


def test_a_batch_on_three_workers_one_killed_gives_exactly_the_rows_of_a_local_run(tmp_path):
    paths = _batch(tmp_path / "submissions")
    local = grade(paths, tmp_path / "local.csv", "--jobs", "2")
    assert local.returncode == 0, local.stderr[-3000:]
    cluster = Cluster(tmp_path, 3)
    try:
        out = tmp_path / "dask.csv"
        command = [sys.executable, "-m", "dlcourse", "grade", *map(str, paths), "--out", str(out), "--scheduler",
                   cluster.address]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if out.exists() and len(rows_of(out)) >= 2:  # the local "gus" and a first worker's result
                break
            time.sleep(0.1)
        assert process.poll() is None, "the batch ended before a worker could be killed"
        busy = cluster.busy_worker()
        assert busy is not None, "a worker is grading a submission when it is killed"
        cluster.kill(busy)  # a lost worker: its task is the scheduler's to run again on another
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr[-3000:]
        assert "3 worker(s)" in stderr
    finally:
        cluster.close()
    expected, got = rows_of(tmp_path / "local.csv"), rows_of(out)
    assert list(got) == list(expected) == [str(p) for p in paths], "every submission once, in command-line order"
    assert got == expected
    assert {name: row["status"] for name, row in got[str(paths[4])].items()}["softmax"] == "failed"
    assert {row["status"] for row in got[str(paths[6])].values()} == {"invalid"}
    with open(out, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    assert len(records) == 1 + 4 * len(paths), "none lost, none doubled"
    manifest = json.loads((tmp_path / "dask.csv.manifest.json").read_text(encoding="utf-8"))["submissions"]
    assert sorted(manifest) == sorted(map(str, paths)), "every row has the record of what produced it"


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path):
    path = write(tmp_path / "s" / "ann" / f"{SLUG}.ipynb", correct_submission(SLUG))
    result = grade([path], tmp_path / "g.csv", "--scheduler", "tcp://127.0.0.1:9", timeout=120)
    assert result.returncode == 2 and "cannot reach the Dask scheduler" in result.stderr, result.stderr[-2000:]


def test_a_local_cluster_preset_gives_the_rows_of_a_local_run(tmp_path):
    """``--cluster local:2`` starts two worker processes for the run, grades on them and stops them."""
    paths = _batch(tmp_path / "submissions")[:4]
    local = grade(paths, tmp_path / "local.csv", "--jobs", "2")
    assert local.returncode == 0, local.stderr[-3000:]
    result = grade(paths, tmp_path / "dask.csv", "--cluster", "local:2", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(--cluster local:2): 2 worker(s)" in result.stderr
    assert rows_of(tmp_path / "dask.csv") == rows_of(tmp_path / "local.csv")


@pytest.mark.parametrize("preset, says", [
    ("local", "is not a preset; expected one of: local:N"),
    ("kubernetes:3", "is not a preset"),
    ("local:0", "N must be a whole number of at least 1; expected local:N"),
    ("slurm:two", "N must be a whole number"),
    ("ssh:,", "expected ssh:HOST,HOST"),
])
def test_a_bad_cluster_preset_is_a_usage_error_naming_the_forms(tmp_path, preset, says):
    from dlcourse.grader.cluster import ClusterUnavailable, parse_preset
    with pytest.raises(ClusterUnavailable, match=re.escape(says)):
        parse_preset(preset)


def test_a_bad_cluster_preset_costs_no_row_and_exits_2(tmp_path):
    path = write(tmp_path / "s" / "ann" / f"{SLUG}.ipynb", correct_submission(SLUG))
    result = grade([path], tmp_path / "g.csv", "--cluster", "local:x", timeout=120)
    assert result.returncode == 2 and "N must be a whole number" in result.stderr, result.stderr[-2000:]


def test_scheduler_and_cluster_exclude_each_other(tmp_path):
    result = grade([tmp_path / "x.ipynb"], tmp_path / "g.csv", "--cluster", "local:1", "--scheduler",
                   "tcp://127.0.0.1:9", timeout=120)
    assert result.returncode == 2 and "not allowed with argument" in result.stderr, result.stderr[-2000:]


def test_the_presets_parse():
    from dlcourse.grader.cluster import parse_preset
    assert parse_preset("local:4") == ("local", 4)
    assert parse_preset("ssh:head, node1,node2") == ("ssh", ["head", "node1", "node2"])
    assert parse_preset("slurm:8") == ("slurm", 8) and parse_preset("pbs:1") == ("pbs", 1)
