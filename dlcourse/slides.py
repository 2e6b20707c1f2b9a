"""``python -m dlcourse slides NOTEBOOK... [--out DIR]``: reveal.js decks that present without a network.

Each notebook becomes ``DIR/NN_slug.slides.html`` (nbconvert's reveal template, saved outputs, never re-run),
beside one shared copy of reveal.js (``DIR/reveal.js/``) and of MathJax (``DIR/mathjax/``), so the folder can
be opened from the file system, carried on a stick, or served as it is. Press ``S`` for the speaker notes
(cells of slide type "notes"), ``Esc`` for an overview. A widget shows its starting figure and a note (as on
the site): to move its sliders in front of a class, present the notebook live in JupyterLab with RISE.

reveal.js comes from the installed ``jupyterlab-rise`` package, which presents notebooks live in JupyterLab
with reveal.js 4. The package ships it bundled by webpack, so no file of it is named ``reveal.js``; its source
maps (``jupyterlab_rise/static/*.js.map``) carry each original file of ``node_modules/reveal.js/`` in full
(``sourcesContent``). The ES module builds found there become classic scripts (a page opened from ``file://``
may not load ES modules), and the style sheets are taken from the CSS loader's own source map.
"""
import json
import re
import sys
from pathlib import Path

from .site import MATHJAX_TEMPLATE, SiteError, copy_mathjax, mathjax_url, static_widgets

REVEAL_DIR = "reveal.js"
REVEAL_THEME = "white"
# path in the deck's reveal.js folder -> the original file of the reveal.js package, and the global it defines
REVEAL_SCRIPTS = {"dist/reveal.js": ("reveal.js/dist/reveal.esm.js", "Reveal"),
                  "plugin/notes/notes.js": ("reveal.js/plugin/notes/notes.esm.js", "RevealNotes")}
REVEAL_STYLES = {"dist/reveal.css": "reveal.js/dist/reveal.css",
                 f"dist/theme/{REVEAL_THEME}.css": f"reveal.js/dist/theme/{REVEAL_THEME}.css"}
# the theme's web font is bundled under a hashed name: the deck falls back to Helvetica / the system sans-serif
FONT_IMPORT = re.compile(r"@import url\(\./fonts/[^)]*\);\n?")

# nbconvert's reveal template loads jQuery, require.js and mermaid from CDNs and reveal.js through require.js;
# the course's deck loads its local reveal.js with plain script tags and MathJax from beside the deck
DECK_TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
""" + MATHJAX_TEMPLATE + """
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true,
  progress: true,
  history: true,
  transition: "{{ resources.reveal.transition | default('slide', true) }}",
  slideNumber: "{{ resources.reveal.number }}",
  plugins: [RevealNotes],
  width: {{ resources.reveal.width | default('960', true) }},
  height: {{ resources.reveal.height | default('700', true) }}
});
// MathJax measures formulas on hidden slides as empty: typeset them again once shown
Reveal.on('slidechanged', function (event) {
  if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(['Rerender', MathJax.Hub, event.currentSlide]); }
});
</script>
{% endblock footer_js %}
"""


class SlidesError(SiteError):
    pass


def _rise_sources():
    """{path under node_modules/: file text} of every original file in jupyterlab-rise's source maps."""
    try:
        import jupyterlab_rise
    except ImportError as error:
        raise SlidesError("the jupyterlab-rise package is not installed (it brings reveal.js): pip install -e . "
                          "(or pip install jupyterlab-rise)") from error
    static = Path(jupyterlab_rise.__file__).parent / "static"
    sources = {}
    for source_map in sorted(static.glob("*.js.map")):
        text = source_map.read_text(encoding="utf-8")
        if "/node_modules/reveal.js/" not in text:  # most maps are JupyterLab's own code: skip parsing them
            continue
        data = json.loads(text)
        for name, content in zip(data.get("sources", []), data.get("sourcesContent") or []):
            if "/node_modules/" in name and "?" not in name and content:
                sources.setdefault(name.split("/node_modules/", 1)[1], content)
    return sources


