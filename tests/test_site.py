"""`python -m dlcourse site OUTDIR`: every lecture as a page, an index in course order, every link resolving."""
import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dlcourse.notebooks import exercises_in
from dlcourse.site import GLOSSARY, MATHJAX_DIR, build_site, copy_mathjax, course_notebooks, title_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = course_notebooks(ROOT / "notebooks")
MATHJAX_BYTES = 3_000_000  # the README says "about 2 MB"; the whole of jupyter-server-mathjax is 12 MB


class Links(HTMLParser):
    """Every href and src of a page, and the pages' anchors (id / name)."""

    def __init__(self):
        super().__init__()
        self.links, self.loads, self.anchors = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.links.append((tag, name, attrs[name]))
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.loads.append(attrs.get("href", ""))
        for name in ("id", "name"):
            if attrs.get(name):
                self.anchors.add(attrs[name])


def parse(path):
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not NOTEBOOKS:
        pytest.skip("no notebooks in notebooks/ yet")
    outdir = tmp_path_factory.mktemp("site") / "out"
    done = subprocess.run([sys.executable, "-m", "dlcourse", "site", str(outdir)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return outdir


def test_every_notebook_has_a_page_and_the_index_lists_them_in_course_order(site):
    pages = sorted(p.name for p in site.glob("*.html"))
    assert pages == sorted([p.with_suffix(".html").name for p in NOTEBOOKS] + ["index.html"])
    index = (site / "index.html").read_text(encoding="utf-8")
    lectures = [p for p in NOTEBOOKS if p.stem != GLOSSARY]
    listed = re.findall(r'<td><a href="([^"]+\.html)">([^<]*)</a></td>', index)
    expected = [(p.with_suffix(".html").name, title_of(nbformat.read(str(p), as_version=4), p.stem))
                for p in lectures]
    assert [(href, html.unescape(text)) for href, text in listed] == expected
    if (ROOT / "notebooks" / f"{GLOSSARY}.ipynb").exists():
        assert f'href="{GLOSSARY}.html"' in index


def test_index_names_each_lectures_exercises(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for lecture in NOTEBOOKS:
        student = ROOT / "exercises" / lecture.name
        if lecture.stem == GLOSSARY or not student.exists():
            continue
        for name, *_ in exercises_in(nbformat.read(str(student), as_version=4)):
            assert f"<code>{name}</code>" in index, f"{name} of {lecture.name} missing from the index"
        assert f'href="exercises/{lecture.name}"' in index
        assert "### BEGIN SOLUTION" not in (site / "exercises" / lecture.name).read_text(encoding="utf-8")


def test_every_link_resolves_to_a_file_of_the_site(site):
    broken = []
    for page in sorted(site.rglob("*.html")):
        for tag, attribute, url in parse(page).links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto", "data") or url.startswith("#"):
                continue
            assert not parts.scheme and not parts.netloc, f"{page.name}: odd link {url}"
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.name}: <{tag} {attribute}={url!r}>")
    assert broken == []


def test_links_between_lectures_point_to_pages_with_their_anchors(site):
    """A lecture's link to another notebook (or the glossary) lands on that page, at an anchor that exists."""
    missing = []
    for page in sorted(site.glob("*.html")):
        for _, _, url in parse(page).links:
            parts = urlsplit(url)
            assert not (parts.path.endswith(".ipynb") and not parts.path.startswith("exercises/")), \
                f"{page.name}: link to a notebook left as {url}"
            if parts.scheme or not parts.path.endswith(".html") or not parts.fragment:
                continue
            anchors = parse(site / parts.path).anchors
            if unquote(parts.fragment) not in anchors and parts.fragment not in anchors:
                missing.append(f"{page.name}: {url}")
    assert missing == []


def test_pages_read_offline(site):
    """CSS is inlined, plots are data URIs, MathJax is the site's own copy: nothing comes from the network."""
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        remote = [u for u in parse(page).loads if urlsplit(u).scheme in ("http", "https")]
        assert remote == [], f"{page.name} loads {remote}"
        if page.name != "index.html":
            assert f'<script src="{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe">' in text
        assert not re.search(r"url\(\s*['\"]?https?:", text), f"{page.name}: CSS fetches from the network"
        assert not re.search(r"@import\s+['\"]?(url\()?https?:", text), f"{page.name}: CSS imports from the network"


def test_lecture_pages_show_their_executed_outputs_and_say_where_widgets_run(site):
    for lecture in NOTEBOOKS:
        if lecture.stem == GLOSSARY:
            continue
        text = (site / lecture.with_suffix(".html").name).read_text(encoding="utf-8")
        assert 'src="data:image/png;base64,' in text, f"{lecture.name}: no plot on its page"
        assert "dlcourse-widget-note" in text, f"{lecture.name}: a widget output is not explained"
        assert "application/vnd.jupyter.widget-state+json" not in text


def test_the_site_has_the_mathjax_files_its_configuration_loads_and_no_more(site):
    mathjax = site / MATHJAX_DIR
    files = {p.relative_to(mathjax).as_posix() for p in mathjax.rglob("*") if p.is_file()}
    # what the browser fetched typesetting lecture 03 (tests/test_offline.py typesets every page offline)
    for needed in ("MathJax.js", "config/TeX-AMS-MML_HTMLorMML-full.js", "config/Safe.js", "extensions/Safe.js",
                   "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js", "jax/output/HTML-CSS/autoload/multiline.js",
                   "jax/element/mml/optable/BasicLatin.js", "jax/output/HTML-CSS/fonts/STIX-Web/Main/Regular/Main.js",
                   "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff", "extensions/TeX/AMSmath.js"):
        assert needed in files, needed
    assert not [f for f in files if f.startswith(("jax/output/SVG/", "extensions/a11y/", "localization/"))]
    size = sum((mathjax / f).stat().st_size for f in files)
    assert size < MATHJAX_BYTES, f"the site's MathJax takes {size} bytes"


def test_copy_mathjax_says_how_much_it_copied(tmp_path):
    copied = copy_mathjax(tmp_path)
    on_disk = sum(p.stat().st_size for p in (tmp_path / MATHJAX_DIR).rglob("*") if p.is_file())
    assert copied == on_disk and 1_000_000 < copied < MATHJAX_BYTES


# ---------------------------------------------------------------- the builder on a small made-up course

def _small_course(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    glossary = new_notebook(cells=[new_markdown_cell("# Glossary (용어집)\n\n## Loss function\n\nSee [lecture 1]"
                                                     "(01_first.ipynb#Softmax).")])
    cell = new_code_cell("show()", execution_count=1)
    cell.outputs = [new_output("display_data", data={"application/vnd.jupyter.widget-view+json":
                                                     {"model_id": "abc", "version_major": 2, "version_minor": 0},
                                                     "text/plain": "VBox(children=(FloatSlider(...),))"})]
    first = new_notebook(cells=[
        new_markdown_cell("Intro without heading"),
        new_markdown_cell("Speaker notes: ask who has met the chain rule.",
                          metadata={"slideshow": {"slide_type": "notes"}}),
        new_markdown_cell("# Lecture 1 — **Loss** functions (손실 함수)\n\n## Softmax\n\n"
                          "[terms](00_glossary.ipynb#Loss-function), [next](02_second.ipynb), "
                          "[data](data/table.csv), [web](https://example.org/page), [gone](03_missing.ipynb)"),
        cell])
    first.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    second = new_notebook(cells=[new_markdown_cell("### `train` and friends")])
    for name, nb in (("00_glossary", glossary), ("01_first", first), ("02_second", second), ("notes", second)):
        nbformat.write(nb, str(notebooks / f"{name}.ipynb"))
    (notebooks / "data").mkdir()
    (notebooks / "data" / "table.csv").write_text("a,b\n1,2\n")
    return notebooks


def test_builder_rewrites_links_copies_files_and_reports_broken_ones(tmp_path):
    notebooks = _small_course(tmp_path)
    out = tmp_path / "site"
    written, warnings = build_site(out, notebooks_dir=notebooks, exercises_dir=tmp_path / "no-exercises")
    assert sorted(p.name for p in written) == ["00_glossary.html", "01_first.html", "02_second.html", "index.html"]
    assert warnings == ["01_first.ipynb: link to 03_missing.ipynb does not lead to a published course file"]
    first = (out / "01_first.html").read_text(encoding="utf-8")
    for link in ('href="00_glossary.html#Loss-function"', 'href="02_second.html"', 'href="data/table.csv"',
                 'href="https://example.org/page"'):
        assert link in first
    assert (out / "data" / "table.csv").read_text() == "a,b\n1,2\n"
    assert "dlcourse-widget-note" in first and "VBox(children" not in first
    assert "require.js" not in first and "@jupyter-widgets/html-manager" not in first
    assert "<title>Lecture 1 — Loss functions (손실 함수)</title>" in first
    assert "Intro without heading" in first and "chain rule" not in first  # speaker notes are for the instructor
    assert (out / MATHJAX_DIR / "MathJax.js").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<td><a href="([^"]+)">([^<]*)</a>', index) == [
        ("01_first.html", "Lecture 1 — Loss functions (손실 함수)"), ("02_second.html", "train and friends")]
    assert 'href="00_glossary.html">Glossary (용어집)</a>' in index
    assert "notes.html" not in index and not (out / "notes.html").exists()


