"""``python -m dlcourse site OUTDIR``: the lectures as a static HTML site that works offline.

Every ``notebooks/NN_slug.ipynb`` is exported as saved (executed, never re-run) with nbconvert's ``lab``
template, which inlines its CSS and embeds plots as data URIs, so a page reads from the file system with no
network. ``OUTDIR/index.html`` lists the lectures in course order (titles from each notebook's first heading)
with the glossary (``00_glossary``) and each lecture's exercise notebook to download (copied from
``exercises/``; ``solutions/`` is never published).

Links between notebooks (``02_gradient_descent.ipynb#Learning-rate``) become links between pages
(``02_gradient_descent.html#Learning-rate``); other relative links to files of the course are copied next to
the pages. A widget cannot run in a static page, so its output says where to use it; the static figure that
every widget also draws stays. Speaker-notes cells (slide type "notes") are for the instructor and left out.
Formulas are typeset by MathJax 2, copied into ``OUTDIR/mathjax/`` from the installed ``jupyter-server-mathjax``
package (only what TeX input and HTML-CSS output with the STIX web fonts use, about 2 MB), so the site needs no
network at all.
"""
import copy
import html
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .notebooks import ROOT, exercises_in, read

NOTEBOOK_NAME = re.compile(r"^(\d\d)_([a-z0-9_]+)\.ipynb$")
GLOSSARY = "00_glossary"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<div class="dlcourse-widget-note" style="border:1px dashed #999;padding:6px 10px;color:#555;'
               'font-style:italic">Interactive widget: open this notebook in JupyterLab and run it to move the '
               'sliders. The figure above shows its starting point.</div>')
LINK = re.compile(r'(?P<attr>\b(?:href|src))=(?P<quote>["\'])(?P<url>.*?)(?P=quote)', re.S)
# the lab template loads require.js (only used by embedded widget state, which the site drops) from a CDN
REQUIRE_JS = re.compile(r'<script src="https://[^"]*require(?:\.min)?\.js"></script>\s*')

MATHJAX_DIR = "mathjax"  # beside the pages (and the decks)
# jupyter-server-mathjax ships MathJax 2 with the STIX web fonts only (no TeX fonts, no CommonHTML output)
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
# what that configuration loads, or autoloads on demand (a formula's environment, a menu, a font range);
# left out: the SVG output, the accessibility extensions (3.7 MB), the translations of the menus
MATHJAX_FILES = ("LICENSE", "MathJax.js", "config/TeX-AMS-MML_HTMLorMML-full.js", "config/Safe.js",
                 "extensions/*.js", "extensions/TeX/**/*.js", "extensions/HTML-CSS/*.js", "jax/input/TeX/*.js",
                 "jax/element/**/*.js", "jax/output/HTML-CSS/**/*.js", "fonts/HTML-CSS/STIX-Web/woff/*.woff")
# replaces nbconvert's MathJax block (a CDN's MathJax with the CommonHTML output and TeX fonts)
MATHJAX_TEMPLATE = """
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
"""


class SiteError(RuntimeError):
    pass


def course_notebooks(folder=None):
    """The course's ``NN_slug.ipynb`` notebooks of ``folder`` (default notebooks/), in course order."""
    folder = Path(folder or ROOT / "notebooks")
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def _plain(markdown):
    """Inline markdown of a heading -> plain text: links keep their text, emphasis and code marks go."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def title_of(nb, fallback):
    """The text of the notebook's first markdown heading (any level), or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if match:
                return _plain(match.group(1))
            match = re.match(r"^\s*<h[1-6][^>]*>(.*?)</h[1-6]>", line, re.I)
            if match:
                return _plain(re.sub(r"<[^>]+>", "", match.group(1)))
    return fallback


def mathjax_source():
    """The folder of MathJax files installed with ``jupyter-server-mathjax``."""
    try:
        import jupyter_server_mathjax
    except ImportError as error:
        raise SiteError("the jupyter-server-mathjax package is not installed (it brings MathJax for offline "
                        "formulas): pip install -e . (or pip install jupyter-server-mathjax)") from error
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (source / "MathJax.js").is_file():
        raise SiteError(f"no MathJax.js in {source}: reinstall jupyter-server-mathjax")
    return source


