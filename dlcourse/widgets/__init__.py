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


def animated_artists(figure):
    """The visible animated artists of ``figure``, in ``figure.findobj``'s order, without creating any ticks.

    ``findobj`` walks every Axis's ticks, and asking an Axis for them builds them (a few ms each time); the ticks
    are never animated here, so only an Axis's label and offset text are looked at.
    """
    from matplotlib.axis import Axis

    found = []

    def walk(artist):
        children = [artist.label, artist.offsetText] if isinstance(artist, Axis) else artist.get_children()
        for child in children:
            walk(child)
            if child.get_animated() and child.get_visible():
                found.append(child)

    walk(figure)
    return found


class LiveFigure:
    """One matplotlib figure shown as a PNG output and replaced in place (``redraw``) after each change.

    ``redraw()`` renders the whole figure. A demo whose change only moves some artists marks them animated
    (``artist.set_animated(True)``) and calls ``redraw(moved_only=True)``: the rest is pasted from the last full
    rendering, and only the animated artists are drawn again (matplotlib's blitting), a few milliseconds instead
    of a few hundred. Before ``show()`` (tests, or a demo built outside a notebook) ``redraw`` only counts.

    The figure's layout engine (constrained or tight) runs at the first full rendering only, then is frozen
    (``set_layout_engine("none")``): the solver costs as much as the drawing, and a control changes what the
    panels show, not where they are.
    """

    def __init__(self, figure, dpi=80):
        self.figure, self.dpi, self.handle, self.redraws = figure, dpi, None, 0
        self._background = None
        self._background_without_moving = False  # the saved background was rendered by redraw_moving

    def png(self, moved_only=False):
        """The current figure as a PNG image (an IPython Image)."""
        import io

        from IPython.display import Image
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.layout_engine import PlaceHolderLayoutEngine
        from PIL import Image as PILImage

        figure = self.figure
        if not isinstance(figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure)
        figure.set_dpi(self.dpi)
        canvas = figure.canvas
        if moved_only and self._background is not None:
            canvas.restore_region(self._background)
        else:
            canvas.draw()  # every artist but the animated ones
            self._background = canvas.copy_from_bbox(figure.bbox)
            self._background_without_moving = False
            if not isinstance(figure.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
                figure.set_layout_engine("none")  # the positions just computed stay
        for artist in animated_artists(figure):  # also ones made since
            figure.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)  # fast: the image is sent at once
        return Image(data=buffer.getvalue(), format="png")

    def show(self):
        from IPython.display import display

        self.handle = display(self.png(), display_id=True)
        return self

    def redraw(self, moved_only=False):
        """Send the figure again; ``moved_only``: nothing but the animated artists changed since the last full one."""
        self.redraws += 1
        if self.handle is not None:
            self.handle.update(self.png(moved_only))

    def redraw_moving(self, moving, full=False):
        """Send the figure again, where only the artists ``moving`` (Axes too) can have changed since the last call.

        They are animated just while the figure is drawn (a static display of the figure still shows them): the
        first call, or one with ``full`` (something else changed too), renders the rest without them and saves it;
        the next calls paste that and draw nothing but ``moving`` over it.
        """
        self.redraws += 1
        if self.handle is None:
            return
        moving = [artist for artist in moving if not artist.get_animated()]
        for artist in moving:
            artist.set_animated(True)
        try:
            image = self.png(moved_only=self._background_without_moving and not full)
        finally:
            for artist in moving:
                artist.set_animated(False)
        self._background_without_moving = True
        self.handle.update(image)


def coalesced(redraw):
    """``redraw`` as a control's observer that skips the values a drag has already left behind.

    While a slider is dragged (``continuous_update``) its values arrive faster than a figure is drawn; drawing each
    one in turn leaves the figure behind the slider by the whole queue. Run in a kernel's event loop, a change only
    asks for a redraw on the loop's next turn, and the changes that arrive meanwhile join that one redraw, which
    reads the controls' latest values. Without a running loop (tests, scripts) it redraws at once.
    """
    import asyncio

    scheduled = []

    def run():
        scheduled.clear()
        redraw()

    def request(_change=None):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return redraw()
        if not scheduled:
            scheduled.append(loop.call_soon(run))

    return request


def show_demo(panel, live):
    """Display the controls, then the one figure under them (on screen together at a laptop's 1366×900)."""
    from IPython.display import display

    display(panel)
    return live.show()
