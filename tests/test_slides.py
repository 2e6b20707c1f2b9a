"""Every lecture is also a slide deck: slide metadata on every cell, and `jupyter nbconvert --to slides` builds it.

nbconvert's decks reference reveal.js on a CDN; ``python -m dlcourse slides`` writes the same decks with reveal.js
and MathJax copied beside them, for presenting without a network (tests/test_offline.py presents one in Chromium).
Building either needs no network.
"""
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from dlcourse.site import GLOSSARY, MATHJAX_DIR, course_notebooks
from dlcourse.slides import REVEAL_DIR, SlidesError, _classic_script, reveal_files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = course_notebooks(ROOT / "notebooks")
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
MIN_SLIDES, MIN_SECTIONS = 4, 8  # a lecture deck: at least 4 slides, 8 screens counting subslides


class Deck(HTMLParser):
    """The reveal.js structure of a deck: top-level <section>s (slides) holding <section>s (screens)."""

    def __init__(self):
        super().__init__()
        self.depth, self.slides, self.screens, self.text, self.images, self.notes = 0, 0, [], [], [], 0
        self.in_notes, self.loads = 0, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (tag == "script" and attributes.get("src")) or (tag == "link" and attributes.get("rel") == "stylesheet"):
            self.loads.append(attributes.get("src") or attributes.get("href"))
        if tag == "section":
            self.depth += 1
            if self.depth == 1:
                self.slides += 1
            elif self.depth == 2:
                self.screens.append(0)
        elif tag == "aside" and ("class", "notes") in attrs:
            self.in_notes += 1
            self.notes += 1
        elif tag in ("img", "svg") and self.depth >= 2 and self.screens:
            self.screens[-1] += 1

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1
        elif tag == "aside" and self.in_notes:
            self.in_notes -= 1

    def handle_data(self, data):
        if self.depth >= 2 and self.screens and not self.in_notes and data.strip():
            self.screens[-1] += 1


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """Build every deck with one nbconvert run: {notebook name: deck path}."""
    if not NOTEBOOKS:
        pytest.skip("no notebooks in notebooks/ yet")
    out = tmp_path_factory.mktemp("slides")
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--output-dir", str(out),
                           *map(str, NOTEBOOKS)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return {p.name: out / f"{p.stem}.slides.html" for p in NOTEBOOKS}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_cell_has_slide_metadata(notebook):
    nb = nbformat.read(str(notebook), as_version=4)
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells]
    missing = [f"cell {i} ({cell.cell_type}: {cell.source[:40]!r}): {kind!r}"
               for i, (cell, kind) in enumerate(zip(nb.cells, kinds)) if kind not in SLIDE_TYPES]
    assert missing == [], f"{notebook.name}: cells without a valid metadata.slideshow.slide_type: {missing}"
    visible = [kind for kind in kinds if kind not in ("skip", "notes")]
    assert visible and visible[0] == "slide", \
        f"{notebook.name}: the first shown cell must open a slide, not {visible[:1]}"
    if notebook.stem != GLOSSARY:
        # chosen by hand: not one type for every cell
        assert len(set(kinds)) >= 2, f"{notebook.name}: every cell is {kinds[0]!r}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_deck_builds_with_several_slides(decks, notebook):
    deck_path = decks[notebook.name]
    assert deck_path.exists(), f"nbconvert wrote no deck for {notebook.name}"
    deck = Deck()
    deck.feed(deck_path.read_text(encoding="utf-8"))
    nb = nbformat.read(str(notebook), as_version=4)
    kinds = Counter(cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells)
    assert deck.slides == kinds["slide"], f"{notebook.name}: {deck.slides} slides in the deck, {kinds['slide']} wanted"
    assert len(deck.screens) == kinds["slide"] + kinds["subslide"]
    empty = [i for i, content in enumerate(deck.screens) if content == 0]
    assert empty == [], f"{notebook.name}: screens {empty} of the deck show nothing"
    if notebook.stem != GLOSSARY:
        assert deck.slides >= MIN_SLIDES and len(deck.screens) >= MIN_SECTIONS, \
            f"{notebook.name}: only {deck.slides} slides / {len(deck.screens)} screens"


