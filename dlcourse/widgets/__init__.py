"""Interactive demos of the lectures (ipywidgets), one module per lecture.

Each demo draws the figure of its initial state as a normal matplotlib figure (so a saved notebook keeps
it) and displays sliders that redraw it. The drawing is a plain function of the slider values, so tests
can call it directly.
"""


def figure_png(fig, dpi=80):
    """A matplotlib figure as an IPython PNG image: what a demo shows, and replaces in place when a control moves."""
    import io

    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return Image(data=buffer.getvalue(), format="png")
