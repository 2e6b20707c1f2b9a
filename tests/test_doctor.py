"""`python -m dlcourse doctor`: every check passes in a good environment and each failure says how to fix it."""
import sys
from pathlib import Path

import pytest

from dlcourse import doctor


ISOLATION = "bubblewrap, seccomp, own uid per run, cgroup v1 (memory 3072 MB with shared memory and tmpfs, 64 tasks)"


@pytest.fixture
def healthy(monkeypatch, tmp_path):
    """An environment where every probe succeeds, whatever the machine running the tests has."""
    extension = tmp_path / "labextensions"
    (extension / doctor.WIDGETS_LABEXTENSION).mkdir(parents=True)
    (extension / doctor.WIDGETS_LABEXTENSION / "package.json").write_text("{}")
    monkeypatch.setattr(doctor, "python_version", lambda: "3.11.4")
    monkeypatch.setattr(doctor, "installed_version", lambda package: "99999.0")
    monkeypatch.setattr(doctor, "find_kernelspec",
                        lambda name="python3": (["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                                str(tmp_path / "kernels" / "python3")))
    monkeypatch.setattr(doctor, "labextension_dirs", lambda: [extension])
    monkeypatch.setattr(doctor, "which", lambda program: f"/usr/bin/{program}")

    def run(argv, timeout=60):
        if "ipykernel" in " ".join(argv):
            return 0, sys.prefix
        return 0, ""

    monkeypatch.setattr(doctor, "run", run)
    monkeypatch.setattr(doctor, "korean_font_families", lambda: ["Noto Sans CJK KR", "NanumGothic"])
    monkeypatch.setattr(doctor, "grading_isolation", lambda: (ISOLATION, []))
    return monkeypatch


def failures(capsys):
    code = doctor.main(None)
    out = capsys.readouterr().out
    return code, out, [line for line in out.splitlines() if line.startswith("✗")]


def test_healthy_environment_exits_0(healthy, capsys):
    code, out, failed = failures(capsys)
    assert (code, failed) == (0, [])
    assert "Everything the course needs is in place." in out
    for name in ("Python", "numpy", "ipywidgets", "pytest (test)", "Jupyter kernel", "widgets front-end",
                 "bubblewrap"):
        assert f"✓ {name}:" in out


def test_requirements_are_read_from_pyproject():
    python, runtime, test = doctor.requirements()
    assert python == "3.10"
    assert ("numpy", "1.24") in runtime and ("ipywidgets", "8.0") in runtime
    assert ("pytest", "7.4") in test


def test_old_python(healthy, capsys):
    healthy.setattr(doctor, "python_version", lambda: "3.9.18")
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ Python: Python 3.9.18 is too old: the course needs Python >= 3.10"]
    assert "fix: install Python 3.10 or newer" in out


def test_missing_and_old_packages(healthy, capsys):
    versions = {"numpy": None, "matplotlib": "3.5.1"}
    healthy.setattr(doctor, "installed_version", lambda package: versions.get(package, "99999.0"))
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ numpy: numpy is not installed",
                      "✗ matplotlib: matplotlib 3.5.1 is too old (the course needs >= 3.7)"]
    assert "pip install --upgrade 'matplotlib>=3.7'" in out
    assert "2 problems found" in out


def test_a_learner_install_without_the_test_tools_is_healthy(healthy, capsys):
    _, _, test = doctor.requirements()
    tools = {package for package, _ in test}
    healthy.setattr(doctor, "installed_version", lambda package: None if package in tools else "99999.0")
    code, out, failed = failures(capsys)
    assert (code, failed) == (0, [])
    assert "– pytest (test): pytest is not installed; only the test suite (`python3 course.py test`) needs it" in out


def test_korean_fonts_are_read_from_fontconfig(healthy):
    healthy.undo()
    healthy.setattr(doctor, "which", lambda program: "/usr/bin/fc-list")
    healthy.setattr(doctor, "run", lambda argv, timeout=60: (0, "Noto Sans CJK KR\n\nNanumGothic\n")
                    if argv == ["/usr/bin/fc-list", ":lang=ko", "family"] else (1, ""))
    assert doctor.korean_font_families() == ["Noto Sans CJK KR", "NanumGothic"]
    healthy.setattr(doctor, "which", lambda program: None)
    assert doctor.korean_font_families() is None


def test_no_korean_font(healthy, capsys):
    healthy.setattr(doctor, "korean_font_families", lambda: [])
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ Korean font: no font with Hangul is installed: the Korean terms of the lectures "
                      "(손실 함수, 역전파, ...) show as empty boxes in JupyterLab and on the site"]
    assert "sudo apt-get install fonts-noto-cjk" in out


def test_no_fontconfig_is_not_a_problem(healthy, capsys):
    healthy.setattr(doctor, "korean_font_families", lambda: None)
    code, out, failed = failures(capsys)
    assert (code, failed) == (0, [])
    assert "– Korean font: no fontconfig here" in out


def test_missing_kernel(healthy, capsys):
    healthy.setattr(doctor, "find_kernelspec", lambda name="python3": None)
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ Jupyter kernel: no 'python3' Jupyter kernel is installed"]
    assert "-m ipykernel install --sys-prefix --name python3" in out


def test_kernel_of_another_environment(healthy, capsys):
    elsewhere = (["/usr/bin/python3", "-m", "ipykernel_launcher"], "/home/x/kernels/python3")
    healthy.setattr(doctor, "find_kernelspec", lambda name="python3": elsewhere)
    healthy.setattr(doctor, "run", lambda argv, timeout=60: (0, "/usr") if "ipykernel" in " ".join(argv) else (0, ""))
    code, out, failed = failures(capsys)
    assert code == 1
    assert len(failed) == 1 and "runs the Python of /usr, not this environment" in failed[0]
    assert "remove /home/x/kernels/python3" in out


def test_kernel_without_ipykernel(healthy, capsys):
    healthy.setattr(doctor, "run", lambda argv, timeout=60: (1, "ModuleNotFoundError: No module named 'ipykernel'")
                    if "ipykernel" in " ".join(argv) else (0, ""))
    code, out, failed = failures(capsys)
    assert code == 1
    assert len(failed) == 1 and "No module named 'ipykernel'" in failed[0]


def test_plain_python_in_kernelspec_means_this_interpreter(healthy):
    seen = []
    healthy.setattr(doctor, "run", lambda argv, timeout=60: (seen.append(argv), (0, sys.prefix))[1])
    assert doctor.check_kernel()[0].ok
    assert seen[0][0] == sys.executable


def test_widgets_extension_missing(healthy, capsys, tmp_path):
    healthy.setattr(doctor, "labextension_dirs", lambda: [tmp_path / "empty"])
    code, out, failed = failures(capsys)
    assert code == 1
    assert len(failed) == 1 and failed[0].startswith("✗ widgets front-end: jupyterlab_widgets 99999.0 is installed but")
    assert "--force-reinstall 'jupyterlab_widgets>=3'" in out


def test_widgets_package_missing(healthy, capsys):
    healthy.setattr(doctor, "installed_version", lambda package: None if package == "jupyterlab_widgets" else "99999.0")
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ widgets front-end: jupyterlab_widgets is not installed: JupyterLab shows a line of text "
                      "instead of the sliders"]


