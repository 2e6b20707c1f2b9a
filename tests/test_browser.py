"""Every lecture's widgets work where learners use them: in JupyterLab, in a real browser.

nbval cannot see a widget: it only compares saved text. Here one JupyterLab server (on 127.0.0.1, with a random
token, over a temporary copy of notebooks/) and one headless Chromium driven by Playwright open each lecture
notebook, run all its cells with JupyterLab's own "Run All Cells" command, and wait until the kernel is idle.
Then, in every cell that shows a slider, they drag the slider (one release, so one redraw even with
``continuous_update=False``) and assert that the cell's output changed: the plot's image for a plotting widget,
the text otherwise. Screenshots of each widget before and after go to test-artifacts/browser/.

The test is skipped, saying why, only where the Playwright package or a Chromium executable cannot be found
(``.ci/run`` installs Chromium with apt; ``pip install -e '.[test]'`` installs Playwright; the browser Playwright
would download is never used: ``playwright install`` is not needed).
"""
import hashlib
import json
import re
import shutil
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dlcourse.site import GLOSSARY, course_notebooks
from tests.browser_support import SERVER_START_SECONDS, chromium, jupyterlab
from tests.browser_support import CHROMIUM_FLAGS, find_chromium  # noqa: F401 (tests/test_report.py uses them)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NOTEBOOKS = ROOT / "notebooks"
LECTURES = [p for p in course_notebooks(NOTEBOOKS) if p.stem != GLOSSARY]
RUN_ALL_SECONDS = 240  # a lecture executes in under 30 s alone; the browser renders too and the machine is shared
REDRAW_SECONDS = 90
LAPTOP = {"width": 1366, "height": 900}  # a learner's laptop: a widget's controls and its figure fit on one screen
DRAGS_PER_WIDGET = 5  # latency: median and worst of this many drags of each widget's slider
GOAL_MEDIAN_MS, GOAL_WORST_MS = 100, 250
WIDGET_REPR = re.compile(r"^\s*(VBox|HBox|Box|GridBox|Tab|Accordion|[A-Za-z]*Slider|Dropdown|Output)\(")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebooks/: (base URL, token, served folder). Stopped afterwards."""
    if not LECTURES:
        pytest.skip("no lecture notebooks in notebooks/ yet")
    base = tmp_path_factory.mktemp("jupyterlab")
    served = base / "notebooks"
    shutil.copytree(NOTEBOOKS, served, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with jupyterlab(base, served) as (url, token):
        yield url, token, served


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (a fresh profile) for the module."""
    with chromium(viewport=LAPTOP) as context:
        yield context


@pytest.fixture(scope="module")
def lab_page(lab, browser):
    """One browser tab with JupyterLab loaded; each test opens its notebook in it (loading JupyterLab once)."""
    url, token, _ = lab
    page = browser.new_page()
    page.set_default_timeout(60_000)

    def load():
        page.goto(f"{url}/lab?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_function("() => !!(window.jupyterapp && document.querySelector('.jp-LabShell'))",
                               timeout=SERVER_START_SECONDS * 1000, polling=250)
        page.evaluate("async () => { await window.jupyterapp.restored; }")

    load()
    page.reload_lab = load
    yield page
    page.close()