def test_command_exits_1_when_a_link_is_broken(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from dlcourse import site

    notebooks = _small_course(tmp_path)
    monkeypatch.setattr(site, "ROOT", tmp_path)
    assert site.main(SimpleNamespace(outdir=str(tmp_path / "out"))) == 1
    assert "03_missing.ipynb" in capsys.readouterr().err
    (notebooks / "01_first.ipynb").write_text((notebooks / "01_first.ipynb").read_text().replace(
        ", [gone](03_missing.ipynb)", ""))
    assert site.main(SimpleNamespace(outdir=str(tmp_path / "out2"))) == 0
    assert "wrote 4 pages" in capsys.readouterr().out


def test_command_fails_clearly_without_notebooks(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from dlcourse import site

    monkeypatch.setattr(site, "ROOT", tmp_path)
    assert site.main(SimpleNamespace(outdir=str(tmp_path / "out"))) == 1
    assert "no NN_slug.ipynb notebooks in" in capsys.readouterr().err


# ---------------------------------------------------------------- the README's table of lectures

def test_readme_lists_every_lecture_with_its_exercises():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 course.py lab" in readme and "python3 course.py test" in readme
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| (\d\d) \| \[[^\]]+\]\(notebooks/(\S+?)\)", readme, re.M)}
    lectures = [p for p in NOTEBOOKS if p.stem != GLOSSARY]
    assert sorted(rows.values()) == sorted(p.name for p in lectures), "README's table of lectures is out of date"
    for lecture in lectures:
        row = next(line for line in readme.splitlines() if f"(notebooks/{lecture.name})" in line)
        solution = ROOT / "solutions" / lecture.name
        if solution.exists():
            for name, _, _, points in exercises_in(nbformat.read(str(solution), as_version=4)):
                assert f"`{name}` ({points})" in row, f"README: {name} ({points} points) missing for {lecture.name}"


# ---------------------------------------------------------------- the glossary agrees with the lectures

def _normal(text):
    """Lower case, one spelling (optimise/optimize, colour/color, centred/centered), hyphens as spaces."""
    text = re.sub(r"</?[a-z][^<>]*>|[*_`$\\]", " ", text.lower()).replace("-", " ")
    for british, american in (("isation", "ization"), ("ise ", "ize "), ("colour", "color"), ("centred", "centered")):
        text = text.replace(british, american)
    return re.sub(r"\s+", " ", text)


def glossary_rows():
    path = ROOT / "notebooks" / f"{GLOSSARY}.ipynb"
    if not path.exists():
        return []
    rows = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        for match in re.finditer(r"^\| \*\*(.+?)\*\* \| (.+?) \| (.+?) \| (.+?) \|$", cell.source, re.M):
            rows.append((match.group(1), match.group(2), re.findall(r"\b(\d\d)\b", match.group(4))))
    return rows


def test_glossary_has_the_notes_terms_and_links_every_lecture():
    rows = glossary_rows()
    if not rows:
        pytest.skip("no glossary yet")
    text = (ROOT / "notebooks" / f"{GLOSSARY}.ipynb").read_text(encoding="utf-8")
    table_lines = [line for cell in nbformat.read(str(ROOT / "notebooks" / f"{GLOSSARY}.ipynb"), as_version=4).cells
                   for line in cell.source.splitlines() if line.startswith("| **")]
    assert len(table_lines) == len(rows), "a glossary row does not have its 4 columns (a | inside a formula?)"
    assert len({english for english, _, _ in rows}) == len(rows), "a term is listed twice"
    korean = " ".join(k for _, k, _ in rows)
    for term in ("손실 함수", "경사 하강법", "역전파", "기울기 소실", "드롭아웃", "합성곱", "활성화 함수", "과적합",
                 "학습률"):
        assert term in korean, f"the glossary lacks {term}"
    for lecture in NOTEBOOKS:
        if lecture.stem != GLOSSARY:
            assert f"]({lecture.name})" in text, f"the glossary does not link {lecture.name}"


def test_every_glossary_term_appears_in_the_lectures_it_names():
    rows = glossary_rows()
    if not rows:
        pytest.skip("no glossary yet")
    lectures = {p.stem[:2]: p for p in NOTEBOOKS if p.stem != GLOSSARY}
    texts = {code: _normal(" ".join(c.source for c in nbformat.read(str(p), as_version=4).cells))
             for code, p in lectures.items()}
    missing = []
    for english, _, codes in rows:
        # "stochastic gradient descent (SGD) / mini-batch SGD": any name or abbreviation will do
        names = [part for alt in english.split(" / ") for part in [re.sub(r"\([^)]*\)", "", alt)]
                 + [n for inner in re.findall(r"\(([^)]*)\)", alt) for n in inner.split(",")]]
        phrases = [_normal(name).strip() for name in names if name.strip()]
        for code in codes:
            if code in texts and not any(phrase in texts[code] for phrase in phrases):
                missing.append(f"{english!r} not in lecture {code}")
    assert missing == []


def _list_lines_inside_inline_math(source):
    """Lines of a Markdown cell that start like a list item ("+ x", "- x", "1. x") while an inline formula
    ($...$) opened on an earlier line is still open: Markdown then makes a list and the formula stays TeX."""
    text = re.sub(r"\$\$.*?\$\$", "", source, flags=re.S)
    found, inside = [], False
    for line in text.split("\n"):
        if inside and re.match(r"\s*([-+*]|\d+\.)\s", line):
            found.append(line)
        if len(re.findall(r"(?<!\\)\$", re.sub(r"`[^`]*`", "", line))) % 2:
            inside = not inside
    return found


def test_no_inline_formula_is_cut_by_a_list_marker():
    assert _list_lines_inside_inline_math("and $a = b\n+ c$ as before") == ["+ c$ as before"]
    assert _list_lines_inside_inline_math("and $a = b + c$\n+ an item") == []
    broken = []
    for path in sorted(NOTEBOOKS) + sorted((ROOT / "solutions").glob("*.ipynb")):
        for number, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
            if cell.cell_type == "markdown":
                broken += [f"{path.name}, cell {number}: {line[:60]!r}" for line in _list_lines_inside_inline_math(
                    cell.source)]
    assert broken == [], "start the formula on the line of the list marker, or move the operator up a line"
