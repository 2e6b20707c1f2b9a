"""The site, a static deck and a live RISE presentation work with the network cut off, in headless Chromium.

Every request that does not go to the file system or to 127.0.0.1 is refused (``browser_support.cut_off_network``).
Then: the site's formulas are typeset by its own copy of MathJax (no ``$$`` left in the text); a deck written by
``python -m dlcourse slides`` advances slide by slide on the right-arrow key with formulas typeset; and a lecture
presented live with jupyterlab-rise inside JupyterLab typesets formulas, advances and runs code. A widget on a
live slide should respond to its slider: jupyterlab-rise 0.43 shows ipywidgets 8 widgets as text, so that test
is an expected failure, saying why, until a RISE that renders them passes it.
"""
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dlcourse.site import GLOSSARY, build_site, course_notebooks
from dlcourse.slides import build_decks
from tests.browser_support import SERVER_START_SECONDS, chromium, cut_off_network, jupyterlab

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = course_notebooks(ROOT / "notebooks")
LECTURES = [p for p in NOTEBOOKS if p.stem != GLOSSARY]
DECK_LECTURE = "03_backpropagation"
TYPESET_SECONDS = 60

pytestmark = pytest.mark.slow

# MathJax 2 (site, decks) is done when its queue is empty and it has rendered something
MATHJAX2_DONE = """() => !!(window.MathJax && MathJax.Hub && MathJax.Hub.queue && MathJax.Hub.queue.pending === 0
                           && MathJax.Hub.queue.running === 0
                           && document.querySelector('.MathJax, .MathJax_Display, .MathJax_Preview'))"""
LEFT_OVER_TEX = re.compile(r"\$\$|\$\\[a-zA-Z]|\\\(|\\\[")  # $$…$$, $\frac…$, \( and \[ still in the text


@pytest.fixture(scope="module")
def browser():
    with chromium(viewport={"width": 1280, "height": 800}) as context:
        refused = cut_off_network(context)
        yield context, refused


def _left_over_tex(text):
    return [text[max(m.start() - 40, 0):m.end() + 40] for m in LEFT_OVER_TEX.finditer(text)]


# ---------------------------------------------------------------- the site

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not LECTURES:
        pytest.skip("no lecture notebooks in notebooks/ yet")
    outdir = tmp_path_factory.mktemp("offline-site")
    build_site(outdir)
    return outdir


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_site_typesets_formulas_without_a_network(browser, site, lecture):
    context, refused = browser
    page = context.new_page()
    try:
        page.goto((site / lecture.with_suffix(".html").name).as_uri())
        page.wait_for_function(MATHJAX2_DONE, timeout=TYPESET_SECONDS * 1000, polling=250)
        typeset = page.locator(".MathJax, .MathJax_Display").count()
        left = _left_over_tex(page.inner_text("body"))
    finally:
        page.close()
    assert typeset > 0, f"{lecture.name}: no formula typeset by MathJax"
    assert left == [], f"{lecture.name}: formulas left as TeX: {left[:3]}"
    assert refused == [], f"the site asked the network for {refused}"


# ---------------------------------------------------------------- a static deck

@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    lecture = ROOT / "notebooks" / f"{DECK_LECTURE}.ipynb"
    if not lecture.exists():
        pytest.skip(f"no {lecture.name} yet")
    [deck] = build_decks([lecture], tmp_path_factory.mktemp("offline-decks"))
    return deck


def test_deck_advances_slide_by_slide_with_formulas_typeset(browser, deck):
    context, refused = browser
    page = context.new_page()
    try:
        page.goto(deck.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000, polling=250)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        steps = [page.evaluate("() => Reveal.getIndices()")]
        for _ in range(6):
            page.keyboard.press("ArrowRight")
            page.wait_for_function("(before) => JSON.stringify(Reveal.getIndices()) !== JSON.stringify(before)",
                                   arg=steps[-1], timeout=10_000, polling=100)
            steps.append(page.evaluate("() => Reveal.getIndices()"))
        page.wait_for_function(MATHJAX2_DONE, timeout=TYPESET_SECONDS * 1000, polling=250)
        typeset = page.locator(".reveal .MathJax, .reveal .MathJax_Display").count()
        left = _left_over_tex(page.inner_text(".reveal .slides"))
        notes_shown = [n.inner_text()[:60] for n in page.locator("aside.notes").all() if n.is_visible()]
    finally:
        page.close()
    horizontal = [step["h"] for step in steps]
    assert horizontal == sorted(horizontal) and horizontal[-1] >= 3, f"slides visited: {steps} of {total}"
    assert total >= 8
    assert typeset > 0 and left == [], f"formulas left as TeX: {left[:3]}"
    assert notes_shown == []
    assert refused == [], f"the deck asked the network for {refused}"


# ---------------------------------------------------------------- a live presentation with jupyterlab-rise

LIVE_NOTEBOOK = "live.ipynb"
WIDGET_CODE = """import ipywidgets as widgets

learning_rate = widgets.FloatSlider(value=0.1, min=0.01, max=1.0, step=0.01, description="η")
steps = widgets.Label("steps to converge: 10")
learning_rate.observe(lambda change: setattr(steps, "value", f"steps to converge: {round(1 / change.new)}"), "value")
widgets.VBox([learning_rate, steps])"""


