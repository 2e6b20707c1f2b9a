"""Interactive demos of the lectures (ipywidgets), one module per lecture.

Each demo draws the figure of its initial state as a normal matplotlib figure (so a saved notebook keeps
it) and displays sliders that redraw it. The drawing is a plain function of the slider values, so tests
can call it directly.
"""