def copy_mathjax(outdir):
    """Copy the MathJax files the pages use to ``outdir/mathjax``; returns the bytes copied."""
    source, destination = mathjax_source(), Path(outdir) / MATHJAX_DIR
    files = sorted({path for pattern in MATHJAX_FILES for path in source.glob(pattern) if path.is_file()})
    for path in files:
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return sum(path.stat().st_size for path in files)


def mathjax_url(page_dir_to_site="."):
    """The script URL of the local MathJax for a page ``page_dir_to_site`` away from the site's root."""
    return f"{page_dir_to_site}/{MATHJAX_DIR}/MathJax.js?config={MATHJAX_CONFIG}".removeprefix("./")


def static_widgets(nb):
    """A copy of ``nb`` where every widget output says where to use it and the saved widget state is gone."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # its renderer would come from a CDN, and a static page has no kernel
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
                output.setdefault("metadata", {})
    return nb


def _for_learners(nb):
    """``static_widgets(nb)`` without the speaker notes (cells of slide type "notes")."""
    nb = static_widgets(nb)
    nb.cells = [cell for cell in nb.cells if cell.metadata.get("slideshow", {}).get("slide_type") != "notes"]
    return nb


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    page = "{%- extends 'lab/index.html.j2' -%}\n" + MATHJAX_TEMPLATE
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"dlcourse_page.html.j2": page})],
                            template_file="dlcourse_page.html.j2")
    exporter.embed_images = True  # markdown images become data URIs: nothing to copy, works offline
    exporter.mathjax_url = mathjax_url()
    return exporter


class _Links:
    """Rewrites the relative links of one exported page and copies the files they point to."""

    def __init__(self, source_dir, outdir, pages, warnings):
        self.source_dir, self.outdir, self.pages, self.warnings = Path(source_dir), Path(outdir), pages, warnings

    def target(self, path):
        """Where a course file goes in the site (None: it is not published)."""
        path = path.resolve()
        root = ROOT.resolve()
        if path.parent == self.source_dir.resolve() and path.name in self.pages:
            return self.outdir / self.pages[path.name]
        for private in (root / "solutions", root / ".venv", root / ".git"):
            if path == private or private in path.parents:
                return None
        if self.source_dir.resolve() in path.parents:
            return self.outdir / path.relative_to(self.source_dir.resolve())
        if root in path.parents:
            return self.outdir / path.relative_to(root)
        return None

    def rewrite(self, page_name, text):
        def replace(match):
            url = match.group("url")
            parts = urlsplit(html.unescape(url))
            if parts.scheme or parts.netloc or not parts.path or url.startswith(("#", "data:", "mailto:")):
                return match.group(0)
            if parts.path.startswith(f"{MATHJAX_DIR}/"):  # copied by copy_mathjax, not a file of the course
                return match.group(0)
            source = self.source_dir / unquote(parts.path)
            destination = self.target(source)
            if destination is None or not source.exists():
                warning = f"{page_name}: link to {url} does not lead to a published course file"
                if warning not in self.warnings:
                    self.warnings.append(warning)
                return match.group(0)
            if source.name not in self.pages or source.resolve().parent != self.source_dir.resolve():
                destination.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, destination, dirs_exist_ok=True)
                else:
                    shutil.copy2(source, destination)
            new = Path(destination).relative_to(self.outdir).as_posix()
            if parts.fragment:
                new += "#" + parts.fragment
            return f'{match.group("attr")}={match.group("quote")}{html.escape(new, quote=True)}{match.group("quote")}'

        return LINK.sub(replace, text)


def _nav(pages, index, glossary_page):
    """The bar at the top of each page: index, previous and next lecture, glossary."""
    items = ['<a href="index.html">Course index</a>']
    if index > 0:
        items.append(f'<a href="{pages[index - 1][1]}">← {html.escape(pages[index - 1][2])}</a>')
    if index + 1 < len(pages):
        items.append(f'<a href="{pages[index + 1][1]}">{html.escape(pages[index + 1][2])} →</a>')
    if glossary_page:
        items.append(f'<a href="{glossary_page}">Glossary (용어집)</a>')
    return ('<nav class="dlcourse-nav" style="font-family:sans-serif;padding:8px 16px;border-bottom:1px solid #ddd;'
            'display:flex;gap:24px;flex-wrap:wrap">' + "".join(items) + "</nav>")


def _index_page(lectures, glossary, exercise_links):
    rows = []
    for number, page, title, exercises in lectures:
        names = ", ".join(f"<code>{html.escape(name)}</code>" for name in exercises) or "—"
        download = exercise_links.get(page)
        link = f' (<a href="{download}">notebook</a>)' if download else ""
        rows.append(f'<tr><td>{number}</td><td><a href="{page}">{html.escape(title)}</a></td>'
                    f'<td>{names}{link}</td></tr>')
    glossary_line = (f'<p><a href="{glossary[0]}">{html.escape(glossary[1])}</a>: every key term of the course in '
                     f'English and Korean, with the lecture that teaches it.</p>') if glossary else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>dlcourse — deep-learning fundamentals from scratch, in numpy</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans KR", sans-serif; max-width: 960px;
       margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }}
code {{ font-size: 0.9em; }}
</style>
</head>
<body>
<h1>dlcourse — deep-learning fundamentals from scratch, in numpy</h1>
<p>The lectures as they were executed, in course order. To run them, move the sliders and do the exercises,
open the course in JupyterLab: <code>python3 course.py lab</code>.</p>
{glossary_line}
<table>
<thead><tr><th>#</th><th>Lecture</th><th>Exercises</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p style="color:#666;font-size:0.9em">Everything on these pages, formulas included (typeset by the copy of MathJax
in <code>mathjax/</code>), works from the file system without a network.</p>
</body>
</html>
"""


