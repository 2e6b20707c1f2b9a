import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # this process only; notebook kernels keep their inline backend
os.environ.pop("MPLBACKEND", None)  # an inherited Agg would stop kernels from showing figures
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so tests.wrong_answers imports as a package
