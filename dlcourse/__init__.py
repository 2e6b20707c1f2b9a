"""dlcourse: deep-learning fundamentals from scratch in numpy, the helper library of the course."""
from . import data, functions, gradcheck, layers, naive, optim
from .network import Sequential
from .training import History, evaluate, train

__version__ = "0.1.0"

__all__ = ["data", "functions", "gradcheck", "layers", "naive", "optim", "Sequential", "History", "evaluate",
           "train"]