def build_site(outdir, notebooks_dir=None, exercises_dir=None):
    """Export every course notebook of ``notebooks_dir`` to ``outdir``; returns (pages written, warnings)."""
    notebooks_dir = Path(notebooks_dir or ROOT / "notebooks")
    exercises_dir = Path(exercises_dir or ROOT / "exercises")
    outdir = Path(outdir)
    sources = course_notebooks(notebooks_dir)
    if not sources:
        raise SiteError(f"no NN_slug.ipynb notebooks in {notebooks_dir}")
    outdir.mkdir(parents=True, exist_ok=True)
    notebooks = {path: read(path) for path in sources}
    pages = {path.name: path.with_suffix(".html").name for path in sources}
    order = [(NOTEBOOK_NAME.match(path.name).group(1), pages[path.name], title_of(nb, path.stem))
             for path, nb in notebooks.items()]
    glossary_page = pages.get(GLOSSARY + ".ipynb")
    warnings, written = [], []
    links = _Links(notebooks_dir, outdir, pages, warnings)
    exporter = _exporter()
    for position, (path, nb) in enumerate(notebooks.items()):
        body, _ = exporter.from_notebook_node(
            _for_learners(nb), resources={"metadata": {"name": path.stem, "path": str(notebooks_dir)}})
        body = REQUIRE_JS.sub("", body)
        body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(order[position][2])}</title>", body, count=1,
                      flags=re.S)
        body = links.rewrite(path.name, body)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _nav(order, position, glossary_page), body,
                      count=1)
        (outdir / pages[path.name]).write_text(body, encoding="utf-8")
        written.append(outdir / pages[path.name])

    exercise_links, lectures = {}, []
    for (number, page, title), (path, nb) in zip(order, notebooks.items()):
        if path.stem == GLOSSARY:
            continue
        student = exercises_dir / path.name
        names = []
        if student.exists():
            names = [name for name, *_ in exercises_in(read(student))]
            (outdir / "exercises").mkdir(exist_ok=True)
            shutil.copy2(student, outdir / "exercises" / path.name)
            exercise_links[page] = f"exercises/{path.name}"
        lectures.append((number, page, title, names))
    glossary = None
    if glossary_page:
        glossary = (glossary_page, order[[p for _, p, _ in order].index(glossary_page)][2])
    (outdir / "index.html").write_text(_index_page(lectures, glossary, exercise_links), encoding="utf-8")
    written.append(outdir / "index.html")
    copy_mathjax(outdir)
    return written, warnings


def main(args):
    try:
        written, warnings = build_site(args.outdir)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    index = Path(args.outdir).resolve() / "index.html"
    print(f"wrote {len(written)} pages to {Path(args.outdir)}; open {index.as_uri()}")
    return 1 if warnings else 0