# ---------------------------------------------------------------- python -m dlcourse slides: decks for offline

@pytest.fixture(scope="module")
def offline_decks(tmp_path_factory):
    """Every deck written by the course's command: (folder, {notebook name: deck path})."""
    if not NOTEBOOKS:
        pytest.skip("no notebooks in notebooks/ yet")
    out = tmp_path_factory.mktemp("offline-slides")
    done = subprocess.run([sys.executable, "-m", "dlcourse", "slides", *map(str, NOTEBOOKS), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, {p.name: out / f"{p.stem}.slides.html" for p in NOTEBOOKS}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_offline_deck_has_the_slides_of_nbconverts_and_loads_only_files_beside_it(decks, offline_decks, notebook):
    folder, paths = offline_decks
    ours, theirs = Deck(), Deck()
    ours.feed(paths[notebook.name].read_text(encoding="utf-8"))
    theirs.feed(decks[notebook.name].read_text(encoding="utf-8"))
    # the same slides and screens (their content differs only where a widget became its note)
    assert (ours.slides, len(ours.screens), ours.notes) == (theirs.slides, len(theirs.screens), theirs.notes)
    assert 0 not in ours.screens
    assert [u for u in ours.loads if urlsplit(u).scheme or urlsplit(u).netloc] == []
    missing = [u for u in ours.loads if not (folder / urlsplit(u).path).is_file()]
    assert missing == [], f"{notebook.name}: the deck loads files that are not beside it: {missing}"
    assert f"{REVEAL_DIR}/dist/reveal.js" in "".join(ours.loads)
    assert f"{MATHJAX_DIR}/MathJax.js" in "".join(ours.loads)


def test_speaker_notes_go_to_the_notes_view_of_the_deck(offline_decks):
    _, paths = offline_decks
    with_notes = [p for p in NOTEBOOKS if any(c.metadata.get("slideshow", {}).get("slide_type") == "notes"
                                              for c in nbformat.read(str(p), as_version=4).cells)]
    if not with_notes:
        pytest.skip("no lecture has speaker notes")
    for notebook in with_notes:
        deck = Deck()
        deck.feed(paths[notebook.name].read_text(encoding="utf-8"))
        assert deck.notes > 0, f"{notebook.name}: its notes cells are not <aside class=notes>"


def test_reveal_js_is_taken_whole_from_jupyterlab_rise():
    files = reveal_files()
    assert sorted(files) == ["dist/reveal.css", "dist/reveal.js", "dist/theme/white.css", "plugin/notes/notes.js"]
    assert "window.Reveal =" in files["dist/reveal.js"] and "window.RevealNotes =" in files["plugin/notes/notes.js"]
    assert re.search(r'VERSION="4\.\d+\.\d+"', files["dist/reveal.js"]), "not reveal.js 4"
    for name, text in files.items():
        assert not re.search(r"\bexport\s+default\b", text), f"{name} is still an ES module"
        if name.endswith(".css"):
            assert "@import" not in text and not re.search(r"url\(\s*['\"]?https?:", text), name
    assert ".reveal .slides" in files["dist/reveal.css"] and "--r-background-color" in files["dist/theme/white.css"]


def test_a_module_that_is_not_self_contained_is_refused_with_the_reason():
    assert "window.Thing =" in _classic_script("const a = 1; export default a;", "Thing", "thing.esm.js")
    with pytest.raises(SlidesError, match="thing.esm.js in jupyterlab-rise is not a self-contained module"):
        _classic_script("import x from './x.js'; export default x;", "Thing", "thing.esm.js")
    with pytest.raises(SlidesError, match="one default export"):
        _classic_script("export const a = 1;", "Thing", "thing.esm.js")


def test_slides_command_names_a_missing_notebook(tmp_path):
    done = subprocess.run([sys.executable, "-m", "dlcourse", "slides", "notebooks/99_nothing.ipynb", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and "no such notebook: notebooks/99_nothing.ipynb" in done.stderr