def test_bubblewrap_missing(healthy, capsys):
    healthy.setattr(doctor, "which", lambda program: None)
    code, out, failed = failures(capsys)
    assert code == 1
    assert len(failed) == 1 and failed[0].startswith("✗ bubblewrap: bwrap is not on PATH")
    assert "sudo apt-get install bubblewrap" in out


def test_bubblewrap_unusable(healthy, capsys):
    calls = []

    def run(argv, timeout=60):
        calls.append(argv)
        if Path(argv[0]).name == "bwrap":
            return 1, "bwrap: setting up uid map: Permission denied"
        return 0, sys.prefix

    healthy.setattr(doctor, "run", run)
    code, out, failed = failures(capsys)
    assert code == 1
    assert ["/usr/bin/bwrap", "--ro-bind", "/", "/", "true"] in calls
    assert len(failed) == 1 and "Permission denied" in failed[0]
    assert "unprivileged_userns_clone=1" in out


def test_bubblewrap_without_the_namespaces_grading_needs(healthy, capsys):
    def run(argv, timeout=60):
        if Path(argv[0]).name == "bwrap":
            return (1, "bwrap: Creating new namespace failed: Operation not permitted") if "--unshare-net" in argv \
                else (0, "")
        return 0, sys.prefix

    healthy.setattr(doctor, "run", run)
    code, out, failed = failures(capsys)
    assert code == 1
    assert len(failed) == 1 and failed[0].startswith("✗ bubblewrap: /usr/bin/bwrap runs, but not with the isolation")
    assert "Operation not permitted" in failed[0] and "apparmor_restrict_unprivileged_userns=0" in out


def test_a_crashing_check_is_reported_and_the_others_still_run(healthy, capsys):
    def broken():
        raise RuntimeError("boom")

    healthy.setattr(doctor, "labextension_dirs", broken)
    code, out, failed = failures(capsys)
    assert code == 1
    assert failed == ["✗ widgets: the check failed: RuntimeError: boom"]
    assert "✓ bubblewrap:" in out


def test_version_comparison():
    assert doctor.at_least("1.24.0", "1.24") and doctor.at_least("2.0.0rc1", "1.24")
    assert not doctor.at_least("1.9.3", "1.24")
    assert doctor.at_least("anything", None)


@pytest.mark.skipif(sys.platform != "linux", reason="the course's own environment is checked on Linux CI")
def test_doctor_runs_for_real_as_a_command():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "dlcourse", "doctor"], capture_output=True, text=True, timeout=120)
    assert "✓ Python:" in done.stdout and "✓ numpy:" in done.stdout
    assert done.returncode == (1 if "✗" in done.stdout else 0), done.stdout


def test_the_isolation_in_force_is_named(healthy, capsys):
    code, out, failed = failures(capsys)
    assert f"✓ grading isolation: {ISOLATION}" in out


def test_a_weaker_isolation_is_said_and_is_a_problem_on_a_grading_host(healthy, capsys, monkeypatch):
    warning = "NO cgroup memory and task limit (cgroups are turned off by DLCOURSE_GRADER_CGROUP=none): ..."
    healthy.setattr(doctor, "grading_isolation", lambda: ("bubblewrap, seccomp, own uid per run, NO cgroup", [warning]))
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 0)
    code, out, failed = failures(capsys)
    assert code == 1 and failed == [f"✗ grading isolation: bubblewrap, seccomp, own uid per run, NO cgroup; NOT "
                                    f"enforced when grading here: {warning}"]
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 1000)
    code, out, failed = failures(capsys)
    assert code == 0 and "only instructors grading a class need these" in out


@pytest.mark.skipif(sys.platform != "linux", reason="the grader's isolation is Linux's")
def test_the_isolation_probe_names_what_the_grader_would_use():
    name, warnings = doctor.grading_isolation()
    assert name.startswith(("bubblewrap", "resource limits only"))
    assert ("cgroup v" in name) != any("NO cgroup" in w for w in warnings)
