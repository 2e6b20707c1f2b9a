"""Every lecture is also a slide deck: slide metadata on every cell, and `jupyter nbconvert --to slides` builds it.

The decks reference reveal.js on a CDN (nbconvert's default); building them needs no network.
"""
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from dlcourse.site import GLOSSARY, course_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = course_notebooks(ROOT / "notebooks")
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
MIN_SLIDES, MIN_SECTIONS = 4, 8  # a lecture deck: at least 4 slides, 8 screens counting subslides


class Deck(HTMLParser):
    """The reveal.js structure of a deck: top-level <section>s (slides) holding <section>s (screens)."""

    def __init__(self):
        super().__init__()
        self.depth, self.slides, self.screens, self.text, self.images, self.notes = 0, 0, [], [], [], 0
        self.in_notes = 0

    def handle_starttag(self, tag, attrs):
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
