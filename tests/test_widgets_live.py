"""dlcourse.widgets' shared machinery: the animated artists a LiveFigure draws over its saved background, the frozen
layout, and that a demo redrawn in place sends the same picture as drawing it all again."""
import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from dlcourse.widgets import LiveFigure, animated_artists


class KeepLast:
    """Stands in for a notebook's display handle: keeps the last image sent."""

    def update(self, image):
        self.image = image


def pixels(image):
    return np.asarray(Image.open(io.BytesIO(image.data))).astype(int)


def full_rendering(live):
    """The live figure drawn all at once, nothing animated (the live figure is left as it was)."""
    animated = [artist for artist in live.figure.findobj() if artist.get_animated()]
    for artist in animated:
        artist.set_animated(False)
    background, live._background = live._background, None
    try:
        return pixels(live.png())
    finally:
        live._background = background
        for artist in animated:
            artist.set_animated(True)


def assert_same_picture(live, tolerance=8):
    """The image last sent to the handle equals a full rendering (up to anti-aliasing of a few levels)."""
    sent, full = pixels(live.handle.image), full_rendering(live)
    assert sent.shape == full.shape
    assert np.abs(sent - full).max() <= tolerance


def test_animated_artists_are_findobjs_without_building_ticks():
    figure = Figure()
    ax_a, ax_b = figure.subplots(1, 2)
    line, = ax_a.plot([0, 1], [1, 0])
    text = ax_b.text(0.5, 0.5, "moving")
    hidden, = ax_b.plot([0, 1], [0, 1], visible=False)
    for artist in (line, text, hidden, ax_a.title, ax_b.xaxis.label):
        artist.set_animated(True)
    ticks_before = len(ax_a.xaxis.majorTicks)
    found = animated_artists(figure)
    assert len(ax_a.xaxis.majorTicks) == ticks_before  # findobj would have built the ticks
    assert found == [line, ax_a.title, text, ax_b.xaxis.label]
    assert found == [a for a in figure.findobj(lambda a: a.get_animated() and a.get_visible())]


def test_live_figure_lays_out_once_then_freezes_the_layout():
    figure = Figure(figsize=(4, 3), layout="constrained")
    ax = figure.subplots()
    ax.plot([0, 1], [0, 1])
    live = LiveFigure(figure)
    live.png()
    position = ax.get_position().bounds
    assert figure.get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"
    assert position != (0.125, 0.11, 0.775, 0.77)  # the constrained layout's, not the default subplot position
    ax.set_ylabel("a label that would move the axes")
    live.png()
    assert ax.get_position().bounds == position


def test_linear_classifier_demo_redrawn_in_place_sends_the_full_picture():
    from dlcourse.widgets.gradient_descent import LinearClassifierDemo

    demo = LinearClassifierDemo()
    demo.figure()
    demo.controls()
    demo.live.handle = KeepLast()
    demo._redraw()  # the first rendering: the background without the moving artists
    for change in (lambda: setattr(demo._controls["w0x"], "value", 2.5),
                   lambda: setattr(demo._controls["learning_rate"], "value", 1.5), lambda: demo.step(3)):
        change()
        assert_same_picture(demo.live)
    assert not any(artist.get_animated() for artist in demo.fig.findobj())  # a static display shows them all


def test_image_feature_explorers_redrawn_in_part_send_the_full_picture():
    from dlcourse.widgets.image_features import HOGExplorer, HueExplorer, draw_hog_demo, draw_hue_demo

    rng = np.random.default_rng(0)
    photos = {"noise": rng.uniform(size=(24, 32, 3)), "ramp": np.linspace(0, 1, 24 * 32 * 3).reshape(24, 32, 3)}
    hue = HueExplorer(photos, n_bins=12)
    hue.live.handle = KeepLast()
    hue.update()
    for control, value in ((hue.n_bins, 30), (hue.photo, "ramp"), (hue.n_bins, 5)):
        control.value = value
        assert_same_picture(hue.live)
    fresh = Figure().subplots(1, 2)
    assert np.array_equal(draw_hue_demo(fresh, photos["ramp"], 5), hue.result)
    assert fresh[1].get_ylim() == hue.axes[1].get_ylim() and len(fresh[1].patches) == len(hue.axes[1].patches) == 5

    image = rng.uniform(size=(48, 64))
    hog = HOGExplorer(image, cell_size=8, n_bins=9)
    hog.live.handle = KeepLast()
    hog.update()
    for control, value in ((hog.cell_size, 12), (hog.n_bins, 4)):
        control.value = value
        assert_same_picture(hog.live)
    fresh = Figure().subplots(1, 2)
    assert np.array_equal(draw_hog_demo(fresh, image, 12, 4), hog.result)
    assert fresh[1].get_ylim() == hog.axes[1].get_ylim() and fresh[0].get_title() == hog.axes[0].get_title()
    assert len(hog.axes[0].images) == len(hog.axes[0].collections) == len(hog.axes[0].patches) == 1


def test_loss_explorer_moved_in_place_sends_the_full_picture():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dlcourse.widgets.loss_functions import LossExplorer, draw

    explorer = LossExplorer()
    explorer.live.handle = KeepLast()
    explorer.update()
    for control, value in ((explorer.sliders[0], 3.0), (explorer.sliders[2], -6.0), (explorer.target, 1),
                           (explorer.sliders[1], 0.5)):
        control.value = value
        assert_same_picture(explorer.live, tolerance=0)
    # draw over its own last drawing (same true class) equals drawing on new axes
    reused, fresh = Figure(figsize=(8, 3)), Figure(figsize=(8, 3))
    axes = reused.subplots(1, 2)
    draw(axes, [0.7, 1.3, 5.1, 2.2, 1.1], 2)
    FigureCanvasAgg(reused).draw()
    moved = draw(axes, [0.7, 1.3, -6.0, 2.2, 1.1], 2)
    drawn = draw(fresh.subplots(1, 2), [0.7, 1.3, -6.0, 2.2, 1.1], 2)
    assert moved["cross_entropy"] == drawn["cross_entropy"] and len(axes[0].texts) == 5
    pictures = []
    for figure in (reused, fresh):
        FigureCanvasAgg(figure).draw()
        pictures.append(np.asarray(figure.canvas.buffer_rgba()).copy())
    assert np.array_equal(pictures[0], pictures[1])