def _api(url, token, path, method="GET"):
    request = urllib.request.Request(f"{url}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read()
    return json.loads(body) if body else None


# JavaScript run in the page: the notebook panel JupyterLab shows, its kernel and its cells.
PANEL = "(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget; " \
        "return (w && w.context && w.context.path === name) ? w : null; }"
KERNEL_READY = f"""(name) => {{
  const panel = ({PANEL})(name);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!(kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle'
            && panel.content.widgets.length > 0);
}}"""
RUN_ALL = f"""async (name) => {{
  const panel = ({PANEL})(name);
  await panel.context.ready;
  await panel.sessionContext.ready;
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
}}"""
EXECUTION_STATE = f"""(name) => {{
  const panel = ({PANEL})(name);
  const kernel = panel.sessionContext.session.kernel;
  const cells = panel.content.model.cells;
  const pending = [], errors = [];
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    if (cell.executionCount === null) pending.push(i);
    for (let j = 0; j < cell.outputs.length; j++) {{
      const output = cell.outputs.get(j).toJSON();
      if (output.output_type === 'error') errors.push(`cell ${{i}}: ${{output.ename}}: ${{output.evalue}}`);
    }}
  }}
  const busy = panel.content.widgets.some(c => c.model.type === 'code' && c.promptNode
                                          && c.promptNode.textContent.includes('*'));
  return {{status: kernel.status, pending, errors, busy}};
}}"""
# What a widget shows: every image (hashed by its src or markup) and the output text, controls excluded.
OUTPUT_SIGNATURE = """(cell) => {
  const area = cell.querySelector('.jp-Cell-outputArea') || cell;
  const images = [...area.querySelectorAll('img')].map(i => i.getAttribute('src') || '')
    .concat([...area.querySelectorAll('svg')].filter(s => !s.closest('.jp-icon, button, .lm-TabBar'))
            .map(s => s.outerHTML.length > 300 ? s.outerHTML : ''))
    .filter(s => s);
  const clone = area.cloneNode(true);
  clone.querySelectorAll('.widget-slider, .widget-dropdown, .widget-button, .widget-readout, .widget-label, '
                         + 'input, select, button, img, svg').forEach(e => e.remove());
  return {images, text: clone.innerText.replace(/\\s+/g, ' ').trim()};
}"""


def _hash(signature):
    return [hashlib.sha1(s.encode()).hexdigest()[:12] for s in signature["images"]]


def _open_and_run(page, name):
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', "
                  "{path, factory: 'Notebook'}); }", name)
    page.wait_for_function(KERNEL_READY, arg=name, timeout=SERVER_START_SECONDS * 1000, polling=250)
    started = time.monotonic()
    page.evaluate(RUN_ALL, name)
    # run-all resolves when the last cell is done; also wait for the kernel to settle (widget comms, redraws)
    deadline = started + RUN_ALL_SECONDS
    while True:
        state = page.evaluate(EXECUTION_STATE, name)
        if state["errors"]:
            pytest.fail(f"{name}: a cell raised in JupyterLab: {'; '.join(state['errors'])}")
        if state["status"] == "idle" and not state["pending"] and not state["busy"]:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: cells {state['pending']} still not executed after {RUN_ALL_SECONDS} s "
                        f"(kernel {state['status']})")
        time.sleep(0.25)
    return time.monotonic() - started


WIDGETS_RENDERED = """() => [...document.querySelectorAll(
    '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')]
  .every(o => o.querySelector('.jupyter-widgets') !== null)"""


CLOSE = f"""(name) => {{
  const panel = ({PANEL})(name);
  if (panel) {{ panel.context.model.dirty = false; panel.dispose(); }}
}}"""


def _slider_cells(page):
    """Cells whose output shows at least one slider, with that cell's first described slider."""
    page.wait_for_function(WIDGETS_RENDERED, timeout=60_000, polling=250)
    found = []
    cells = page.locator(".jp-Notebook .jp-Cell")
    for index in range(cells.count()):
        cell = cells.nth(index)
        sliders = cell.locator(".jp-Cell-outputArea .widget-slider.widget-hslider")
        if sliders.count() == 0:
            continue
        usable = [sliders.nth(k) for k in range(sliders.count())
                  if sliders.nth(k).locator(".noUi-target[disabled], .noUi-handle[disabled]").count() == 0]
        if not usable:
            continue
        described = [s for s in usable if s.locator(".widget-label").count()
                     and s.locator(".widget-label").first.inner_text().strip()]
        found.append((index, cell, (described or usable)[0]))
    return found


def _drag(page, slider):
    """Drag the slider's handle about a third of its track, away from the nearer end; one release."""
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-base, .noUi-target").first
    handle.scroll_into_view_if_needed()
    box, bar = handle.bounding_box(), track.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    distance = max(bar["width"] / 3, 20)
    target = x - distance if x > bar["x"] + bar["width"] / 2 else x + distance
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(target, y, steps=8)
    page.mouse.up()


