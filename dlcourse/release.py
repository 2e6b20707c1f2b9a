"""``python -m dlcourse release OUT/``: what an instructor hands out, with no answer key in it."""

# The learner's library: the modules the wheel ships (a name is a module, or a package with all its modules).
# Everything else in dlcourse is instructor tooling (builder, grader, site, doctor, notebooks, gradescope, canvas,
# report, slides, selfcheck) or the answer key (checks/<lecture>.py). tests/test_import_direction.py holds the
# learner modules to importing nothing from the rest.
LEARNER_MODULES = ("__init__", "_validate", "claims", "data", "experiments", "fast_layers", "features", "functions",
                   "gradcheck", "layers", "naive", "network", "optim", "plots", "ravine", "seeds", "training",
                   "widgets")
