"""Claims a lecture makes about its own experiments, checked right after the experiment.

A lecture's prose says "A beats B" only where the cell after the experiment says so too::

    claim(cnn_errors.mean() < mlp_errors.mean(), "over 5 seeds the CNN's mean test error is below the MLP's")

prints ``✓ over 5 seeds the CNN's mean test error is below the MLP's`` and raises ``AssertionError`` when the
numbers stop supporting it, so a change of data, seed, library or machine that falsifies a claim fails the
tests instead of leaving wrong prose behind. ``tests/claims/NN_slug.txt`` lists each lecture's claims.

Values at the level of floating-point round-off differ from one CPU to the next in their last digits;
``below`` shows such a value as what it means (``max relative error below 1e-07 ✓``) instead of its digits.
"""
import numpy as np


def claim(holds, statement):
    """Print ``✓ statement`` when ``holds`` is true; raise ``AssertionError`` naming the claim otherwise."""
    if not bool(holds):
        raise AssertionError(f"this lecture's claim no longer holds: {statement}")
    print(f"✓ {statement}")


def below(value, bound, what):
    """Claim ``what`` (a round-off-level quantity such as a relative error) is below ``bound``, without its digits.

    >>> below(3e-11, 1e-7, "max relative error")
    ✓ max relative error below 1e-07
    """
    value = float(np.max(np.abs(value)))
    claim(value < bound, f"{what} below {bound:.0e}")


def mean_spread(values, digits=3):
    """``"0.912 ± 0.011"``: the mean and the standard deviation of a result over seeds, as text."""
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"