# Before a drag: note the time of the release (pointerup, capture phase) and of every change of the cell's images.
WATCH = f"""([index]) => {{
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
  const area = cell.querySelector('.jp-Cell-outputArea');
  const images = () => JSON.stringify(({OUTPUT_SIGNATURE})(cell).images);
  const watch = window.__dlcourseWatch = {{release: null, changes: [], last: images()}};
  document.addEventListener('pointerup', () => {{ watch.release = performance.now(); }}, {{capture: true, once: true}});
  watch.observer = new MutationObserver(() => {{
    const now = images();
    if (now !== watch.last) {{ watch.last = now; watch.changes.push(performance.now()); }}
  }});
  watch.observer.observe(area, {{subtree: true, childList: true, attributes: true, attributeFilter: ['src']}});
}}"""
# After the kernel settled: release → the last change of the figure (the one for the released value), in ms.
LATENCY = """() => {
  const watch = window.__dlcourseWatch;
  watch.observer.disconnect();
  const after = watch.changes.filter(t => t >= watch.release);
  return watch.release === null ? null : (after.length ? after[after.length - 1] - watch.release : 0);
}"""
FIGURES = """([index]) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
  const slider = cell.querySelector('.jp-Cell-outputArea .widget-slider');
  const images = [...cell.querySelectorAll('.jp-Cell-outputArea img')].filter(i => i.naturalWidth > 100);
  const top = slider ? slider.getBoundingClientRect().top : 0;
  return images.map(i => ({top: i.getBoundingClientRect().top - top, height: i.getBoundingClientRect().height}));
}"""
LATENCIES = {}  # "lecture, widget" -> [ms, ...], written to benchmarks/RESULTS.md at the end of the module


def _readout(slider):
    return slider.locator(".widget-readout").first.inner_text().strip()


def _label(slider):
    label = slider.locator(".widget-label").first
    return label.inner_text().strip() if label.count() else "(no description)"


READOUT_MOVED = """([index, old]) => [...document.querySelectorAll('.jp-Notebook .jp-Cell')[index]
  .querySelectorAll('.jp-Cell-outputArea .widget-slider.widget-hslider .widget-readout')]
  .some(r => r.innerText.trim() !== old)"""
OUTPUT_CHANGED = f"""([index, before]) => {{
  const now = ({OUTPUT_SIGNATURE})(document.querySelectorAll('.jp-Notebook .jp-Cell')[index]);
  return before.images.length ? now.images.length > 0 && JSON.stringify(now.images) !== JSON.stringify(before.images)
                              : now.text !== before.text;
}}"""


def _wait(page, script, arg, seconds, message):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(script, arg=arg, timeout=seconds * 1000, polling=250)
    except PlaywrightTimeout:
        pytest.fail(f"{message()} within {seconds} s; screenshots in {ARTIFACTS}")


def _figures_with_their_controls(page, notebook, index):
    """The cell shows one figure (not a stale one and a live one), close enough under its controls to be seen."""
    figures = page.evaluate(FIGURES, [index])
    assert len(figures) <= 1, (f"{notebook.name}, cell {index}: {len(figures)} figures in one widget output: a stale "
                               f"one is left beside the live one")
    for figure in figures:
        assert figure["top"] >= 0 and figure["top"] + min(figure["height"], 200) <= LAPTOP["height"], (
            f"{notebook.name}, cell {index}: the figure starts {figure['top']:.0f} px from the controls: not on "
            f"screen with them at {LAPTOP['width']}×{LAPTOP['height']}")