def _live_notebook(path):
    """A short lecture: a formula, a code slide and a widget slide."""
    nb = new_notebook(cells=[
        new_markdown_cell("# Gradient descent\n\n$$W \\leftarrow W - \\eta \\frac{\\partial L}{\\partial W}$$",
                          metadata={"slideshow": {"slide_type": "slide"}}),
        new_code_cell("print(6 * 7)", metadata={"slideshow": {"slide_type": "slide"}}),
        new_code_cell(WIDGET_CODE, metadata={"slideshow": {"slide_type": "slide"}})])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def rise(tmp_path_factory, browser):
    """The live presentation: JupyterLab opens the notebook, RISE:preview shows it; yields the RISE frame."""
    base = tmp_path_factory.mktemp("rise")
    served = base / "notebooks"
    served.mkdir()
    _live_notebook(served / LIVE_NOTEBOOK)
    context, refused = browser
    with jupyterlab(base, served) as (url, token):
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/lab?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_function("() => !!(window.jupyterapp && document.querySelector('.jp-LabShell'))",
                               timeout=SERVER_START_SECONDS * 1000, polling=250)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        assert page.evaluate("() => window.jupyterapp.commands.hasCommand('RISE:preview')"), \
            "jupyterlab-rise is not active in JupyterLab: pip install -e . (it is a dependency of the course)"
        page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', "
                      "{path, factory: 'Notebook'}); await window.jupyterapp.commands.execute('RISE:preview'); }",
                      LIVE_NOTEBOOK)
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not any("/rise/" in frame.url for frame in page.frames):
            assert time.monotonic() < deadline, "RISE:preview opened no presentation"
            page.wait_for_timeout(250)  # lets Playwright see the new frame, unlike time.sleep
        frame = next(frame for frame in page.frames if "/rise/" in frame.url)
        frame.wait_for_function("() => document.querySelectorAll('.reveal .slides > section').length >= 3 "
                                "&& document.querySelector('.reveal .slides > section.present')",
                                timeout=SERVER_START_SECONDS * 1000, polling=250)
        yield page, frame, refused
        page.close()


CURRENT_SLIDE = "() => [...document.querySelectorAll('.reveal .slides > section')].findIndex(s => " \
                "s.classList.contains('present'))"


def _show_slide(page, frame, index):
    """Press Space until slide ``index`` is shown; returns the slides seen, one per key press."""
    seen = [frame.evaluate(CURRENT_SLIDE)]
    frame.locator(".reveal .slides > section.present .jp-Cell").first.click()
    while seen[-1] < index and len(seen) < 10:
        # Space is reveal.js's "next"; RISE leaves the arrow keys to the notebook's cell selection
        page.keyboard.press("Space")
        frame.wait_for_function(f"(before) => ({CURRENT_SLIDE})() !== before", arg=seen[-1], timeout=10_000)
        seen.append(frame.evaluate(CURRENT_SLIDE))
    return seen


def _run_current_slide(page, frame):
    frame.locator(".reveal .slides > section.present .jp-CodeCell").first.click()
    page.keyboard.press("Shift+Enter")


def test_live_presentation_typesets_formulas_advances_and_runs_code(rise):
    page, frame, refused = rise
    frame.wait_for_function("() => document.querySelector('.reveal mjx-container, .reveal .MathJax')",
                            timeout=TYPESET_SECONDS * 1000, polling=250)
    # the rendered markdown only: each cell also holds its source, in a hidden editor
    rendered = frame.evaluate("() => [...document.querySelectorAll('.reveal .jp-RenderedMarkdown')]"
                              ".map(e => e.textContent).join(' ')")
    assert "Gradient descent" in rendered and _left_over_tex(rendered) == [], f"formulas left as TeX: {rendered}"
    assert _show_slide(page, frame, 1) == [0, 1]
    _run_current_slide(page, frame)
    # (RISE's Shift+Enter runs the cell and moves on: look for the output in every cell)
    frame.wait_for_function("() => [...document.querySelectorAll('.reveal .jp-CodeCell .jp-OutputArea')]"
                            ".some(o => o.innerText.trim() === '42')", timeout=SERVER_START_SECONDS * 1000, polling=250)
    # the only requests refused: the web fonts of RISE's default theme, which falls back to the system's fonts
    assert [u for u in refused if not u.startswith("https://fonts.googleapis.com/")] == []


def test_a_widget_on_a_live_slide_responds(rise):
    page, frame, _ = rise
    _show_slide(page, frame, 2)
    _run_current_slide(page, frame)
    # by its code: Shift+Enter on the last cell adds an empty one below it
    output = frame.locator(".reveal .jp-CodeCell", has_text="learning_rate").locator(".jp-OutputArea")
    output.filter(has_text=re.compile("VBox|steps to converge")).wait_for(timeout=SERVER_START_SECONDS * 1000)
    if output.locator(".widget-slider").count() == 0 and "VBox(" in output.inner_text():
        pytest.xfail("jupyterlab-rise 0.43 cannot load the ipywidgets 8 widget manager in its presentation (it "
                     "lacks the shared module @jupyterlab/console; upstream jupyterlab-contrib/rise#119): widgets "
                     "show as text there, while they work in JupyterLab itself")
    box = output.locator(".widget-slider .noUi-handle").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    output.filter(has_not_text="converge: 10").wait_for(timeout=30_000)