def _classic_script(module_text, global_name, origin):
    """An ES module with one default export and no imports as a plain script defining ``window.global_name``."""
    exports = re.findall(r"\bexport\s+default\b", module_text)
    if len(exports) != 1 or re.search(r"(^|[;}\n])\s*import\s*[{*\w]", module_text):
        raise SlidesError(f"{origin} in jupyterlab-rise is not a self-contained module with one default export; "
                          "this version of jupyterlab-rise is not supported")
    body = re.sub(r"\bexport\s+default\b", f"window.{global_name} =", module_text)
    body = re.sub(r"//# sourceMappingURL=\S*\s*$", "", body)
    return f"/* {origin}, from jupyterlab-rise */\n(function () {{\n{body}\n}})();\n"


def _css_of_loader_module(module_text, origin):
    """The original CSS inside a css-loader module: the ``sourcesContent`` of the source map it embeds."""
    start = module_text.find('{"version":3')
    if start < 0:
        raise SlidesError(f"no source map in the module of {origin} in jupyterlab-rise")
    embedded, _ = json.JSONDecoder().raw_decode(module_text, start)
    return embedded["sourcesContent"][0]


def reveal_files():
    """{path in the deck's reveal.js folder: text}: reveal.js 4, its notes plugin, its style and theme."""
    sources = _rise_sources()
    wanted = [origin for origin, _ in REVEAL_SCRIPTS.values()] + list(REVEAL_STYLES.values())
    missing = [origin for origin in wanted if origin not in sources]
    if missing:
        raise SlidesError(f"jupyterlab-rise's source maps lack {', '.join(missing)}; this version of "
                          "jupyterlab-rise is not supported")
    files = {path: _classic_script(sources[origin], name, origin) for path, (origin, name) in REVEAL_SCRIPTS.items()}
    for path, origin in REVEAL_STYLES.items():
        files[path] = FONT_IMPORT.sub("", _css_of_loader_module(sources[origin], origin))
    return files


def copy_reveal(outdir):
    """Write reveal.js to ``outdir/reveal.js``; returns the bytes written."""
    total = 0
    for path, text in reveal_files().items():
        target = Path(outdir) / REVEAL_DIR / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        total += target.stat().st_size
    return total


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(extra_loaders=[DictLoader({"dlcourse_deck.html.j2": DECK_TEMPLATE})],
                              template_file="dlcourse_deck.html.j2")
    exporter.reveal_url_prefix = REVEAL_DIR
    exporter.reveal_theme = REVEAL_THEME
    exporter.mathjax_url = mathjax_url()
    return exporter


def build_decks(notebooks, outdir):
    """Write a deck for each notebook to ``outdir`` with reveal.js and MathJax beside them; returns the decks."""
    import nbformat

    outdir = Path(outdir)
    missing = [str(path) for path in map(Path, notebooks) if not path.is_file()]
    if missing:
        raise SlidesError(f"no such notebook: {', '.join(missing)}")
    outdir.mkdir(parents=True, exist_ok=True)
    copy_reveal(outdir)
    copy_mathjax(outdir)
    exporter, decks = _exporter(), []
    for path in map(Path, notebooks):
        body, _ = exporter.from_notebook_node(static_widgets(nbformat.read(str(path), as_version=4)),
                                              resources={"metadata": {"name": path.stem, "path": str(path.parent)}})
        deck = outdir / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
    return decks


def main(args):
    try:
        decks = build_decks(args.notebooks, args.out)
    except SiteError as error:  # SlidesError, or MathJax missing
        print(f"slides: {error}", file=sys.stderr)
        return 1
    for deck in decks:
        print(f"wrote {deck}")
    print(f"open {decks[0].resolve().as_uri()} (reveal.js and MathJax are in {Path(args.out)}; no network needed)")
    return 0