def _move_slider_and_see_a_redraw(page, notebook, index, cell, slider, drags=DRAGS_PER_WIDGET):
    tag, label = f"{notebook.stem}-cell{index}", _label(slider)
    cell.scroll_into_view_if_needed()
    _figures_with_their_controls(page, notebook, index)
    first_value, latencies = _readout(slider), []
    cell.screenshot(path=str(ARTIFACTS / f"{tag}-before.png"))
    for drag in range(drags):
        before, value_before = cell.evaluate(OUTPUT_SIGNATURE), _readout(slider)
        page.evaluate(WATCH, [index])
        _drag(page, slider)
        _wait(page, READOUT_MOVED, [index, value_before], 30,
              lambda: f"{notebook.name}, cell {index}: dragging slider {label!r} did not change its value "
                      f"{value_before}")
        value_after = _readout(slider)
        what = "plot" if before["images"] else "output"

        def unchanged():
            cell.screenshot(path=str(ARTIFACTS / f"{tag}-after.png"))
            after = cell.evaluate(OUTPUT_SIGNATURE)
            return (f"{notebook.name}, cell {index}: slider {label!r} moved from {value_before} to {value_after} "
                    f"but the {what} did not change (images before {_hash(before)}, after {_hash(after)})")

        # the redraw comes from the kernel: wait for the output to differ, then for the kernel to be idle again
        _wait(page, OUTPUT_CHANGED, [index, before], REDRAW_SECONDS, unchanged)
        _wait(page, KERNEL_READY, notebook.name, REDRAW_SECONDS, lambda: f"{notebook.name}: the kernel stayed busy")
        time.sleep(0.3)  # a last image already sent by an idle kernel is still being put in the page
        latency = page.evaluate(LATENCY)
        if latency is not None and before["images"]:
            latencies.append(latency)
    after = cell.evaluate(OUTPUT_SIGNATURE)
    cell.screenshot(path=str(ARTIFACTS / f"{tag}-after.png"))
    assert "Traceback" not in after["text"], f"{notebook.name}, cell {index}: {after['text'][-1500:]}"
    _figures_with_their_controls(page, notebook, index)
    if latencies:
        LATENCIES[f"{notebook.stem}, {label}"] = latencies
    return f"{label} {first_value} -> {_readout(slider)}"


@pytest.mark.parametrize("notebook", LECTURES, ids=[p.stem for p in LECTURES])
def test_widgets_redraw_when_a_slider_moves(lab, lab_page, notebook, request):
    url, token, _ = lab
    page = lab_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    passed = False
    try:
        seconds = _open_and_run(page, notebook.name)
        request.node.user_properties.append(("run_all_seconds", round(seconds, 1)))  # in a --junitxml report
        page.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-executed.png"))
        cells = _slider_cells(page)
        assert cells, (f"{notebook.name}: no slider is shown in JupyterLab after running all cells "
                       f"(is the widget displayed, and is jupyterlab_widgets installed?)")
        moved = [_move_slider_and_see_a_redraw(page, notebook, index, cell, slider) for index, cell, slider in cells]
        request.node.user_properties.append(("sliders_moved", "; ".join(moved)))
        passed = True
    finally:
        try:
            page.evaluate(CLOSE, notebook.name)
            for session in _api(url, token, "/api/sessions"):  # free the kernel before the next lecture
                _api(url, token, f"/api/sessions/{session['id']}", method="DELETE")
            if not passed:
                page.reload_lab()  # whatever went wrong stays with this lecture
        except Exception as error:  # cleaning up must not hide the reason the test failed
            print(f"cleaning up after {notebook.name}: {error}")


def test_every_lecture_saves_a_widget():
    """The browser test finds the widgets by running the notebook; the saved notebook must show one too."""
    if not LECTURES:
        pytest.skip("no lecture notebooks in notebooks/ yet")
    missing = []
    for path in LECTURES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
        if not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs):
            missing.append(path.name)
    assert missing == [], f"lectures without a widget output saved: {missing}"


def test_saved_widget_outputs_show_a_friendly_line_not_a_widget_repr():
    """Where widgets cannot render (GitHub, nbviewer, a broken install) the saved text is what a learner reads."""
    if not LECTURES:
        pytest.skip("no lecture notebooks in notebooks/ yet")
    bad = []
    for path in LECTURES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(nb["cells"]):
            outputs = cell.get("outputs", []) if cell["cell_type"] == "code" else []
            for output in outputs:
                text = "".join(output.get("data", {}).get("text/plain", ""))
                if "application/vnd.jupyter.widget-view+json" in output.get("data", {}) and WIDGET_REPR.match(text):
                    bad.append(f"{path.name}, cell {number}: {text[:60]}")
            images = [o for o in outputs if "image/png" in o.get("data", {})]
            widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
            if widget and len(images) > 1:
                bad.append(f"{path.name}, cell {number}: {len(images)} figures saved with one widget")
    assert bad == [], "saved widget outputs that read as a broken install or show a stale figure:\n" + "\n".join(bad)


