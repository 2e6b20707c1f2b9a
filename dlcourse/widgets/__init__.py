"""Interactive demos of the lectures (ipywidgets), one module per lecture.

Every demo shows the same way: its controls, then ONE figure of the current state right under them, a PNG
output with a display id (so a saved notebook keeps it) that every change of a control replaces in place.
``panel`` gives the controls a friendly plain-text form, the line a saved notebook shows where widgets cannot
render; ``LiveFigure`` is the figure's output. The drawing is a plain function of the control values, so
tests call it directly.
"""


def figure_png(fig, dpi=80):
    """A matplotlib figure as an IPython PNG image: what a demo shows, and replaces in place when a control moves."""
    import io

    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return Image(data=buffer.getvalue(), format="png")


def panel(children, text):
    """A VBox of controls whose plain-text form is ``text`` (a saved notebook shows it, not a widget repr).

    e.g. ``panel([slider], "LossExplorer: sliders for the logits (run the notebook to move them)")``.
    """
    import ipywidgets

    class _Panel(ipywidgets.VBox):
        def __repr__(self):
            return text

    return _Panel(children)


class LiveFigure:
    """One matplotlib figure shown as a PNG output and replaced in place (``redraw``) after each change.

    Before ``show()`` (tests, or a demo built outside a notebook) ``redraw`` only counts: nothing is displayed.
    """

    def __init__(self, figure, dpi=80):
        self.figure, self.dpi, self.handle, self.redraws = figure, dpi, None, 0

    def png(self):
        return figure_png(self.figure, dpi=self.dpi)

    def show(self):
        from IPython.display import display

        self.handle = display(self.png(), display_id=True)
        return self

    def redraw(self):
        self.redraws += 1
        if self.handle is not None:
            self.handle.update(self.png())


def show_demo(panel, live):
    """Display the controls, then the one figure under them (on screen together at a laptop's 1366×900)."""
    from IPython.display import display

    display(panel)
    return live.show()