CHECK_NOTEBOOK = {
    "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "wrong-answer",
               "source": "from dlcourse.checks import check\n\n\ndef softmax(x):\n    return x\n\n\n"
                         "check('softmax', softmax)"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}
RENDERED_ERROR = """(name) => [...document.querySelectorAll('.jp-Notebook .jp-Cell .jp-OutputArea-output')]
  .map(o => o.innerText).join('\\n')"""


def test_a_failed_check_shows_its_feedback_without_a_traceback_of_the_course(lab, lab_page):
    """A wrong answer: the check cell fails (an error output, as nbgrader needs), shows feedback, no dlcourse frame."""
    url, token, served = lab
    page = lab_page
    name = "wrong_answer_check.ipynb"
    (served / name).write_text(json.dumps(CHECK_NOTEBOOK), encoding="utf-8")
    try:
        _open_and_run_expecting_errors(page, name)
        _wait(page, "() => document.querySelector('.jp-Notebook .jp-OutputArea-output') !== null", None, 60,
              lambda: f"{name}: the check cell showed nothing")
        text = page.evaluate(RENDERED_ERROR, name)
        page.screenshot(path=str(ARTIFACTS / "wrong-answer-check.png"))
        assert "softmax" in text and "not yet right" in text, text[:2000]
        frames = [line for line in text.splitlines() if re.search(r"dlcourse[/\\]|File .*\.py", line)]
        assert frames == [], f"the rendered failure shows traceback frames of the course: {frames}"
    finally:
        page.evaluate(CLOSE, name)
        for session in _api(url, token, "/api/sessions"):
            _api(url, token, f"/api/sessions/{session['id']}", method="DELETE")


def _open_and_run_expecting_errors(page, name):
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', "
                  "{path, factory: 'Notebook'}); }", name)
    page.wait_for_function(KERNEL_READY, arg=name, timeout=SERVER_START_SECONDS * 1000, polling=250)
    page.evaluate(RUN_ALL, name)
    deadline = time.monotonic() + RUN_ALL_SECONDS
    while True:
        state = page.evaluate(EXECUTION_STATE, name)
        if state["status"] == "idle" and not state["pending"] and not state["busy"]:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: not executed after {RUN_ALL_SECONDS} s")
        time.sleep(0.25)


def test_zz_write_widget_latencies():
    """Release → new figure for every widget dragged above, to benchmarks/RESULTS.md (no timed assertion)."""
    if not LATENCIES:
        pytest.skip("no widget latency was measured (the widget tests did not run or were skipped)")
    sys.path.insert(0, str(ROOT))
    from benchmarks import _results

    rows = []
    for widget, values in LATENCIES.items():
        median, worst = statistics.median(values), max(values)
        met = median <= GOAL_MEDIAN_MS and worst <= GOAL_WORST_MS
        rows.append((widget, len(values), f"{median:.0f}", f"{worst:.0f}",
                     "met" if met else f"**missed** (goal ≤ {GOAL_MEDIAN_MS} / ≤ {GOAL_WORST_MS} ms)"))
    text = (f"## Widgets: slider release → new figure in the page (`tests/test_browser.py`)\n\n"
            f"Headless Chromium at {LAPTOP['width']}×{LAPTOP['height']} driving JupyterLab on this machine "
            f"({_results.cpu_model()}, {_results.usable_cores()} usable cores); {DRAGS_PER_WIDGET} drags per widget, "
            f"each timed from the release (pointerup) to the last change of the widget's figure after it. "
            f"Load average when written: {_results.load_average()} (1 / 5 / 15 min): the machine was shared with "
            f"other jobs, so these are upper figures. "
            f"Goal: median ≤ {GOAL_MEDIAN_MS} ms, worst ≤ {GOAL_WORST_MS} ms.\n\n"
            + _results.table(("lecture, slider", "drags", "median (ms)", "worst (ms)", "goal"), rows))
    (ARTIFACTS / "latency.json").write_text(json.dumps(LATENCIES, indent=1), encoding="utf-8")  # the raw figures
    _results.write_section("widgets", text)  # re-reads RESULTS.md itself, right before writing
